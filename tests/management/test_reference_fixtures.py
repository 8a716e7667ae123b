"""Reference fixtures as generated and as loaded: states with SIPRI's spellings, control lists."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models.functions import Lower

from tests.services.imports.conftest import DATA, FULL_REGISTER
from tracker.models import State, StateAlias
from tracker.reference_data import USER_ASSIGNED_STATES
from tracker.services.imports.sipri import sipri_read

FIXTURES = Path(settings.FIXTURE_DIRS[0])


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def database_names() -> dict[str, set[str]]:
    """Every state name and alias in the database, lower-cased -> the codes it names."""
    index: dict[str, set[str]] = {}
    pairs = [
        *State.objects.values_list(Lower("name"), "code"),
        *StateAlias.objects.values_list(Lower("name"), "state__code"),
    ]
    for name, code in pairs:
        index.setdefault(name, set()).add(code)
    return index


def sipri_state_names(path) -> dict[str, str]:
    """SIPRI's state names in a file (sides and countries armed groups operate in) -> the code
    the reader gives them."""
    names = {}
    for deal in sipri_read(path).deals:
        for party in (deal.supplier, deal.recipient):
            if party.is_state:
                names[party.name] = party.state_code
            elif party.operates_in:
                places = [p.strip() for p in party.operates_in.split("/")]
                names.update(zip(places, party.operates_in_codes, strict=True))
    return names


SIPRI_FILES = sorted(DATA.glob("*.csv")) + [FULL_REGISTER]


@pytest.mark.django_db
def test_user_assigned_states_are_in_the_state_fixture(reference):
    """Each polity of the documented table is a state: ended ones historical with their end
    year, the others partially recognised; its official name is an alias."""
    for code, polity in USER_ASSIGNED_STATES.items():
        state = State.objects.get(code=code)
        assert state.name == polity.name
        if polity.ended:
            assert state.status == "historical"
            assert state.valid_until.year == int(polity.ended)
        else:
            assert state.status == "partially_recognised"
            assert state.valid_until is None
        assert state.aliases.filter(name=polity.official_name).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path", SIPRI_FILES, ids=lambda p: p.name)
def test_every_sipri_state_name_resolves_through_the_database(reference, path):
    """After loading states.json, each SIPRI state name is the name or an alias of exactly one
    state, the one the reader resolves it to."""
    if not path.exists():
        pytest.skip(f"{path} is absent")
    names = sipri_state_names(path)
    index = database_names()
    resolved = {name: index.get(name.lower(), set()) for name in names}
    assert {name: codes for name, codes in resolved.items() if len(codes) != 1} == {}
    assert {name: codes.pop() for name, codes in resolved.items()} == names
    if path == FULL_REGISTER:
        for spelling in ("Turkiye", "DR Congo", "UAE", "Soviet Union", "East Germany (GDR)"):
            assert spelling in names
        assert len(names) >= 200


@pytest.mark.django_db
def test_sipri_spellings_are_aliases_of_historical_and_current_states(reference):
    """SIPRI's names are stored as aliases (abbreviations where written in capitals)."""
    expected = {
        "Turkiye": ("TR", "name"),
        "DR Congo": ("CD", "name"),
        "UAE": ("AE", "abbreviation"),
        "Soviet Union": ("SUHH", "name"),
        "USSR": ("SUHH", "abbreviation"),
        "East Germany (GDR)": ("DDDE", "name"),
        "Yugoslavia": ("YUCS", "name"),
        "Czechoslovakia": ("CSHH", "name"),
        "Yemen Arab Republic (North Yemen)": ("QP", "name"),
    }
    for name, (code, kind) in expected.items():
        alias = StateAlias.objects.select_related("state").get(name=name)
        assert (alias.state.code, alias.kind) == (code, kind)


def test_build_state_fixture_output_is_deterministic(tmp_path):
    """Two runs write the same bytes, equal to the committed fixture."""
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert "286 states" in run("build_state_fixture", "--output", str(first))
    run("build_state_fixture", "--output", str(second))
    assert first.read_bytes() == second.read_bytes() == (FIXTURES / "states.json").read_bytes()
