"""Import a SIPRI Arms Transfers Database export (classic trade register or deal-id format)."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tracker.services.imports.sipri import SipriFormatError
from tracker.services.imports.sipri.load import SipriImportError, sipri_import


class Command(BaseCommand):
    help = (
        "Import a SIPRI export: states, non-state parties, items, transfers, the release as a "
        "source and each deal's row as its evidence, in one transaction."
    )
    # Django's system checks inspect the project's configuration, not the data, and cost about
    # 0.6 s (a third of the import's budget); `manage.py check` runs them (as `migrate` does).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The CSV file exported from SIPRI.")
        review = parser.add_mutually_exclusive_group(required=True)
        review.add_argument(
            "--verified-by",
            metavar="USERNAME",
            help="The curator who vouches for the release: imported records are verified by "
            "them (inferred ones stay drafts).",
        )
        review.add_argument("--draft", action="store_true", help="Import everything as drafts.")
        parser.add_argument(
            "--create-unknown",
            action="store_true",
            help="Import a name no table resolves as a draft party (its deals as drafts) "
            "instead of stopping.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Do everything, report, then roll back."
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, path: Path, **options):
        user = None
        if options["verified_by"]:
            try:
                user = get_user_model().objects.get(username=options["verified_by"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"--verified-by: no user {options['verified_by']!r}") from None
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            summary = sipri_import(
                path,
                verified_by=user,
                create_unknown=options["create_unknown"],
                dry_run=options["dry_run"],
                path_label=str(path),
            )
        except (SipriImportError, SipriFormatError) as error:
            raise CommandError(f"{path}: {error}") from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False, indent=1))
        else:
            self.stdout.write("\n".join(summary.lines()))
