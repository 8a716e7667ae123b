"""Read an article (a text file, an HTML page saved to a file, or a page at --url) and draft
sourced facts from it; --dry-run prints exactly what storing would write, and writes nothing."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from tracker.services.ingest.reading import IngestError, fetch_article, read_article
from tracker.services.ingest.store import article_ingest, parse_published


class Command(BaseCommand):
    help = (
        "Read FILE (plain text, optionally starting with title:/publisher:/date:/url: lines and "
        "a blank line; or an HTML page) or the page at --url (fetched only when "
        "TRACKER_INGEST_FETCH=1), store it as a Source once and create draft records with their "
        "quotes. --dry-run prints the same report and writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="The article's file (text or HTML).")
        parser.add_argument(
            "--url",
            help="The article's URL: with FILE, the URL the file was saved from; alone, the page "
            "to fetch.",
        )
        parser.add_argument("--publisher")
        parser.add_argument("--published", help="YYYY, YYYY-MM or YYYY-MM-DD")
        parser.add_argument("--title")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Do everything, print what would be stored, then write nothing.",
        )
        parser.add_argument("--format", choices=["json", "text"], default="text")

    def handle(self, *args, file, url, publisher, published, title, dry_run, format, **options):
        if not file and not url:
            raise CommandError("Give the article's FILE, or --url to fetch the page.")
        try:
            article = read_article(file) if file else fetch_article(url)
            if url:
                article.url = url
            if publisher:
                article.publisher = publisher
            if title:
                article.title = title
            override = parse_published(published)
            if override:
                article.published = override
            result = article_ingest(article=article, dry_run=dry_run)
        except IngestError as error:
            raise CommandError(str(error)) from None
        report = result.as_json()
        if format == "json":
            self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False, default=str))
            return
        self._print_text(report, dry_run)

    def _print_text(self, report: dict, dry_run: bool) -> None:
        write = self.stdout.write
        if dry_run:
            write("Dry run: nothing was written; this is what storing writes.")
        source = report["source"]
        write(
            f"source: {source['title']} ({source['publisher'] or 'no publisher'}, "
            f"{source['published_date'] or 'undated'}){' [new]' if source['created'] else ''}"
        )
        write(f"created: {report['created']}")
        write(f"evidence_added: {report['evidence_added']}")
        write(f"matched_existing: {report['matched_existing']}")
        write(f"proposals: {report['proposals']}")
        for kind in ("states", "organizations", "items", "transfers", "integrations"):
            write(f"{kind}: {len(report[kind])}")
        write(f"permit_decisions: {len(report['permit_decisions'])}")
        for d in report["permit_decisions"]:
            authority = d["authority"]
            if isinstance(authority, dict):
                authority = authority["organization"]
            flag = " (date from publication)" if d.get("date_from_publication") else ""
            write(
                f"  {authority} {d['action']} -> {d['target']} {d['date']} "
                f"({d['date_precision']}){flag}: {d.get('slug')} [{d['outcome']}]"
            )
            for e in d.get("evidence", []):
                by = f", attributed to {e['attributed_to']}" if e["attributed_to"] else ""
                write(f"    {e['claim_status']}{by}: {e['quote'][:100]} [{e['outcome']}]")
        write(f"not_stored: {len(report['not_stored'])}")
        for entry in report["not_stored"]:
            write(f"  {entry['kind']}: {entry['draft']}: {entry['reason']}")
        write(f"withdrawn_not_redrafted: {report['withdrawn_not_redrafted']}")
