"""Regional extracts of a SIPRI export: the deals of some states, in the file's own format.

An extract is the original file cut down, byte for byte: the preamble (with SIPRI's source line
and generation date; its title line says it is an extract and of which states), the header and
every physical line of each kept deal, in file order and in the file's encoding. A deal broken
across lines keeps all its lines, so the SIPRI reader reads an extract exactly as it reads the
whole file.
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from .comments import destinations
from .reader import sipri_read
from .records import ReadReport, SipriDeal

#: The quickstart's region: the South Caucasus, Turkey and Central Asia.
SOUTH_CAUCASUS_TURKEY_CENTRAL_ASIA = ("AM", "AZ", "GE", "TR", "KZ", "KG", "TJ", "TM", "UZ")


@dataclass(frozen=True)
class SipriExtract:
    """The extract's bytes, how many deals and physical lines it keeps, and the source's read
    report (its rejected rows are never kept)."""

    data: bytes
    deals: int
    lines: int
    source_report: ReadReport


def deal_involves(deal: SipriDeal, state_codes: frozenset[str]) -> bool:
    """Whether a state of `state_codes` supplies or receives the deal, or a non-state party
    operating in one of them does (PKK (Turkiye)*), or the deal's components go into a platform
    its Comments say is made in one of them ("for Hurkus trainer/combat aircraft from Turkey":
    the engines Canada sells to Chad for Turkish aircraft belong to the region's supply chains)."""
    for party in (deal.supplier, deal.recipient):
        if party.state_code in state_codes or state_codes.intersection(party.operates_in_codes):
            return True
    return bool(deal.comments) and any(
        d.origin_state in state_codes for d in destinations(deal.comments)
    )


def extract_mark(state_codes) -> str:
    """What an extract adds to the release's title line: which deals it keeps. The title is the
    release's scope for the importer, so an extract is never taken for the whole register (whose
    deals it lacks would otherwise look withdrawn)."""
    return f" [extract: deals involving {', '.join(sorted(state_codes))}]"


def _marked(head: list[bytes], state_codes) -> list[bytes]:
    """The preamble with the extract's mark at the end of its title (the first non-blank line),
    before any line-end whitespace; every other byte as in the source."""
    marked = list(head)
    for index, line in enumerate(marked):
        if line.strip():
            body = line.rstrip(b" \t\r")
            marked[index] = body + extract_mark(state_codes).encode("ascii") + line[len(body) :]
            break
    return marked


def _key_group(deal: SipriDeal) -> str:
    """The deal's naming fields without its occurrence number (classic format); the deal id in
    the deal-id format."""
    return deal.deal_key.rsplit(":", 1)[0] if deal.deal_id is None else deal.deal_key


def sipri_extract(source: str | PathLike | bytes, *, state_codes) -> SipriExtract:
    """Cut a SIPRI export (either format) down to the deals involving `state_codes`."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    read = sipri_read(data)
    codes = frozenset(state_codes)
    physical = data.split(b"\n")  # line n of the reader is physical[n - 1]
    involved = {_key_group(deal) for deal in read.deals if deal_involves(deal, codes)}
    # Every row sharing a kept deal's naming fields is kept too: the importer numbers such rows
    # by their order in the file, so the extract numbers them as the whole file does and a later
    # import of the whole file finds the same deals.
    chosen = [deal for deal in read.deals if _key_group(deal) in involved]
    kept = sorted({n for deal in chosen for n in deal.lines})
    deals = len(chosen)
    head = _marked(physical[: read.release.header_line], codes)
    body = [physical[n - 1] for n in kept]
    return SipriExtract(
        data=b"\n".join(head + body) + b"\n",
        deals=deals,
        lines=len(kept),
        source_report=read.report,
    )
