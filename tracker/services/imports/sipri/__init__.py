"""Reading SIPRI Arms Transfers Database exports (pure Python; the loader writes)."""

from .names import Party, PartyKind, parse_party, state_code
from .reader import SipriFormatError, sipri_read
from .records import (
    Delivery,
    Problem,
    ReadReport,
    Release,
    SipriDeal,
    SipriFormat,
    SipriRead,
    SipriStatus,
)

__all__ = [
    "Delivery",
    "Party",
    "PartyKind",
    "Problem",
    "ReadReport",
    "Release",
    "SipriDeal",
    "SipriFormat",
    "SipriFormatError",
    "SipriRead",
    "SipriStatus",
    "parse_party",
    "sipri_read",
    "state_code",
]
