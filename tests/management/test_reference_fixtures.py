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


UK_RATINGS = FULL_REGISTER.parent / "uk-control-list-ratings.csv"
needs_uk_ratings = pytest.mark.skipif(not UK_RATINGS.exists(), reason=f"{UK_RATINGS} is absent")


@needs_uk_ratings
def test_build_control_list_fixture_reproduces_the_committed_file(tmp_path):
    """The committed control_list_categories.json is what the command writes from the UK table,
    and the command reports what it skipped."""
    target = tmp_path / "categories.json"
    out = run("build_control_list_fixture", str(UK_RATINGS), "--output", str(target))
    assert target.read_bytes() == (FIXTURES / "control_list_categories.json").read_bytes()
    assert "288 rows of uk-control-list-ratings.csv: 272 categories, 16 skipped" in out
    skipped = {line.split(": ")[1] for line in out.splitlines() if "skipped line" in line}
    assert skipped == {
        *("'Art 4B'", "'End Use'", "'FR AI'", "'HR AIII'", "'IRN'", "'IRN OG'", "'LBY'"),
        *("'MEND'", "'OC001'", "'PRK'", "'RUS'", "'SYR'", "'UKR'", "'UZB'", "'ZIM'", "'ZWE'"),
    }
    assert "ML categories the UK table lacks (kept): ML20" in out
    assert "Wrote 284 categories" in out


def test_build_control_list_fixture_names_a_missing_file(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ratings: no such file"):
        run("build_control_list_fixture", str(tmp_path / "absent.csv"))


@pytest.mark.django_db
def test_control_list_fixture_loads_with_its_tree_and_flags(reference):
    """ML1..ML22 at the top and military; dual-use codes under their category and not military;
    PL codes with the UK's flag, under the ML they name; no sanction code or end-use row."""
    from tracker.models import ControlListCategory

    categories = ControlListCategory.objects.select_related("parent")
    assert categories.count() == 284
    ml = categories.filter(regime="wassenaar_ml")
    assert sorted(ml.values_list("code", flat=True)) == sorted(f"ML{n}" for n in range(1, 23))
    assert all(c.military and c.parent is None for c in ml)
    for category in categories.filter(regime="wassenaar_dual_use"):
        assert not category.military
        if len(category.code) == 1:
            assert category.parent is None
        else:
            assert category.parent.code == category.code[0], category.code
    assert categories.get(code="6A003").title.startswith("Cameras")
    assert categories.get(code="PL5035").parent.code == "ML6"
    assert categories.get(code="PL5001").military is True
    assert categories.get(code="PL9002").military is False
    assert categories.filter(regime="uk_national").count() == 13
    assert not categories.filter(code__in=["IRN", "RUS", "End Use", "MEND", "OC001"]).exists()
    assert "tanks" in categories.get(code="ML6").description


@pytest.mark.django_db
def test_military_flag_follows_the_regime_in_the_database(db):
    """An ML category that is not military, or a dual-use entry that is, is refused."""
    from django.db import IntegrityError, transaction

    from tracker.models import ControlListCategory

    for regime, military in [("wassenaar_ml", False), ("wassenaar_dual_use", True)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            ControlListCategory.objects.create(
                code="ML9" if regime == "wassenaar_ml" else "9A001",
                regime=regime,
                military=military,
                title="x",
            )
    ControlListCategory.objects.create(
        code="PL5001", regime="uk_national", military=True, title="x"
    )
