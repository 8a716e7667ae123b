"""The tracker's records as FollowTheMoney entities, for Aleph and OpenSanctions tooling.

``ftm_entities()`` streams one validated ``EntityProxy`` at a time: each table is read with
``.iterator()`` in chunks, its references selected or prefetched with it, so the number of
queries depends on the number of chunks, never on the number of rows.

The mapping (one FtM schema per table; the notes in README say what is lost):

=========================  ==========================================================
tracker record             FtM entities
=========================  ==========================================================
State                      PublicBody (``country``/``jurisdiction`` = the ISO code)
Organization               Company (manufacturer), PublicBody (government body, armed
                           forces, court, rival government), Organization (others)
OrganizationRelation       Ownership (a company that is a unit, subsidiary or owned),
                           Control (another organisation owned by its parent),
                           Membership (member of, part of, other units)
Item                       Asset; its manufacturer as UnknownLink (role "manufacturer")
Integration                UnknownLink component -> assembly (role "fitted to")
Transfer                   Contract (the deal: the recipient side, and the buying
                           company if any, as ``authority``), one ContractAward for
                           the supplier side and one for the selling company,
                           UnknownLink to the item and to each intermediary state
PermitDecision (deny,      Sanction on the target: authority, dates, reason, scope;
freeze, suspend, cancel,   ended (``endDate``) by the decision that lifts or cancels it.
restrict)                  Grants and lifts are never Sanctions. An organisation's own
                           decision: the organisation as ``authority``, its country,
                           program "Own export decisions of an organisation".
Conflict                   Event
ConflictParticipant        UnknownLink party -> conflict (role: belligerent, backer of X)
Deployment                 UnknownLink state -> item (role "used in <conflict>")
Source                     Article (news) or PlainText (other kinds), with its text
Evidence                   Documentation (source -> state, organisation, item, deal or
                           conflict, the quote as ``summary``, the claim status in
                           ``role``); on links and sanctions, which FtM does not let
                           Documentation point at, the source as ``proof`` and the quote
                           in ``summary``
=========================  ==========================================================

Entity ids are ``make_entity_id(NAMESPACE, kind, natural key)``: the same record gets the same id
in every export and after a reload of its fixture, whatever its database id.
"""

from __future__ import annotations

from collections.abc import Iterator

from followthemoney.exc import InvalidData
from followthemoney.proxy import EntityProxy

from .base import (
    NAMESPACE,
    RESTRICTIVE_ACTIONS,
    conflict_id,
    decision_id,
    entity_id,
    item_id,
    organization_id,
    source_id,
    state_id,
    transfer_id,
)
from .deals import transfer_entities
from .documents import documentation_entities, source_entities
from .parties import organization_entities, organization_relation_entities, state_entities
from .sanctions import sanction_entities
from .things import (
    conflict_entities,
    conflict_participant_entities,
    deployment_entities,
    integration_entities,
    item_entities,
)

SECTIONS = (
    state_entities,
    organization_entities,
    organization_relation_entities,
    item_entities,
    integration_entities,
    source_entities,
    transfer_entities,
    sanction_entities,
    conflict_entities,
    conflict_participant_entities,
    deployment_entities,
    documentation_entities,
)


def ftm_entities(*, verified_only: bool = True) -> Iterator[EntityProxy]:
    """Every exportable record as FtM entities, streamed: verified records only (and only
    their visible references and evidence) unless ``verified_only`` is false."""
    for section in SECTIONS:
        yield from section(verified_only)


def ftm_problems(proxy: EntityProxy) -> list[str]:
    """What makes ``proxy`` invalid for its schema (empty when it is valid)."""
    data = proxy.to_dict()
    problems = [
        f"{proxy.schema.name} {proxy.id}: {name} is required"
        for name in proxy.schema.required
        if not data["properties"].get(name)
    ]
    try:
        proxy.schema.validate(data)
    except InvalidData as error:
        detail = str(error.errors)  # names the property; the value may be a whole text
        problems.append(f"{proxy.schema.name} {proxy.id}: {detail[:300]}")
    return problems


__all__ = [
    "NAMESPACE",
    "RESTRICTIVE_ACTIONS",
    "SECTIONS",
    "conflict_id",
    "decision_id",
    "entity_id",
    "ftm_entities",
    "ftm_problems",
    "item_id",
    "organization_id",
    "source_id",
    "state_id",
    "transfer_id",
]
