"""Read a plain-text article and draft sourced facts from it (or print the draft as JSON)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tracker.services.ingest.extract import Lexicon, extract
from tracker.services.ingest.reading import IngestError, read_article
from tracker.services.ingest.store import article_ingest, parse_published


class Command(BaseCommand):
    help = (
        "Read FILE (optionally starting with title:/publisher:/date:/url: lines and a blank "
        "line), store it as a Source once and create draft records with their quotes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--url")
        parser.add_argument("--publisher")
        parser.add_argument("--published", help="YYYY, YYYY-MM or YYYY-MM-DD")
        parser.add_argument("--title")
        parser.add_argument(
            "--dry-run", action="store_true", help="Write nothing; print the draft."
        )
        parser.add_argument("--format", choices=["json", "text"], default="text")

    def handle(self, *args, file, url, publisher, published, title, dry_run, format, **options):
        try:
            article = read_article(file)
            if url:
                article.url = url
            if publisher:
                article.publisher = publisher
            if title:
                article.title = title
            override = parse_published(published)
            if override:
                article.published = override
            # A PartialDate: a year-only publication date stays a year.
            when = article.published
            if dry_run:
                draft = extract(article.body, published=when, lexicon=Lexicon.from_database())
                self._print(draft.as_json(), format)
                return
            with transaction.atomic():
                result = article_ingest(article=article, published=when)
        except IngestError as error:
            raise CommandError(str(error)) from None
        summary = {
            "source": result.source.pk,
            "source_created": result.source_created,
            "created": result.created,
            "evidence_added": result.evidence_added,
            "matched_existing": result.matched,
            "withdrawn_not_redrafted": result.withdrawn,
            "not_stored": result.not_stored,
            "draft": result.draft.as_json(),
        }
        self._print(summary, format)

    def _print(self, data, format):
        if format == "json":
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str))
            return
        for key, value in data.items():
            if key != "draft":
                self.stdout.write(f"{key}: {value}")
        draft = data.get("draft", data)
        for kind in ("states", "organizations", "permit_decisions", "transfers"):
            items = draft.get(kind, [])
            self.stdout.write(f"{kind}: {len(items)}")
