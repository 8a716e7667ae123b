"""Read a SIPRI export (classic trade register or deal-id format) into typed deals and a report.

Pure Python, no database: the loader calls ``sipri_read`` and gets every deal of the file as a
``SipriDeal``, or, for a row it cannot read, a ``Problem`` naming the line and the field. Nothing
is dropped silently: ``report.deals_read == report.parsed + report.rejected``.
"""

from __future__ import annotations

import gc
import re
from datetime import datetime
from os import PathLike
from pathlib import Path

from .classic import ClassicReader
from .deal_id import DealIdReader
from .fields import SipriFormatError, split_line
from .records import ReadReport, Release, SipriFormat, SipriRead

__all__ = ["SipriFormatError", "sipri_read"]

MAX_PREAMBLE_LINES = 40
_GENERATED = re.compile(r"^Data generated:\s*(.+?)\s*$")


def sipri_read(source: str | PathLike | bytes) -> SipriRead:
    """Read a SIPRI export from a path or from its bytes.

    Detects the encoding (UTF-8, else Latin-1) and the format (from the header), keeps the
    preamble's title and generation date as the release, and returns every deal with a report.
    Raises ``SipriFormatError`` if no known header is found.
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    # The reader allocates a few hundred thousand objects that all live on: the cyclic garbage
    # collector would scan them again and again (a third of the time) and free none.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read(data)
    finally:
        if collecting:
            gc.enable()


def _read(data: bytes) -> SipriRead:
    text, encoding = _decode(data)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    release = _release(lines, encoding)
    report = ReadReport(release=release)
    if release.format is SipriFormat.CLASSIC:
        deals = ClassicReader(lines, release, report).read()
    else:
        deals = DealIdReader(lines, release, report).read()
    report.problems.sort(key=lambda problem: problem.line)
    for deal in deals:
        for party in (deal.supplier, deal.recipient):
            for name in party.unresolved:
                report.unresolved_names.setdefault(name, []).append(deal.line)
    return SipriRead(deals=deals, report=report, text=text)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "latin-1"
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding


def _release(lines: list[str], encoding: str) -> Release:
    title = generated_text = source_line = ""
    for index, line in enumerate(lines[:MAX_PREAMBLE_LINES]):
        stripped = line.strip()
        first = split_line(line)[0].strip() if stripped else ""
        if first in ("Recipient", "SIPRI AT Database ID"):
            header = tuple(split_line(line))
            fmt = SipriFormat.CLASSIC if first == "Recipient" else SipriFormat.DEAL_ID
            return Release(
                format=fmt,
                title=title,
                generated_text=generated_text,
                generated_at=_parse_generated(generated_text),
                source_line=source_line,
                encoding=encoding,
                header=header,
                header_line=index + 1,
            )
        if not stripped:
            continue
        if match := _GENERATED.match(stripped):
            generated_text = match[1]
        elif stripped.startswith("Source:"):
            source_line = stripped
        elif not title:
            title = " ".join(stripped.split())
    raise SipriFormatError(
        f"no SIPRI header (a line starting 'Recipient' or 'SIPRI AT Database ID') "
        f"in the first {MAX_PREAMBLE_LINES} lines"
    )


def _parse_generated(text: str) -> datetime | None:
    for pattern in ("%d %b %Y %I:%M:%S %p", "%d %b %Y %H:%M:%S", "%d %b %Y"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None
