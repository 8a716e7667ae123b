"""Enumerations shared by models, filters, serializers and the admin."""

from django.db import models


class DatePrecision(models.IntegerChoices):
    """How much of a stored date is known. The stored date is the first day of the period."""

    YEAR = 1, "year"
    MONTH = 2, "month"
    DAY = 3, "day"


class ReviewState(models.TextChoices):
    DRAFT = "draft", "draft"
    VERIFIED = "verified", "verified"


class ClaimStatus(models.TextChoices):
    """How a source presents the fact it supports."""

    REPORTED = "reported", "reported"
    ALLEGED = "alleged", "alleged"
    CONFIRMED = "confirmed", "confirmed"
    DISPUTED = "disputed", "disputed"
    DENIED = "denied", "denied"


class StateStatus(models.TextChoices):
    CURRENT = "current", "current (ISO 3166-1)"
    HISTORICAL = "historical", "historical (ISO 3166-3)"
    PARTIALLY_RECOGNISED = "partially_recognised", "partially recognised (user-assigned code)"


class AliasKind(models.TextChoices):
    NAME = "name", "name"
    OFFICIAL_NAME = "official_name", "official name"
    ABBREVIATION = "abbreviation", "abbreviation"
    DEMONYM = "demonym", "demonym"
    ADJECTIVE = "adjective", "adjective"
    CAPITAL = "capital", "capital (metonym)"
    OTHER = "other", "other"


class OrganizationKind(models.TextChoices):
    MANUFACTURER = "manufacturer", "manufacturer"
    GOVERNMENT_BODY = "government_body", "government body"
    ARMED_FORCES = "armed_forces", "armed forces"
    COURT = "court", "court"
    NGO = "ngo", "NGO"
    ALLIANCE = "alliance", "alliance"
    INTERNATIONAL_ORGANIZATION = "international_organization", "international organization"
    ARMED_GROUP = "armed_group", "armed group (non-state)"
    RIVAL_GOVERNMENT = "rival_government", "rival government (not a state)"
    MEDIA = "media", "media"
    OTHER = "other", "other"


class OrganizationRelationKind(models.TextChoices):
    UNIT_OF = "unit_of", "unit of"
    SUBSIDIARY_OF = "subsidiary_of", "subsidiary of"
    OWNED_BY = "owned_by", "owned by"
    MEMBER_OF = "member_of", "member of"
    PART_OF = "part_of", "part of"


class ItemKind(models.TextChoices):
    COMPONENT = "component", "component"
    PLATFORM = "platform", "platform"


class ControlRegime(models.TextChoices):
    WASSENAAR_MUNITIONS = "wassenaar_ml", "Wassenaar Munitions List"
    WASSENAAR_DUAL_USE = "wassenaar_dual_use", "Wassenaar dual-use list"
    UK_NATIONAL = "uk_national", "UK national control list (PL codes)"
    OTHER = "other", "other"


class IntegrationStatus(models.TextChoices):
    PLANNED = "planned", "planned"
    FITTED = "fitted", "fitted"
    REMOVED = "removed", "removed"
    UNKNOWN = "unknown", "unknown"


class TransferStatus(models.TextChoices):
    PLANNED = "planned", "planned"
    ORDERED = "ordered", "ordered"
    DELIVERED = "delivered", "delivered"
    CANCELLED = "cancelled", "cancelled"


class TransferSide(models.TextChoices):
    """What one side (supplier or recipient) of a transfer is."""

    STATE = "state", "a state"
    NON_STATE = "non_state", "a non-state party (armed group, international organization…)"
    UNKNOWN = "unknown", "unknown"


class TransferCondition(models.TextChoices):
    """The condition of the weapons transferred (SIPRI's "status")."""

    NEW = "new", "new"
    SECOND_HAND = "second_hand", "second hand"
    SECOND_HAND_MODERNISED = "second_hand_modernised", "second hand but modernised"


class PermitAction(models.TextChoices):
    GRANT = "grant", "grant"
    DENY = "deny", "deny"
    FREEZE = "freeze", "freeze"
    SUSPEND = "suspend", "suspend"
    CANCEL = "cancel", "cancel / revoke"
    RESTRICT = "restrict", "restrict (case by case)"
    LIFT = "lift", "lift / resume"


class DecisionAuthority(models.TextChoices):
    """Who makes a permit decision."""

    STATE = "state", "a state (its government, ministry or court)"
    ORGANIZATION = "organization", "an organisation on its own (e.g. a manufacturer)"


#: Actions that must point at the earlier decision they end.
ENDING_ACTIONS = (PermitAction.LIFT,)
#: Actions that may point at an earlier decision (a cancellation following a suspension).
FOLLOW_UP_ACTIONS = (PermitAction.LIFT, PermitAction.CANCEL)


class PermitScope(models.TextChoices):
    ALL_MILITARY = "all_military", "all military goods"
    CATEGORY = "category", "control-list categories"
    ITEMS = "items", "specific items"
    MANUFACTURER = "manufacturer", "a manufacturer's goods"


class ParticipantRole(models.TextChoices):
    BELLIGERENT = "belligerent", "belligerent"
    BACKER = "backer", "backer"
    MEDIATOR = "mediator", "mediator"
    OTHER = "other", "other"


class SourceKind(models.TextChoices):
    NEWS = "news", "news article"
    REPORT = "report", "report"
    OFFICIAL = "official", "official statement or document"
    REGISTER = "register", "register or database"
    OTHER = "other", "other"
