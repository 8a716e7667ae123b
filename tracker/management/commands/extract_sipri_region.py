"""Write a regional extract of a SIPRI export, in the export's own format.

    python manage.py extract_sipri_region ../shared/data/sipri-trade-register-1950-2024.csv \\
        --output fixtures/sipri-south-caucasus-turkey-central-asia-1950-2024.csv

keeps every deal that a state of ``--states`` (default: the South Caucasus, Turkey and Central
Asia) supplies or receives, or that a non-state party operating in one of them is a side of, with
the file's preamble (SIPRI's source line included) and header, byte for byte.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.services.imports.sipri import SipriFormatError
from tracker.services.imports.sipri.extract import (
    SOUTH_CAUCASUS_TURKEY_CENTRAL_ASIA,
    sipri_extract,
)


class Command(BaseCommand):
    help = "Write the deals of some states from a SIPRI export into a smaller file of its format."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a SIPRI export (classic or deal-id format)")
        parser.add_argument("--output", required=True, help="the extract to write")
        parser.add_argument(
            "--states",
            default=",".join(SOUTH_CAUCASUS_TURKEY_CENTRAL_ASIA),
            help="comma-separated ISO codes (default: %(default)s)",
        )

    def handle(self, *args, path, output, states, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"path: no such file: {source}")
        codes = [code.strip().upper() for code in states.split(",") if code.strip()]
        if not codes:
            raise CommandError("--states: give at least one ISO code")
        try:
            extract = sipri_extract(source, state_codes=codes)
        except SipriFormatError as error:
            raise CommandError(f"{source}: {error}") from error
        Path(output).write_bytes(extract.data)
        report = extract.source_report
        self.stdout.write(
            f"Kept {extract.deals} of {report.parsed} deals ({extract.lines} lines, "
            f"{len(extract.data):,} bytes) involving {', '.join(codes)}; wrote {output}"
        )
        if report.rejected:
            self.stdout.write(f"{report.rejected} rejected rows of {source.name} left out:")
            for problem in report.problems:
                self.stdout.write(f"  {problem}")
