"""``loaddata`` by the reload rule, validating what it loads and naming every bad record and field.

Same interface as Django's command (JSON fixtures), plus ``--overwrite``. The records go through
``tracker.services.reload.records_reload``: a reload keeps curators' edits (reported as conflicts),
does not bring back records a curator deleted or rejected, and records what it wrote. Invalid JSON,
a malformed record, a duplicate record, a reference that resolves to nothing, a constraint, a
failed ``full_clean()``, a cycle of integrations or a verified fact without verified evidence
aborts the whole load with a message naming the fixture, the record and the field. Nothing is
written.
"""

from __future__ import annotations

import os

from django.apps import apps
from django.core.management.base import CommandError
from django.core.management.commands import loaddata
from django.db import connections

from tracker.services.fixtures import fixture_records
from tracker.services.reload import LoadSource, records_reload


class Command(loaddata.Command):
    help = (
        "Load JSON fixtures by the reload rule: fields a curator changed are kept and reported as "
        "conflicts, records a curator deleted stay deleted; any problem loads nothing."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Replace curators' values with the fixture's (recorded in each record's history "
            "with the fixture's name). Deleted or rejected records still stay deleted.",
        )

    def handle(self, *fixture_labels, **options):
        self.overwrite = options["overwrite"]
        super().handle(*fixture_labels, **options)

    def loaddata(self, fixture_labels):
        self.serialization_formats = ["json"]
        sources, files = [], set()
        for label in fixture_labels:
            for fixture_file, _, _ in self.find_fixtures(label):
                if fixture_file in files:
                    continue
                files.add(fixture_file)
                sources.append(self.read(fixture_file))
        report = records_reload(
            sources=sources,
            overwrite=self.overwrite,
            using=self.using,
            ignorenonexistent=self.ignore,
            exclude=self.excluded,
        )
        if report.loaded:
            # Records given with a primary key move the sequence on PostgreSQL.
            self.reset_sequences(connections[self.using], self.models_in(sources))
        if self.verbosity >= 1:
            self.write_report(report, len(sources))

    def read(self, fixture_file: str) -> LoadSource:
        _, ser_fmt, cmp_fmt = self.parse_name(os.path.basename(fixture_file))
        if ser_fmt != "json":
            raise CommandError(f"{fixture_file}: only JSON fixtures are supported.")
        open_method, mode = self.compression_formats[cmp_fmt]
        stream = open_method(fixture_file, mode)
        try:
            content = stream.read()
        finally:
            if fixture_file != loaddata.READ_STDIN:
                stream.close()
        name = "stdin" if fixture_file == loaddata.READ_STDIN else os.path.basename(fixture_file)
        return LoadSource(name, fixture_records(name, content))

    @staticmethod
    def models_in(sources) -> set:
        found = set()
        for source in sources:
            for record in source.records:
                try:
                    found.add(apps.get_model(record["model"]))
                except (LookupError, ValueError):
                    continue
        return found

    def excluded(self, model) -> bool:
        return model._meta.app_config in self.excluded_apps or model in self.excluded_models

    def write_report(self, report, fixtures: int) -> None:
        verb = "overwrote the curator's value" if report.overwrite else "kept the curator's value"
        for conflict in report.conflicts:
            self.stdout.write(self.style.WARNING(f"Conflict ({verb}): {conflict}"))
        for skipped in report.skipped:
            self.stdout.write(f"Skipped: {skipped}")
        self.stdout.write(f"{report.summary()} (from {fixtures} fixture(s))")
