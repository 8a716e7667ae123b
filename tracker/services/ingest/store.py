"""Storing an article and its draft facts: the Source once, draft records with evidence.

A draft never changes an existing record: when a fact is already known (the same decision
reported by another outlet) the new quote is added to it as evidence and nothing else changes.
Everything happens in one transaction: a failure writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from ...choices import ENDING_ACTIONS, DatePrecision, OrganizationKind
from ...models import (
    Deployment,
    Evidence,
    Integration,
    Item,
    Organization,
    PermitDecision,
    Source,
    State,
    Tombstone,
    TombstoneKind,
    Transfer,
)
from ...models.sources import normalize_text, text_hash
from ...partial_dates import PartialDate
from .extract import Draft, Lexicon, compatible_dates, extract
from .reading import Article, IngestError

ALLEGED = re.compile(r"\balleg|\bsays video|\bindicates\b|\bsuggest|\breportedly\b", re.I)


@dataclass
class IngestResult:
    source: Source
    source_created: bool
    draft: Draft
    created: dict[str, int] = field(default_factory=dict)
    evidence_added: int = 0
    matched: list[str] = field(default_factory=list)

    withdrawn: list[str] = field(default_factory=list)
    #: Drafts this branch cannot store yet (a company's own decision, an item not on record).
    not_stored: list[str] = field(default_factory=list)

    def count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1


WITHDRAWN = (TombstoneKind.REJECTED, TombstoneKind.DELETED)


def _withdrawn(result: IngestResult, instance) -> bool:
    """A curator deleted or rejected this record (its tombstone): drafting it again would bring
    back what they threw out. Noted in the result."""
    model, key = Tombstone.key_of(instance)
    if Tombstone.objects.filter(model=model, natural_key=key, kind__in=WITHDRAWN).exists():
        result.withdrawn.append(f"{model} {key}")
        return True
    return False


def source_for(article: Article) -> tuple[Source, bool]:
    """The stored source of this text (by hash or url), or a new draft one."""
    body = normalize_text(article.body)
    digest = text_hash(body)
    found = Source.objects.filter(text_hash=digest).first()
    if found:
        return found, False
    if article.url and Source.objects.filter(url=article.url).exists():
        raise IngestError(
            f"A different text is already stored for {article.url}; give the new version its own "
            "--url."
        )
    published = article.published
    source = Source(
        title=article.title or body.split("\n", 1)[0][:200],
        publisher=article.publisher,
        url=article.url,
        published_date=published.date if published else None,
        published_date_precision=published.precision if published else None,
        text=body,
    )
    source.full_clean()
    source.save()
    return source, True


def _claim(quote: str) -> str:
    return "alleged" if ALLEGED.search(quote) else "reported"


def _evidence(result: IngestResult, fact_field: str, fact, found: dict) -> None:
    evidence = Evidence(
        source=result.source,
        quote=found["quote"],
        start=found["start"],
        claim_status=_claim(found["quote"]),
        **{fact_field: fact},
    )
    evidence.slug = evidence.build_slug()
    if Evidence.objects.filter(slug=evidence.slug).exists() or _withdrawn(result, evidence):
        return
    evidence.full_clean()
    evidence.save()
    result.evidence_added += 1


def _decision_match(found: dict, authority: State, target: State) -> PermitDecision | None:
    candidates = PermitDecision.objects.filter(
        authority=authority, target_state=target, action=found["action"]
    )
    for decision in candidates:
        start = decision.start
        known = {"date": start.date.isoformat(), "date_precision": start.precision.label}
        if compatible_dates(known, found):
            return decision
    return None


@transaction.atomic
def article_ingest(
    *, article: Article, published: dt.date | PartialDate | None = None
) -> IngestResult:
    """Store the article once and its draft facts with their quotes."""
    source, created = source_for(article)
    when = published or article.published
    draft = extract(source.text, published=when, lexicon=Lexicon.from_database())
    result = IngestResult(source, created, draft)
    states = State.objects.in_bulk(draft.states, field_name="code")
    for code in draft.states:
        _evidence(result, "state", states[code], draft.state_quotes[code])
    for found in draft.organizations:
        org = Organization.objects.filter(slug=found["slug"]).first() if found["slug"] else None
        if org is None:
            slug = slugify(found["name"])[:120]
            org = Organization.objects.filter(slug=slug).first()
            if org is None:
                org = Organization(
                    slug=slug, name=found["name"], kind=OrganizationKind.MANUFACTURER
                )
                if _withdrawn(result, org):
                    continue
                org.full_clean()
                org.save()
                result.count("organizations")
            found["slug"] = slug
        _evidence(result, "organization", org, found)
    for bucket in (draft.components, draft.platforms):
        for found in bucket:
            if not found["slug"]:
                result.not_stored.append(f"item {found['name']!r} (not on record)")
                continue
            _evidence(result, "item", Item.objects.get(slug=found["slug"]), found)
    for found in draft.permit_decisions:
        if isinstance(found["authority"], dict):
            result.not_stored.append(
                f"{found['action']} by {found['authority']['organization']} toward "
                f"{found['target']} (a company's decision)"
            )
            continue
        _store_decision(result, found)
    for found in draft.transfers:
        if not found["item"]:
            continue  # the article names no item we know: nothing to record, nothing invented
        transfer = Transfer.objects.filter(
            supplier__code=found["supplier"],
            recipient__code=found["recipient"],
            item__slug=found["item"],
        ).first()
        if transfer is None:
            transfer = Transfer(
                supplier=State.objects.get(code=found["supplier"]),
                recipient=State.objects.get(code=found["recipient"]),
                item=Item.objects.get(slug=found["item"]),
            )
            transfer.slug = transfer.build_slug()
            if _withdrawn(result, transfer):
                continue
            transfer.full_clean()
            transfer.save()
            result.count("transfers")
        _evidence(result, "transfer", transfer, found)
    for found in draft.integrations:
        integration = Integration.objects.filter(
            component__slug=found["component"], assembly__slug=found["platform"]
        ).first()
        if integration is None:
            integration = Integration(
                component=Item.objects.get(slug=found["component"]),
                assembly=Item.objects.get(slug=found["platform"]),
            )
            integration.slug = integration.build_slug()
            if _withdrawn(result, integration):
                continue
            integration.full_clean()
            integration.save()
            result.count("integrations")
        _evidence(result, "integration", integration, found)
    for found in draft.deployments:
        existing = Deployment.objects.filter(item__slug=found["item"], state__code=found["state"])
        for deployment in existing:
            _evidence(result, "deployment", deployment, found)
    return result


def _store_decision(result: IngestResult, found: dict) -> PermitDecision | None:
    authority = State.objects.get(code=found["authority"])
    target = State.objects.get(code=found["target"])
    match = _decision_match(found, authority, target)
    if match is not None:
        result.matched.append(match.slug)
        decision = match
    else:
        day = found["date"]
        if day:
            precision = {p.label: p for p in DatePrecision}[found["date_precision"]]
            date, note = dt.date.fromisoformat(day), ""
            if found.get("date_from_publication"):
                note = " (The article gives no date; its publication date is used: check it.)"
        elif result.source.published_date:
            date, precision = (
                result.source.published_date,
                DatePrecision(result.source.published_date_precision),
            )
            note = " (The article gives no date; its publication date is used: check it.)"
        else:
            raise IngestError(
                f"A {found['action']} by {found['authority']} has no date and the article has "
                "no publication date: give --published."
            )
        ends = None
        if found.get("ends"):
            e = found["ends"]
            ends = _decision_match(e, authority, target) if e.get("date") else None
            if ends is None:
                ends = (
                    PermitDecision.objects.filter(
                        Q(authority=authority), Q(target_state=target), Q(action=e["action"])
                    )
                    .order_by("-pk")
                    .first()
                )
        if found["action"] in ENDING_ACTIONS and ends is None:
            # A draft may wait for a curator to find (or record) the decision it ends; it cannot
            # be verified before.
            note += (
                f" (No earlier decision of {authority.code} toward {target.code} that this "
                f"{found['action']} ends is recorded: set 'ends' before verifying.)"
            )
        decision = PermitDecision(
            authority=authority,
            target_state=target,
            action=found["action"],
            scope=found["scope"],
            scope_description=found["scope_description"][:300],
            announced_date=date,
            announced_date_precision=precision,
            reason=("Drafted from the article." + note).strip(),
            ends=ends,
        )
        decision.slug = decision.build_slug()
        if _withdrawn(result, decision):
            return None
        decision.full_clean()
        decision.save()
        result.count("permit_decisions")
    for quote in [found, *found.get("quotes", [])]:
        _evidence(result, "permit_decision", decision, quote)
    return decision


def parse_published(text: str | None) -> PartialDate | None:
    if not text:
        return None
    try:
        return PartialDate.parse(text)
    except ValueError as exc:
        raise IngestError(f"--published: {exc}.") from None
