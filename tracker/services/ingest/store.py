"""Storing an article and its draft facts: the Source once, draft records with evidence.

A draft never changes an existing record. A quote joins an existing decision only when the
decision's authority, target and action are the draft's and their dates agree at the precision
both know (exactly one such decision); a draft with no date of its own (dated from the
publication) or a date that agrees with no decision, or with several, is stored as a new draft
decision: a proposal in the source's review queue, whose reason names the similar decisions a
curator may merge it into. Drafts that cannot be stored (a transfer with no item, a decision with
no date and no publication date...) are reported with the reason, never dropped silently.

The dry run is the same work rolled back: what it prints is what storing writes.
Everything happens in one transaction: a failure writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify

from ...choices import (
    ENDING_ACTIONS,
    DatePrecision,
    DecisionAuthority,
    ItemKind,
    OrganizationKind,
)
from ...models import (
    Deployment,
    Evidence,
    Integration,
    Item,
    ItemAlias,
    Organization,
    OrganizationAlias,
    PermitDecision,
    Source,
    State,
    Tombstone,
    TombstoneKind,
    Transfer,
)
from ...models.sources import normalize_text, text_hash
from ...partial_dates import PartialDate
from .extract import Draft, Lexicon, extract
from .reading import Article, IngestError, ensure_english

ALLEGED = re.compile(r"\balleg|\bsays video|\bindicates\b|\bsuggest|\breportedly\b", re.I)
PRECISION_OF = {p.label: p for p in DatePrecision}
WITHDRAWN = (TombstoneKind.REJECTED, TombstoneKind.DELETED)


def name_key(name: str) -> str:
    """A name compared case- and space-insensitively ("L3 HARRIS" is "L3Harris")."""
    return "".join(name.casefold().split())


def claim_status(quote: str) -> str:
    return "alleged" if ALLEGED.search(quote) else "reported"


def decision_dates(found: dict, published: PartialDate | None) -> dict | None:
    """The date a drafted decision is stored with: its own, else the publication date flagged
    ``date_from_publication``; None when there is neither."""
    if found.get("date"):
        # The extractor applies the publication-date fallback itself and flags it.
        return {
            "date": found["date"],
            "date_precision": found["date_precision"],
            "date_from_publication": bool(found.get("date_from_publication")),
        }
    if published is None:
        return None
    return {
        "date": published.date.isoformat(),
        "date_precision": DatePrecision(published.precision).label,
        "date_from_publication": True,
    }


def dates_agree(a: PartialDate, b: PartialDate) -> bool:
    """Two partial dates name the same period at the precision both know (the coarser one)."""
    coarse = min(a.precision, b.precision)
    length = {DatePrecision.YEAR: 4, DatePrecision.MONTH: 7, DatePrecision.DAY: 10}[coarse]
    return a.date.isoformat()[:length] == b.date.isoformat()[:length]


@dataclass
class IngestResult:
    """What was stored (or, in a dry run, would be), record by record, and what could not be."""

    source: Source
    source_created: bool
    draft: Draft
    report: dict[str, list] = field(default_factory=dict)
    not_stored: list[dict] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    evidence_added: int = 0
    matched: list[str] = field(default_factory=list)
    proposals: list[str] = field(default_factory=list)

    def count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1

    def add(self, kind: str, entry: dict) -> dict:
        self.report.setdefault(kind, []).append(entry)
        return entry

    def refuse(self, kind: str, what: str, reason: str) -> None:
        self.not_stored.append({"kind": kind, "draft": what, "reason": reason})

    def as_json(self) -> dict:
        """The report the command prints; the same for a dry run and a real one (no database
        ids, which a rolled-back run would not keep)."""
        s = self.source
        return {
            "source": {
                "title": s.title,
                "publisher": s.publisher,
                "url": s.url,
                "retrieved_at": s.retrieved_at.isoformat() if s.retrieved_at else None,
                "published_date": s.partial_display("published_date") or None,
                "language": s.language,
                "created": self.source_created,
            },
            "created": dict(sorted(self.created.items())),
            "evidence_added": self.evidence_added,
            "matched_existing": self.matched,
            "proposals": self.proposals,
            **{
                kind: self.report.get(kind, [])
                for kind in (
                    "states",
                    "organizations",
                    "items",
                    "permit_decisions",
                    "transfers",
                    "integrations",
                    "deployments",
                )
            },
            "not_stored": self.not_stored,
            "withdrawn_not_redrafted": self.withdrawn,
        }


def _withdrawn(result: IngestResult, instance) -> bool:
    """A curator deleted or rejected this record (its tombstone): drafting it again would bring
    back what they threw out. Noted in the result."""
    model, key = Tombstone.key_of(instance)
    if Tombstone.objects.filter(model=model, natural_key=key, kind__in=WITHDRAWN).exists():
        result.withdrawn.append(f"{model} {key}")
        return True
    return False


def source_for(article: Article, language: str = "en") -> tuple[Source, bool]:
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
        retrieved_at=article.retrieved_at,
        published_date=published.date if published else None,
        published_date_precision=published.precision if published else None,
        language=language,
        text=body,
    )
    source.full_clean()
    source.save()
    return source, True


def _evidence(result: IngestResult, fact_field: str, fact, found: dict) -> dict | None:
    """Store ``found``'s quote as draft evidence of ``fact``; returns what was done with it."""
    if not found.get("quote"):
        return None
    evidence = Evidence(
        source=result.source,
        quote=found["quote"],
        start=found["start"],
        claim_status=claim_status(found["quote"]),
        attributed_to=(found.get("attributed_to") or "")[:300],
        **{fact_field: fact},
    )
    evidence.slug = evidence.build_slug()
    entry = {
        "quote": evidence.quote,
        "start": evidence.start,
        "end": evidence.start + len(evidence.quote),
        "claim_status": evidence.claim_status,
        "attributed_to": evidence.attributed_to,
    }
    if Evidence.objects.filter(slug=evidence.slug).exists():
        return {**entry, "outcome": "already stored"}
    if _withdrawn(result, evidence):
        return {**entry, "outcome": "rejected by a curator: not redrafted"}
    evidence.full_clean()
    evidence.save()
    result.evidence_added += 1
    return {**entry, "outcome": "added"}


class Names:
    """Organisations and items found by name: the database's names and aliases compared case-
    and space-insensitively, and the drafts this ingest creates."""

    def __init__(self):
        self.orgs: dict[str, int] = {}
        for pk, name in Organization.objects.values_list("pk", "name"):
            self.orgs.setdefault(name_key(name), pk)
        for pk, name in OrganizationAlias.objects.values_list("organization_id", "name"):
            self.orgs.setdefault(name_key(name), pk)
        self.items: dict[str, int] = {}
        for pk, name in Item.objects.values_list("pk", "name"):
            self.items.setdefault(name_key(name), pk)
        for pk, name in ItemAlias.objects.values_list("item_id", "name"):
            self.items.setdefault(name_key(name), pk)


def _known_or_new_key(result, model, kind: str, found: dict, known: dict, extra=()):
    """The record the draft names (its slug, its name or ``extra`` names, matched through
    ``known``, or the slug its name gives) and ``None``; else ``None`` and the (name, slug) a new
    draft record takes. ``(None, None)`` when the name is empty or gives no usable slug."""
    if found.get("slug"):
        record = model.objects.filter(slug=found["slug"]).first()
        if record is not None:
            return record, None
    name = " ".join(str(found.get("name") or "").split())
    if not name:
        return None, None
    for candidate in [name, *extra]:
        pk = known.get(name_key(candidate))
        if pk is not None:
            return model.objects.get(pk=pk), None
    slug = slugify(name)[:120]
    if not slug:
        result.refuse(kind, name, "the name gives no usable key (slug)")
        return None, None
    existing = model.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, None
    return None, (name, slug)


def _organization(result: IngestResult, names: Names, found: dict) -> Organization | None:
    """The organisation the draft names (its slug, name or an alias), else a new draft one."""
    existing, new = _known_or_new_key(
        result, Organization, "organizations", found, names.orgs, found.get("aliases", [])
    )
    if new is None:
        return existing
    name, slug = new
    kind = found.get("kind")
    if kind not in OrganizationKind.values:
        kind = OrganizationKind.MANUFACTURER
    org = Organization(slug=slug, name=name[:200], kind=kind)
    if _withdrawn(result, org):
        return None
    org.full_clean()
    org.save()
    result.count("organizations")
    for alias in found.get("aliases", []):
        if name_key(alias) != name_key(name) and name_key(alias) not in names.orgs:
            OrganizationAlias.objects.create(organization=org, name=alias[:200])
            names.orgs[name_key(alias)] = org.pk
    names.orgs[name_key(name)] = org.pk
    org._drafted_now = True
    return org


def _item(result: IngestResult, names: Names, found: dict, default_kind: str) -> Item | None:
    existing, new = _known_or_new_key(result, Item, "items", found, names.items)
    if new is None:
        return existing
    name, slug = new
    kind = found.get("kind") if found.get("kind") in ItemKind.values else default_kind
    maker = None
    if found.get("maker"):
        maker = _organization(result, names, {"name": found["maker"]})
    item = Item(slug=slug, name=name[:200], kind=kind, manufacturer=maker)
    if _withdrawn(result, item):
        return None
    item.full_clean()
    item.save()
    result.count("items")
    names.items[name_key(name)] = item.pk
    item._drafted_now = True
    return item


def _draft_items(draft: Draft) -> list[tuple[dict, str]]:
    found = [(i, ItemKind.COMPONENT) for i in getattr(draft, "components", [])]
    found += [(i, ItemKind.PLATFORM) for i in getattr(draft, "platforms", [])]
    found += [(i, i.get("kind") or ItemKind.PLATFORM) for i in getattr(draft, "items", [])]
    return found


def _item_ref(result: IngestResult, names: Names, ref) -> Item | None:
    """An item named by a draft fact: a slug, a name, or a {name, kind} entry."""
    if not ref:
        return None
    if isinstance(ref, dict):
        return _item(result, names, ref, ref.get("kind") or ItemKind.PLATFORM)
    return Item.objects.filter(slug=ref).first() or _item(
        result, names, {"name": ref}, ItemKind.PLATFORM
    )


@transaction.atomic
def article_ingest(
    *,
    article: Article,
    published: dt.date | None = None,
    dry_run: bool = False,
    draft: Draft | None = None,
) -> IngestResult:
    """Store the article once and its draft facts with their quotes. With ``dry_run`` the same
    work is done and rolled back, so the result is exactly what storing writes. ``draft``: facts
    already drafted from this article's body (offsets into it), instead of extracting them."""
    language = ensure_english(article, article.url or article.title or "article")
    source, created = source_for(article, language)
    pub = source.get_partial("published_date")
    if published is not None and (pub is None or pub.date != published):
        pub = PartialDate(published, DatePrecision.DAY)
    if draft is None:
        lexicon = Lexicon.from_database()
        draft = extract(source.text, published=pub, lexicon=lexicon)
    result = IngestResult(source, created, draft)
    names = Names()

    states = State.objects.in_bulk(draft.states, field_name="code")
    quotes = getattr(draft, "state_quotes", {})
    for code in draft.states:
        entry = {"code": code}
        if code in quotes:
            entry["evidence"] = _evidence(result, "state", states[code], quotes[code])
        result.add("states", entry)
    for found in draft.organizations:
        org = _organization(result, names, found)
        if org is None:
            continue
        result.add(
            "organizations",
            {
                "name": org.name,
                "slug": org.slug,
                "kind": org.kind,
                "outcome": "drafted" if getattr(org, "_drafted_now", False) else "existing",
                "evidence": _evidence(result, "organization", org, found),
            },
        )
    for found, kind in _draft_items(draft):
        item = _item(result, names, found, kind)
        if item is None:
            continue
        result.add(
            "items",
            {
                "name": item.name,
                "slug": item.slug,
                "kind": item.kind,
                "outcome": "drafted" if getattr(item, "_drafted_now", False) else "existing",
                "evidence": _evidence(result, "item", item, found),
            },
        )
    for found in draft.permit_decisions:
        _store_decision(result, names, found, pub)
    for found in draft.transfers:
        _store_transfer(result, names, found)
    for found in draft.integrations:
        _store_integration(result, names, found)
    for found in draft.deployments:
        existing = list(
            Deployment.objects.filter(item__slug=found["item"], state__code=found["state"])
        )
        if not existing:
            result.refuse(
                "deployments",
                f"{found['item']} used by {found['state']}",
                "no recorded deployment of this item by this state (the conflict is not read "
                "from articles): nothing to attach the quote to",
            )
        for deployment in existing:
            result.add(
                "deployments",
                {
                    "slug": deployment.slug,
                    "outcome": "existing",
                    "evidence": _evidence(result, "deployment", deployment, found),
                },
            )
    if dry_run:
        transaction.set_rollback(True)
    return result


def _store_transfer(result: IngestResult, names: Names, found: dict) -> None:
    what = f"{found.get('supplier')} -> {found.get('recipient')}"
    item = _item_ref(result, names, found.get("item"))
    if item is None:
        result.refuse("transfers", what, "the article names no item: a transfer needs one")
        return
    supplier = State.objects.filter(code=found.get("supplier")).first()
    recipient = State.objects.filter(code=found.get("recipient")).first()
    if supplier is None or recipient is None:
        result.refuse("transfers", what, "a side is not a known state")
        return
    transfer = Transfer.objects.filter(supplier=supplier, recipient=recipient, item=item).first()
    outcome = "existing"
    if transfer is None:
        transfer = Transfer(supplier=supplier, recipient=recipient, item=item)
        transfer.slug = transfer.build_slug()
        if _withdrawn(result, transfer):
            return
        transfer.full_clean()
        transfer.save()
        result.count("transfers")
        outcome = "drafted"
    result.add(
        "transfers",
        {
            "slug": transfer.slug,
            "supplier": supplier.code,
            "recipient": recipient.code,
            "item": item.slug,
            "outcome": outcome,
            "evidence": _evidence(result, "transfer", transfer, found),
        },
    )


def _store_integration(result: IngestResult, names: Names, found: dict) -> None:
    component = _item_ref(result, names, found.get("component"))
    assembly = _item_ref(result, names, found.get("platform"))
    if component is None or assembly is None or component.pk == assembly.pk:
        result.refuse(
            "integrations",
            f"{found.get('component')} in {found.get('platform')}",
            "needs two different items",
        )
        return
    integration = Integration.objects.filter(component=component, assembly=assembly).first()
    outcome = "existing"
    if integration is None:
        integration = Integration(component=component, assembly=assembly)
        integration.slug = integration.build_slug()
        if _withdrawn(result, integration):
            return
        integration.full_clean()
        integration.save()
        result.count("integrations")
        outcome = "drafted"
    result.add(
        "integrations",
        {
            "slug": integration.slug,
            "outcome": outcome,
            "evidence": _evidence(result, "integration", integration, found),
        },
    )


def _authority(result: IngestResult, names: Names, value) -> dict | None:
    """The decision's authority as model fields: a state by ISO code, or an organisation."""
    if isinstance(value, dict):
        org = _organization(result, names, {"name": value.get("organization", ""), **value})
        if org is None:
            return None
        return {
            "authority_kind": DecisionAuthority.ORGANIZATION,
            "authority": None,
            "authority_organization": org,
        }
    state = State.objects.filter(code=value).first() if value else None
    if state is None:
        return None
    return {
        "authority_kind": DecisionAuthority.STATE,
        "authority": state,
        "authority_organization": None,
    }


def _same_party(authority: dict, target: State, action: str):
    return PermitDecision.objects.filter(
        authority_kind=authority["authority_kind"],
        authority=authority["authority"],
        authority_organization=authority["authority_organization"],
        target_state=target,
        action=action,
    ).order_by("pk")


def _agreeing(decisions, when: PartialDate) -> list[PermitDecision]:
    """The decisions whose own date (announced or effective; never one taken from a
    publication) agrees with ``when`` at the precision both know."""
    found = []
    for decision in decisions:
        if decision.date_from_publication:
            continue
        dates = [decision.get_partial("announced_date"), decision.get_partial("effective_date")]
        if any(d is not None and dates_agree(d, when) for d in dates):
            found.append(decision)
    return found


def _describe_authority(authority: dict) -> str | dict:
    if authority["authority_kind"] == DecisionAuthority.ORGANIZATION:
        return {"organization": authority["authority_organization"].name}
    return authority["authority"].code


def _store_decision(
    result: IngestResult, names: Names, found: dict, published: PartialDate | None
) -> None:
    what = f"{found.get('action')} by {found.get('authority')} toward {found.get('target')}"
    authority = _authority(result, names, found.get("authority"))
    if authority is None:
        result.refuse("permit_decisions", what, "the authority is not a known state or a name")
        return
    target = State.objects.filter(code=found.get("target")).first() if found.get("target") else None
    if target is None:
        result.refuse("permit_decisions", what, "the target is not a known state")
        return
    if target == authority["authority"]:
        result.refuse("permit_decisions", what, "a state does not decide exports to itself")
        return
    dates = decision_dates(found, published)
    if dates is None:
        result.refuse(
            "permit_decisions",
            what,
            "the text gives no date and the article has no publication date: give --published",
        )
        return
    when = PartialDate(dt.date.fromisoformat(dates["date"]), PRECISION_OF[dates["date_precision"]])
    similar = list(_same_party(authority, target, found["action"]))
    agreeing = [] if dates["date_from_publication"] else _agreeing(similar, when)
    entry = {
        "authority": _describe_authority(authority),
        "target": target.code,
        "action": found["action"],
        **dates,
        "attributed_to": found.get("attributed_to") or "",
    }
    if len(agreeing) == 1:
        decision = agreeing[0]
        result.matched.append(decision.slug)
        entry.update(slug=decision.slug, outcome="evidence added to an existing decision")
    else:
        decision = _new_decision(result, found, authority, target, dates, when, similar)
        if decision is None:
            entry.update(outcome="rejected by a curator: not redrafted")
            result.add("permit_decisions", entry)
            return
        entry.update(
            slug=decision.slug,
            outcome=decision._outcome,
            similar=[d.slug for d in similar if d.pk != decision.pk],
            ends=decision.ends.slug if decision.ends_id else None,
        )
    entry["evidence"] = [
        e
        for e in (
            _evidence(result, "permit_decision", decision, quote)
            for quote in [found, *found.get("quotes", [])]
        )
        if e
    ]
    result.add("permit_decisions", entry)


def _ended(found: dict, authority: dict, target: State, when: PartialDate):
    """The earlier decision a drafted lift or cancellation ends: the one whose date agrees with
    what the article says it ends, else the latest of the same parties and action before it."""
    e = found.get("ends")
    if not e:
        return None
    earlier = [
        d
        for d in _same_party(authority, target, e["action"])
        if d.start is not None and d.start.earliest <= when.latest
    ]
    if e.get("date"):
        said = PartialDate(dt.date.fromisoformat(e["date"]), PRECISION_OF[e["date_precision"]])
        agreeing = _agreeing(earlier, said)
        if len(agreeing) == 1:
            return agreeing[0]
    return max(earlier, key=lambda d: (d.start.earliest, d.pk), default=None)


def _new_decision(result, found, authority, target, dates, when, similar):
    """A new draft decision: new, or a proposal when decisions of the same parties and action
    exist that it did not exactly agree with (the review queue offers them to merge into)."""
    notes = []
    if dates["date_from_publication"]:
        notes.append("The article gives no date; its publication date is used: check it.")
    ends = _ended(found, authority, target, when)
    if found["action"] in ENDING_ACTIONS and ends is None:
        # A draft may wait for a curator to find (or record) the decision it ends; it cannot
        # be verified before.
        notes.append(
            f"No earlier decision of {_label(authority)} toward {target.code} that this "
            f"{found['action']} ends is recorded: set 'ends' before verifying."
        )
    if similar:
        notes.append(
            "Possibly the same as "
            + ", ".join(d.slug for d in similar[:5])
            + (" and others" if len(similar) > 5 else "")
            + ": the dates do not agree exactly (or the article gives none); merge it in the "
            "review queue if it is the same decision."
        )
    decision = PermitDecision(
        **authority,
        target_state=target,
        action=found["action"],
        scope=found.get("scope") or "all_military",
        scope_description=(found.get("scope_description") or "")[:300],
        announced_date=when.date,
        announced_date_precision=when.precision,
        date_from_publication=dates["date_from_publication"],
        reason=" ".join(["Drafted from the article.", *notes]),
        ends=ends,
    )
    base = decision.build_slug()
    decision.slug = base
    if _withdrawn(result, decision):
        return None
    existing = PermitDecision.objects.filter(slug=decision.slug).first()
    n = 1
    while existing is not None:
        if existing.evidence.filter(source=result.source).exists():
            # This article drafted it before (a re-ingest): the same draft, not a new one.
            existing._outcome = "already drafted from this article"
            return existing
        n += 1
        decision.slug = f"{base[:240]}-{n}"
        existing = PermitDecision.objects.filter(slug=decision.slug).first()
    decision.full_clean()
    decision.save()
    result.count("permit_decisions")
    if similar:
        result.proposals.append(decision.slug)
        decision._outcome = "proposal (in the review queue, beside similar decisions)"
    else:
        decision._outcome = "drafted"
    return decision


def _label(authority: dict) -> str:
    if authority["authority_kind"] == DecisionAuthority.ORGANIZATION:
        return authority["authority_organization"].name
    return authority["authority"].code


def parse_published(text: str | None) -> PartialDate | None:
    if not text:
        return None
    try:
        return PartialDate.parse(text)
    except ValueError as exc:
        raise IngestError(f"--published: {exc}.") from None
