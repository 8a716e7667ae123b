"""Write the tracker's records as FollowTheMoney entities, one JSON object per line."""

import json
import os

from django.core.management.base import BaseCommand, CommandError

from tracker.selectors.ftm import ftm_entities, ftm_problems


class Command(BaseCommand):
    help = (
        "Export states, organisations, items, transfers, restrictive permit decisions (as "
        "Sanctions), sources and quotes as FollowTheMoney entities (newline-delimited JSON). "
        "Verified records only unless --include-drafts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--include-drafts",
            action="store_true",
            help="Export drafts too (for curators; the default is what anonymous readers see).",
        )
        parser.add_argument(
            "--output", help="Write to this file (replaced once complete) instead of stdout."
        )

    def handle(self, *args, include_drafts, output, **options):
        verified_only = not include_drafts
        if not output:
            self.write(self.stdout, verified_only=verified_only)
            return
        partial = f"{output}.part"
        try:
            with open(partial, "w", encoding="utf-8") as stream:
                count = self.write(stream, verified_only=verified_only)
            os.replace(partial, output)
        except OSError as error:
            raise CommandError(f"--output {output}: {error.strerror}") from None
        finally:
            if os.path.exists(partial):
                os.remove(partial)
        self.stderr.write(f"Wrote {count} entities to {output}")

    def write(self, stream, *, verified_only: bool) -> int:
        count = 0
        entities = ftm_entities(verified_only=verified_only)
        while True:
            try:
                proxy = next(entities, None)
            except ValueError as error:  # a record FtM cannot hold whole
                raise CommandError(str(error)) from None
            if proxy is None:
                return count
            problems = ftm_problems(proxy)
            if problems:  # a mapping bug: stop rather than write what Aleph would reject
                raise CommandError("; ".join(problems))
            stream.write(json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
