"""Components into platforms: the integrations SIPRI's Comments imply, as drafts for review.

"Pratt & Whitney Canada PT-6A-68T (1600hp) turboprop; for 15 Hurkus-B trainer aircraft produced
in Turkey" says that the deal's item (the PT-6A-68T) is fitted to the Hurkus-B, a platform from
Turkey. ``plan_integrations`` reads every deal's comment into such links (pure Python, no
database); ``load_integrations`` writes them, set-wise, inside the importer's transaction: draft
platform items that do not exist yet, draft integrations and draft evidence quoting the clause of
the comment, located by offset in the stored source text.

Families: a comment may name a family ("Hurkus") where the deals use designations ("Hurkus-C").
The plan links the component to every member of the family found in the file, each link a draft
integration whose note names the family and the members matched, and each member gets a draft
alias with the family's name. A curator confirms a link by verifying it, or rejects it (the
tombstone keeps later imports from bringing it back).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ....choices import IntegrationStatus
from ....models import Source
from .comments import ItemRef
from .records import SipriDeal

#: How many left comments the report keeps as examples.
EXAMPLES = 20


@dataclass(frozen=True, slots=True)
class PlannedIntegration:
    """One component -> platform link read from one deal's comment.

    ``platform`` is the ItemRef of a deal in the same file when the comment names a designation
    the file has (the importer maps it to its item), else a new platform listed in
    ``IntegrationPlan.new_platforms``. ``clause`` is the words of the comment verbatim as they
    stand in ``deal.text`` at ``clause_offset`` (the evidence quote). ``family`` is the family the
    comment names when the platform was matched through it ("Hurkus" -> "Hurkus-C"), with every
    member matched in ``members``.
    """

    identity: str  # the deal's identity
    line: int
    component: ItemRef
    platform: ItemRef
    status: IntegrationStatus
    count: int | None
    clause: str
    clause_offset: int
    family: str | None = None
    members: tuple[str, ...] = ()

    @property
    def note(self) -> str:
        """The integration's note, telling curators how it was inferred."""
        note = f"Read from SIPRI's comment on the deal at line {self.line}: {self.clause!r}."
        if self.family:
            note += (
                f" The comment names the family {self.family!r}; matched "
                f"{', '.join(self.members)}. Verify, or reject if this member is not meant."
            )
        return note


@dataclass(frozen=True, slots=True)
class LeftComment:
    """A comment that names a destination the plan did not turn into an integration."""

    line: int
    identity: str
    comments: str
    reason: str


@dataclass
class IntegrationPlanReport:
    """What the plan made of the comments.

    ``mentioning == turned + left``: a comment mentioning a destination platform (a "for ..."
    clause naming a platform type) is either turned into at least one integration or left, with
    examples (line number and reason).
    """

    mentioning: int = 0
    turned: int = 0
    left: int = 0
    integrations: int = 0
    family_matches: int = 0  # planned integrations matched through a family name
    new_platforms: int = 0
    examples: list[LeftComment] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.mentioning == self.turned + self.left


@dataclass
class IntegrationPlan:
    """The integrations read from a file's comments, the new platforms they need, and a report."""

    integrations: list[PlannedIntegration]
    new_platforms: list[ItemRef]  # platforms named in comments that no deal of the file has
    aliases: list[tuple[ItemRef, str]]  # (family member, family name): draft item aliases
    report: IntegrationPlanReport


@dataclass
class IntegrationReport:
    """What ``load_integrations`` wrote (and what it kept or skipped), with the plan's report."""

    plan: IntegrationPlanReport
    platforms_created: int = 0
    platforms_existing: int = 0
    integrations_created: int = 0
    integrations_existing: int = 0
    integrations_tombstoned: int = 0  # deleted or rejected by a curator: not recreated
    integrations_cyclic: int = 0  # would close a cycle in the assembly graph: skipped
    evidence_created: int = 0
    aliases_created: int = 0
    skipped: list[str] = field(default_factory=list)  # why links were skipped, for the summary


def plan_integrations(deals: Sequence[SipriDeal]) -> IntegrationPlan:
    """Read every deal's comment into planned integrations (pure: no database)."""
    raise NotImplementedError


def load_integrations(
    plan: IntegrationPlan,
    *,
    items: Mapping[ItemRef, int],
    row_offsets: Mapping[str, int],
    source: Source,
    using: str = "default",
) -> IntegrationReport:
    """Write the plan as drafts, set-wise: platforms, integrations, evidence, family aliases.

    ``items`` maps each deal's ItemRef (``deal_item(deal)``) to its Item id; ``row_offsets`` maps a
    deal's identity to the offset of its row text in ``source.text``. Run inside the importer's
    transaction. Idempotent: existing integrations are kept, tombstoned ones not recreated.
    """
    raise NotImplementedError
