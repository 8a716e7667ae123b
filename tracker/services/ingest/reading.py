"""Reading an article: a plain-text file (its encoding, the optional header block), an HTML
file or a page fetched from its URL (the article's body and metadata taken out of the page with
trafilatura, so navigation, related links, cookie banners and the outlet's name never reach the
extractor), and the language check. Bad input gets a clear error."""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from ...choices import DatePrecision
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
    #: When the page was fetched from ``url`` (None for a file given by hand).
    retrieved_at: dt.datetime | None = None


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


#: A page whose main text has fewer letters than this holds no article.
MIN_ARTICLE_LETTERS = 40
HTML_START = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)


def looks_like_html(text: str) -> bool:
    return bool(HTML_START.match(text[:2000]))


def read_article(path: str | Path) -> Article:
    """A text file (see :func:`parse`) or an HTML page saved to a file (see :func:`parse_html`)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(f"{path}: {exc.strerror}.") from None
    if size > MAX_BYTES:
        raise IngestError(f"{path}: {size} bytes is more than the {MAX_BYTES} accepted.")
    text = decode(path.read_bytes(), str(path))
    if path.suffix.lower() in (".html", ".htm") or looks_like_html(text):
        return parse_html(text, str(path))
    return parse(text, str(path))


def _same_words(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def parse_html(html: str, name: str = "page", url: str | None = None) -> Article:
    """The article in an HTML page: its main text (trafilatura drops navigation, related links,
    cookie banners, bylines and footers) and its metadata (title, publication date, site name,
    canonical url). The headline is the title, not part of the body (as in a text file's
    header)."""
    import trafilatura

    found = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
    )
    letters = sum(ch.isalpha() for ch in (found.text or "")) if found is not None else 0
    if letters < MIN_ARTICLE_LETTERS:
        # trafilatura falls back to any text it finds (a menu's "Home"): that is not an article.
        raise IngestError(
            f"{name}: no article text found in the page ({letters} letters of text outside its "
            "navigation and furniture)."
        )
    lines = normalize_text(found.text).split("\n")
    title = (found.title or "").strip()
    if title and lines and _same_words(lines[0], title):
        lines = lines[1:]
    body = "\n".join(lines).strip()
    if not body:
        raise IngestError(f"{name}: the page has a headline but no article text.")
    published = None
    if found.date:
        try:
            published = PartialDate(dt.date.fromisoformat(found.date[:10]), DatePrecision.DAY)
        except ValueError:
            published = None
    return Article(
        title=title[:500],
        publisher=(found.sitename or found.hostname or "").strip()[:200],
        published=published,
        url=url or found.url or None,
        body=body,
    )


def fetching_allowed() -> bool:
    return bool(getattr(settings, "TRACKER_INGEST_FETCH", False))


def fetch_article(url: str) -> Article:
    """The article at ``url``, fetched now (``retrieved_at``). Fetching is off unless the setting
    ``TRACKER_INGEST_FETCH`` is on (environment ``TRACKER_INGEST_FETCH=1``); tests never fetch."""
    if not re.match(r"https?://", url or ""):
        raise IngestError(f"--url {url!r}: give an http:// or https:// address.")
    if not fetching_allowed():
        raise IngestError(
            "Fetching pages is off: set TRACKER_INGEST_FETCH=1 to fetch --url, or save the page "
            "and give its file."
        )
    request = urllib.request.Request(url, headers={"User-Agent": "arms-tracker-ingest/1.0"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http(s) only
            raw = response.read(MAX_BYTES + 1)
            charset = response.headers.get_content_charset() or "utf-8"
            final_url = response.geturl()
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        raise IngestError(f"--url {url}: could not fetch the page ({exc}).") from None
    if len(raw) > MAX_BYTES:
        raise IngestError(f"--url {url}: the page is more than the {MAX_BYTES} bytes accepted.")
    try:
        html = raw.decode(charset)
    except (LookupError, UnicodeDecodeError):
        html = raw.decode("utf-8", errors="replace")
    article = parse_html(html, url, url=final_url or url)
    article.url = url
    article.retrieved_at = timezone.now()
    return article


#: Texts shorter than this (letters) are too short to tell their language reliably.
MIN_LETTERS_FOR_LANGUAGE = 40
#: An article is refused only when English is this improbable: short English news sentences can
#: rank a close language (Nigerian Pidgin, Scots) first, with English still plausible.
ENGLISH_IMPLAUSIBLE = 0.01


@functools.cache
def _identifier():
    """py3langid's naive Bayes model, shipped inside the package (no download), with normalised
    probabilities; the same text always gets the same answer."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the text's language: "en" unless English is implausible (then the
    most probable language), or None for a text too short to tell."""
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS_FOR_LANGUAGE:
        return None
    ranked = _identifier().rank(text)
    english = dict(ranked).get("en", 0.0)
    return "en" if english >= ENGLISH_IMPLAUSIBLE else ranked[0][0]


def language_name(code: str) -> str:
    import pycountry

    language = pycountry.languages.get(alpha_2=code)
    return language.name if language else code


def ensure_english(article: Article, name: str = "article") -> str:
    """The article's language ("en"); any other language is refused, naming it: the rules read
    English only."""
    code = detect_language(article.body)
    if code is None or code == "en":
        return "en"
    raise IngestError(
        f"{name}: the article is in {language_name(code)} ({code}), not English; the extraction "
        "rules read English only. Ingest an English version of the article."
    )
