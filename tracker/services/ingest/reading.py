"""Reading an article file: encoding, the optional header block, clear errors for bad input."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from ...models.sources import normalize_text
from ...partial_dates import PartialDate

#: Larger files are refused rather than half-processed.
MAX_BYTES = 20 * 1024 * 1024
HEADER_KEYS = ("title", "publisher", "date", "url")


class IngestError(Exception):
    """An article that cannot be read; the message says why."""


@dataclass
class Article:
    title: str
    publisher: str
    published: PartialDate | None
    url: str | None
    body: str


def decode(raw: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is refused clearly."""
    if not raw.strip():
        raise IngestError(f"{name}: the file is empty.")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    if b"\x00" in raw:
        raise IngestError(f"{name}: this is a binary file, not a plain-text article.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{name}: the text is not UTF-8 (byte {exc.start} cannot be read). Convert it first, "
            "e.g. `iconv -f latin1 -t utf-8`."
        ) from None


def parse(text: str, name: str = "article") -> Article:
    """Split the optional header block (``title:``, ``publisher:``, ``date:``, ``url:`` lines,
    then a blank line) from the body."""
    text = normalize_text(text)
    header: dict[str, str] = {}
    lines = text.split("\n")
    first = lines[0].split(":", 1)[0].strip().lower() if lines else ""
    body = text
    if first in HEADER_KEYS and "\n\n" in text:
        head, body = text.split("\n\n", 1)
        for line in head.split("\n"):
            key, sep, value = line.partition(":")
            if not sep or key.strip().lower() not in HEADER_KEYS:
                raise IngestError(
                    f"{name}: header line {line!r} is not 'title:', 'publisher:', "
                    "'date:' or 'url:'."
                )
            header[key.strip().lower()] = value.strip()
    published = None
    if header.get("date"):
        try:
            published = PartialDate.parse(header["date"])
        except ValueError as exc:
            raise IngestError(f"{name}: header date: {exc}.") from None
    if not body.strip():
        raise IngestError(f"{name}: the article has no text after its header.")
    return Article(
        title=header.get("title", ""),
        publisher=header.get("publisher", ""),
        published=published,
        url=header.get("url") or None,
        body=body,
    )


def read_article(path: str | Path) -> Article:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(f"{path}: {exc.strerror}.") from None
    if size > MAX_BYTES:
        raise IngestError(f"{path}: {size} bytes is more than the {MAX_BYTES} accepted.")
    return parse(decode(path.read_bytes(), str(path)), str(path))
