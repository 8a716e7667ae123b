"""The tracker's domain model. Import models from here."""

from .base import CuratedModel
from .events import (
    Conflict,
    ConflictParticipant,
    Deployment,
    PermitDecision,
    Transfer,
    TransferDelivery,
)
from .items import Integration, Item, ItemAlias
from .loads import LoadedRecord
from .organizations import Organization, OrganizationAlias, OrganizationRelation
from .reference import ControlListCategory, State, StateAlias
from .sources import FACT_FIELDS, Evidence, Source
from .tombstones import Tombstone, TombstoneKind

__all__ = [
    "FACT_FIELDS",
    "Conflict",
    "ConflictParticipant",
    "ControlListCategory",
    "CuratedModel",
    "Deployment",
    "Evidence",
    "Integration",
    "Item",
    "ItemAlias",
    "LoadedRecord",
    "Organization",
    "OrganizationAlias",
    "OrganizationRelation",
    "PermitDecision",
    "Source",
    "State",
    "StateAlias",
    "Tombstone",
    "TombstoneKind",
    "Transfer",
    "TransferDelivery",
]
