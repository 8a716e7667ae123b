"""Sources as FtM documents, and the quotes that tie them to the things they support."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q
from followthemoney.proxy import EntityProxy

from ...choices import SourceKind
from ...models import Evidence, Source
from ...querysets import visible
from .base import (
    CHUNK_SIZE,
    SOURCE_CHUNK_SIZE,
    TEXT_TYPE,
    add_text,
    by_key,
    conflict_id,
    entity_id,
    item_id,
    make,
    organization_id,
    partial_date,
    source_id,
    state_id,
    transfer_id,
)

# Sources -------------------------------------------------------------------------------------


def source_entities(verified_only: bool) -> Iterator[EntityProxy]:
    sources = visible(Source.objects.all(), verified_only=verified_only)
    for source in by_key(sources, "text_hash", chunk_size=SOURCE_CHUNK_SIZE):
        schema = "Article" if source.kind == SourceKind.NEWS else "PlainText"
        proxy = make(schema, source_id(source.natural_key()[0]))
        proxy.add("title", source.title)
        proxy.add("publisher", source.publisher or None)
        proxy.add("sourceUrl", source.url)
        proxy.add("publishedAt", partial_date(source, "published_date"), cleaned=True)
        proxy.add("language", source.language)
        proxy.add("mimeType", "text/plain")
        proxy.add("keywords", source.get_kind_display())
        if len(source.text) > TEXT_TYPE.total_size:
            # FtM would silently drop the rest: refuse to export a cut text instead.
            raise ValueError(
                f"Source {source.natural_key()[0]}: its text is longer than FtM keeps in one "
                f"entity ({TEXT_TYPE.total_size:,} characters)."
            )
        add_text(proxy, "bodyText", source.text)
        yield proxy


# Evidence on things --------------------------------------------------------------------------

#: Facts exported as FtM things, which a Documentation can link a source to: the fact field of
#: Evidence, the natural key to read through it and the id function.
DOCUMENTED_FACTS = (
    ("state", "state__code", state_id),
    ("organization", "organization__slug", organization_id),
    ("item", "item__slug", item_id),
    ("transfer", "transfer__slug", transfer_id),
    ("conflict", "conflict__slug", conflict_id),
)


def documentation_entities(verified_only: bool) -> Iterator[EntityProxy]:
    on_things = Q()
    for field, _key, _ in DOCUMENTED_FACTS:
        on_things |= Q(**{f"{field}__isnull": False})
    # visible() holds a quote to its fact's visibility, each side of a deal included.
    evidence = visible(Evidence.objects.filter(on_things), verified_only=verified_only)
    rows = evidence.order_by("slug").values_list(
        "slug",
        "quote",
        "claim_status",
        "note",
        "source__url",
        "source__text_hash",
        *(key for _, key, _ in DOCUMENTED_FACTS),
    )
    for slug, quote, claim_status, note, url, text_hash, *keys in rows.iterator(CHUNK_SIZE):
        proxy = make("Documentation", entity_id("evidence", slug))
        proxy.add("document", source_id(url or text_hash), cleaned=True)
        for (_field, _key, make_id), key in zip(DOCUMENTED_FACTS, keys, strict=True):
            if key is not None:
                proxy.add("entity", make_id(key), cleaned=True)
        proxy.add("role", f"evidence ({claim_status})")
        add_text(proxy, "summary", quote)
        add_text(proxy, "description", note)
        proxy.add("sourceUrl", url)
        yield proxy
