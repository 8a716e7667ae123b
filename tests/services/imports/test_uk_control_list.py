"""Reading the UK control-list ratings: categories under the ML top level, the rest skipped."""

from pathlib import Path

import pytest

from tracker.services.imports.uk_control_list import fixture_ml_codes, uk_control_list_read

from .conftest import UK_RATINGS

FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "control_list_categories.json"

SAMPLE = b"""rating,military,short_description,full_description
ML6,1,"Armoured vehicles, tanks","Ground vehicles and components"
ML23,1,"Not in the fixture","Not in the fixture"
PL5035,1,"Ballistic protection for vehicles","For vehicles specified in ML6"
PL5017,1,"Equipment and test models","Other than those specified in ML11, ML12.b. or ML19.e."
6A003,0,"Cameras","Cameras and thermal imaging"
PL9010,0,,
6A003,0,"Cameras","again"
IRN,0,,
"End Use",0,"May be intended for WMD purposes","May be intended for WMD purposes"
"Art 4B",0,"Libyan bank notes and coins","Libyan bank notes and coins"
"""


def test_categories_regimes_flags_and_parents():
    """ML rows top level; PL rows under the one ML their description names; dual-use rows under
    their category."""
    read = uk_control_list_read(SAMPLE, ml_codes=fixture_ml_codes(FIXTURE))
    categories = {c.code: c for c in read.categories}
    assert list(categories) == ["ML6", "ML23", "PL5035", "PL5017", "6A003", "PL9010"]
    assert (categories["ML6"].regime, categories["ML6"].military, categories["ML6"].parent) == (
        "wassenaar_ml",
        True,
        None,
    )
    assert categories["ML6"].title == "Armoured vehicles, tanks"
    assert categories["ML6"].description == "Ground vehicles and components"
    assert (categories["PL5035"].regime, categories["PL5035"].parent) == ("uk_national", "ML6")
    assert categories["PL5017"].parent is None  # names several ML categories: not placed
    assert (categories["6A003"].regime, categories["6A003"].military) == (
        "wassenaar_dual_use",
        False,
    )
    assert categories["6A003"].parent == "6"  # its dual-use category
    assert categories["PL9010"].title == "PL9010"
    assert read.untitled == ["PL9010"]
    assert read.ml_unknown_to_fixture == ["ML23"]
    assert "ML20" in read.ml_missing_from_uk and "ML6" not in read.ml_missing_from_uk


def test_non_categories_are_reported_and_skipped():
    """Sanction codes, end-use controls, other markers and repeats: reported with their line."""
    read = uk_control_list_read(SAMPLE)
    skipped = {(s.line, s.rating): s.reason for s in read.skipped}
    assert skipped[(8, "6A003")] == "repeats line 6"
    assert "sanctions" in skipped[(9, "IRN")]
    assert "end-use" in skipped[(10, "End Use")]
    assert (11, "Art 4B") in skipped
    assert read.rows_read == 10


def test_full_uk_table():
    """288 rows: 272 categories, 16 skipped; the UK lacks ML20 of the fixture's top level."""
    if not UK_RATINGS.exists():
        pytest.skip(f"{UK_RATINGS} is absent")
    read = uk_control_list_read(UK_RATINGS, ml_codes=fixture_ml_codes(FIXTURE))
    regimes = {}
    for category in read.categories:
        key = (category.regime, category.military)
        regimes[key] = regimes.get(key, 0) + 1
    print(
        f"\nUK ratings: {read.rows_read} rows, {len(read.categories)} categories {regimes}, "
        f"{len(read.skipped)} skipped ({', '.join(s.rating for s in read.skipped)}); "
        f"ML missing from the UK table: {read.ml_missing_from_uk}"
    )
    assert (read.rows_read, len(read.categories), len(read.skipped)) == (288, 272, 16)
    assert read.ml_missing_from_uk == ["ML20"]
    assert read.ml_unknown_to_fixture == []
