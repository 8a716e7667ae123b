"""Reference tables shared by the fixture builders and the importers (plain data, no database).

States without an ISO 3166 code
-------------------------------

ISO 3166 codes only states that exist or existed under the standard. A few polities that the
tracker's sources name never had a code: they get one from ISO 3166-1's user-assigned range
(``AA``, ``QM``..``QZ``, ``XA``..``XZ``, ``ZZ``), as Kosovo has ``XK`` by common use (the
European Commission and many others). We take the new ones from ``QM``..``QZ`` (``QO`` is skipped:
the EU uses it for "Outlying Oceania"), in alphabetical order of the English name, and keep
``QS``..``QZ`` free.
The state fixture (``build_state_fixture``) and SIPRI's party names
(``tracker.services.imports.sipri.names``) both read this one table:

====  ==========================================  ===========  ====================================
code  polity                                      years        SIPRI names
====  ==========================================  ===========  ====================================
QM    Biafra (Republic of Biafra)                 1967-1970    Biafra
QN    Katanga (State of Katanga)                  1960-1963    Katanga
QP    North Yemen (Yemen Arab Republic)           1962-1990    North Yemen, Yemen Arab Republic
                                                               (North Yemen)
QQ    Northern Cyprus (Turkish Republic of        1983-        Northern Cyprus
      Northern Cyprus; recognised by Turkey only)
QR    South Vietnam (Republic of Vietnam)         1955-1975    South Vietnam
XK    Kosovo (Republic of Kosovo)                 2008-        Kosovo
====  ==========================================  ===========  ====================================

North Yemen has no ISO 3166-3 code of its own: unified Yemen kept ``YE``, so ``YE`` would merge the
Yemen Arab Republic into today's Yemen. South Yemen has one (``YDYE``). A polity whose years end is
historical (the fixture records the end year as the state's ``valid_until``); one that still exists
is partially recognised.
"""

from __future__ import annotations

from dataclasses import dataclass

#: When the generated reference fixtures say their records were made and verified (fixed, so
#: that regenerating a fixture gives the same bytes).
STAMP = "2026-11-24T00:00:00Z"


def reference_record(model: str, **fields) -> dict:
    """A verified reference record (state, alias, control-list category) in Django's fixture
    form: reference data needs no quote; its bookkeeping fields come first, then ``fields``."""
    return {
        "model": model,
        "fields": {
            "review_state": "verified",
            "verified_by": None,
            "verified_at": STAMP,
            "created": STAMP,
            "last_updated": STAMP,
            **fields,
        },
    }


@dataclass(frozen=True, slots=True)
class UserAssignedState:
    """A polity without an ISO 3166 code, under a code from the user-assigned range."""

    code: str
    alpha3: str
    name: str
    official_name: str
    years: str  # "1967-1970", or "1983-" for one that still exists

    @property
    def ended(self) -> str | None:
        """The year the polity ended ("1970"), or None if it still exists."""
        return self.years.partition("-")[2] or None


USER_ASSIGNED_STATES: dict[str, UserAssignedState] = {
    s.code: s
    for s in (
        UserAssignedState("QM", "", "Biafra", "Republic of Biafra", "1967-1970"),
        UserAssignedState("QN", "", "Katanga", "State of Katanga", "1960-1963"),
        UserAssignedState("QP", "", "North Yemen", "Yemen Arab Republic", "1962-1990"),
        UserAssignedState(
            "QQ", "", "Northern Cyprus", "Turkish Republic of Northern Cyprus", "1983-"
        ),
        UserAssignedState("QR", "", "South Vietnam", "Republic of Vietnam", "1955-1975"),
        UserAssignedState("XK", "XKX", "Kosovo", "Republic of Kosovo", "2008-"),
    )
}

__all__ = ["USER_ASSIGNED_STATES", "UserAssignedState"]
