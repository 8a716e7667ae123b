"""SIPRI party names: states, historical states, polities without ISO codes, non-state parties."""

import json
import re
from collections import Counter
from pathlib import Path

import pycountry
import pytest

from tracker.services.imports.sipri import PartyKind, parse_party, state_code
from tracker.services.imports.sipri.names import (
    NON_STATE_PARTIES,
    SIPRI_STATE_CODES,
    USER_ASSIGNED_STATES,
    state_match,
)

STATES_FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "states.json"


@pytest.fixture(scope="module")
def fixture_states():
    """fixtures/states.json: code -> names and aliases (casefolded)."""
    records = json.loads(STATES_FIXTURE.read_text())
    names: dict[str, set[str]] = {}
    for record in records:
        fields = record["fields"]
        if record["model"] == "tracker.state":
            names.setdefault(fields["code"], set()).add(fields["name"].casefold())
        elif record["model"] == "tracker.statealias":
            names.setdefault(fields["state"][0], set()).add(fields["name"].casefold())
    return names


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Turkiye", "TR"),
        ("DR Congo", "CD"),
        ("UAE", "AE"),
        ("Canada", "CA"),
        ("Soviet Union", "SUHH"),
        ("East Germany (GDR)", "DDDE"),
        ("Yugoslavia", "YUCS"),
        ("Czechoslovakia", "CSHH"),
        ("South Yemen", "YDYE"),
        ("North Yemen", "QP"),
        ("Yemen Arab Republic (North Yemen)", "QP"),
        ("South Vietnam", "QR"),
        ("Biafra", "QM"),
        ("Katanga", "QN"),
        ("Northern Cyprus", "QQ"),
        ("Kosovo", "XK"),
    ],
)
def test_states_resolve_to_iso_codes(written, code):
    """Current states by ISO or SIPRI name, historical ones by ISO 3166-3, others user-assigned."""
    party = parse_party(written)
    assert party.kind is PartyKind.STATE
    assert party.state_code == code
    assert party.resolved


@pytest.mark.parametrize(
    ("written", "name", "kind", "operates_in", "codes"),
    [
        ("Hezbollah (Lebanon)*", "Hezbollah", PartyKind.ARMED_GROUP, "Lebanon", ("LB",)),
        ("PKK (Turkiye)*", "PKK", PartyKind.ARMED_GROUP, "Turkiye", ("TR",)),
        (
            "PIJ (Israel/Palestine)*",
            "PIJ",
            PartyKind.ARMED_GROUP,
            "Israel/Palestine",
            ("IL", "PS"),
        ),
        (
            "Viet Cong (South Vietnam)*",
            "Viet Cong",
            PartyKind.ARMED_GROUP,
            "South Vietnam",
            ("QR",),
        ),
        ("Syria rebels*", "Syria rebels", PartyKind.ARMED_GROUP, None, ("SY",)),
        ("unknown rebel group*", "unknown rebel group", PartyKind.ARMED_GROUP, None, ()),
        ("Libya GNC", "Libya GNC", PartyKind.RIVAL_GOVERNMENT, None, ("LY",)),
        ("Libya HoR*", "Libya HoR", PartyKind.RIVAL_GOVERNMENT, None, ("LY",)),
        ("NATO**", "NATO", PartyKind.INTERNATIONAL_ORGANISATION, None, ()),
        ("United Nations**", "United Nations", PartyKind.INTERNATIONAL_ORGANISATION, None, ()),
        ("unknown supplier(s)", "unknown supplier(s)", PartyKind.UNKNOWN, None, ()),
        ("unknown recipient(s)", "unknown recipient(s)", PartyKind.UNKNOWN, None, ()),
    ],
)
def test_non_state_parties(written, name, kind, operates_in, codes):
    """Markers give the kind; the country in parentheses (or the table) where it operates."""
    party = parse_party(written)
    assert (party.written, party.name, party.kind) == (written, name, kind)
    assert party.state_code is None
    assert party.operates_in == operates_in
    assert party.operates_in_codes == codes
    assert party.resolved


def test_unknown_names_are_unresolved_not_guessed():
    """No loose matching: a misspelt state or an unknown country of operation is unresolved."""
    assert parse_party("Turkie").unresolved == ("Turkie",)
    assert state_code("Turkie") is None
    assert parse_party("Some Group (Atlantis)*").unresolved == ("Atlantis",)


def test_user_assigned_codes_are_in_the_user_assigned_range():
    """QM..QZ or XA..XZ, none an ISO 3166-1 code, each named in the documented table."""
    from tracker import reference_data

    iso = {c.alpha_2 for c in pycountry.countries}
    for code, polity in USER_ASSIGNED_STATES.items():
        assert re.fullmatch(r"Q[M-Z]|X[A-Z]", code)
        assert code not in iso
        assert re.search(
            rf"^{code}\s+{re.escape(polity.name)}", reference_data.__doc__, re.MULTILINE
        )


def test_table_codes_exist_and_agree_with_iso_and_the_state_fixture(fixture_states):
    """Every code is a state of fixtures/states.json or user-assigned; where pycountry or the
    fixture's names and aliases know a SIPRI spelling, they give the same code."""
    for name, code in SIPRI_STATE_CODES.items():
        assert code in fixture_states or code in USER_ASSIGNED_STATES, name
        if pycountry_code := _pycountry_code(name):
            assert pycountry_code == code, name
        fixture_codes = {c for c, names in fixture_states.items() if name.casefold() in names}
        assert fixture_codes <= {code}, name
    for _kind, code in NON_STATE_PARTIES.values():
        assert code is None or code in fixture_states


def _pycountry_code(name):
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            if getattr(country, attribute, "").casefold() == name.casefold():
                return country.alpha_2
    return None


def test_every_name_of_the_full_register_resolves(full_register, fixture_states):
    """No supplier, recipient or country of operation of the full register is unresolved."""
    parties = {d.supplier for d in full_register.deals} | {d.recipient for d in full_register.deals}
    assert full_register.report.unresolved_names == {}
    assert all(p.resolved for p in parties)
    kinds = Counter(p.kind for p in parties)
    matches = Counter(state_match(p.name) for p in parties if p.is_state)
    codes = {p.state_code for p in parties if p.is_state}
    assert codes <= set(fixture_states) | set(USER_ASSIGNED_STATES)
    print(
        f"\n{len(parties)} party names: "
        + ", ".join(f"{kind.value} {count}" for kind, count in sorted(kinds.items()))
        + f"; states by ISO name {matches['iso']}, by SIPRI spelling {matches['sipri']}; "
        f"{len(codes)} state codes"
    )
    assert len(parties) == 264
    assert kinds[PartyKind.STATE] == 201


def test_party_keys():
    """A natural key per party: the state's code, or kind, name and where it operates."""
    assert parse_party("Turkiye").key == "state:TR"
    assert parse_party("Hezbollah (Lebanon)*").key == "armed_group:Hezbollah:LB"
    assert parse_party("PIJ (Israel/Palestine)*").key == "armed_group:PIJ:IL/PS"
    assert parse_party("NATO**").key == "international_organisation:NATO"
    assert parse_party("Libya GNC").key == "rival_government:Libya GNC:LY"
    assert parse_party("unknown supplier(s)").key == "unknown:unknown supplier(s)"
