"""Write the verified facts of one or more sources as a natural-key fixture."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from tracker.services.export import fixture_dump, fixture_records, sources_find


class Command(BaseCommand):
    help = "Export the verified facts of sources (with sources and evidence) as a fixture."

    def add_arguments(self, parser):
        parser.add_argument(
            "--source", action="append", required=True, help="A source's url, text hash or id."
        )
        parser.add_argument("--output", help="Default: fixtures/<first source title>.json")

    def handle(self, *args, source, output, **options):
        try:
            sources = sources_find(source)
        except LookupError as error:
            raise CommandError(str(error)) from None
        records = fixture_records(sources=sources)
        path = (
            Path(output)
            if output
            else (
                Path(settings.FIXTURE_DIRS[0])
                / f"{slugify(sources[0].title)[:60] or 'source'}.json"
            )
        )
        path.write_text(fixture_dump(records), encoding="utf-8")
        self.stdout.write(f"Wrote {len(records)} records to {path}")
