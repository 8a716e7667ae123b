"""Check every evidence quote against its source text; exit non-zero naming each bad record."""

from django.core.management.base import BaseCommand, CommandError

from tracker.models import Evidence
from tracker.selectors.evidence import evidence_bad_quotes


class Command(BaseCommand):
    help = "Check that every evidence quote occurs verbatim in its source at its offsets."

    def handle(self, *args, **options):
        bad = 0
        for problem in evidence_bad_quotes():
            bad += 1
            self.stderr.write(str(problem))
        total = Evidence.objects.count()
        if bad:
            raise CommandError(f"{bad} of {total} evidence quote(s) do not match their source.")
        self.stdout.write(self.style.SUCCESS(f"All {total} evidence quotes match their sources."))
