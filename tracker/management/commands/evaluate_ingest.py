"""Print precision and recall of article extraction per kind of record on labelled sets."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.models import StateAlias
from tracker.services.ingest.evaluate import evaluate_corpus


class Command(BaseCommand):
    help = (
        "Evaluate the article extraction on each DIR (NAME.txt articles with NAME.json "
        "expected), one table per directory: e.g. the development half and the held-back half."
    )

    def add_arguments(self, parser):
        parser.add_argument("directories", nargs="+", metavar="DIR")
        parser.add_argument("--verbose-misses", action="store_true")

    def handle(self, *args, directories, verbose_misses, **options):
        if not StateAlias.objects.exists():
            raise CommandError(
                "No state aliases in the database: run `manage.py quickstart "
                "--no-serve` (or loaddata states) first."
            )
        for directory in directories:
            if not Path(directory).is_dir():
                raise CommandError(f"{directory}: not a directory.")
        for index, directory in enumerate(directories):
            scores, count = evaluate_corpus(directory)
            if not count:
                raise CommandError(f"No .txt articles in {directory}.")
            if len(directories) > 1:
                if index:
                    self.stdout.write("")
                self.stdout.write(f"== {directory}")
            self.stdout.write(f"{count} articles")
            self.stdout.write(
                f"{'kind':<24}{'tp':>4}{'fp':>4}{'fn':>4}{'precision':>11}{'recall':>8}"
            )
            for kind, s in scores.items():
                self.stdout.write(
                    f"{kind:<24}{s.tp:>4}{s.fp:>4}{s.fn:>4}{s.precision:>11.2f}{s.recall:>8.2f}"
                )
            if verbose_misses:
                for s in scores.values():
                    for miss in s.misses:
                        self.stdout.write(f"  {miss}")
