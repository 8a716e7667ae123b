"""Prepare the embedded database with every fixture and a demo curator, then serve."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tracker.services.accounts import demo_curator_ensure


def fixture_files(pattern: str = "*.json") -> list[Path]:
    """The fixtures matching ``pattern`` in the project's fixtures directories, in name order."""
    return sorted(p for d in settings.FIXTURE_DIRS for p in Path(d).glob(pattern))


class Command(BaseCommand):
    help = (
        "Migrate, load every fixture in fixtures/, create a demo curator and serve the admin and "
        "API. Safe to run again: nothing is duplicated, curators' edits and deletions are kept "
        "(conflicts with changed fixture values are reported)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000", help="Where to serve.")
        parser.add_argument(
            "--no-serve", action="store_true", help="Prepare the database and exit."
        )

    def handle(self, *args, addrport, no_serve, **options):
        verbosity = options["verbosity"]
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        files = fixture_files()
        if not files:
            raise CommandError(
                f"No fixtures found in {', '.join(map(str, settings.FIXTURE_DIRS))}."
            )
        # One call, so references between fixture files resolve whatever their order. The reload
        # rule keeps curators' edits and deletions; conflicts and the summary are printed.
        call_command("loaddata", *map(str, files), verbosity=verbosity, stdout=self.stdout)
        curator = demo_curator_ensure(
            username=os.environ.get("TRACKER_DEMO_USERNAME") or "curator",
            password=os.environ.get("TRACKER_DEMO_PASSWORD") or None,
        )
        if curator.password and not os.environ.get("TRACKER_DEMO_PASSWORD"):
            self.stdout.write(
                f"Demo curator: username {curator.username!r}, password {curator.password!r}"
            )
        elif curator.password:
            self.stdout.write(f"Demo curator {curator.username!r}: password from the environment.")
        else:
            self.stdout.write(
                f"Demo curator {curator.username!r} already exists; its password is unchanged "
                "(set TRACKER_DEMO_PASSWORD to reset it)."
            )
        # SIPRI extracts shipped in fixtures/: the demo curator vouches for SIPRI's release (its
        # rows become verified facts; what the importer infers stays a draft for review).
        for path in fixture_files("sipri-*.csv"):
            call_command(
                "import_sipri",
                str(path),
                verified_by=curator.username,
                verbosity=verbosity,
                stdout=self.stdout,
            )
        if no_serve:
            self.stdout.write(self.style.SUCCESS("Ready. Serve with: python manage.py quickstart"))
            return
        self.stdout.write(f"Admin: http://{addrport}/admin/   API: http://{addrport}/api/")
        # --insecure serves the admin's static files even with DEBUG off (local use only).
        call_command("runserver", addrport, insecure=True, use_reloader=False)
