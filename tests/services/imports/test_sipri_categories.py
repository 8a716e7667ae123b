"""SIPRI weapon descriptions -> ML category: only where certain, and only to existing codes."""

import json
from collections import Counter
from pathlib import Path

import pytest

from tracker.services.imports.sipri.categories import DESCRIPTION_CATEGORIES, description_category

CATEGORIES_FIXTURE = (
    Path(__file__).resolve().parents[3] / "fixtures" / "control_list_categories.json"
)


def test_every_category_given_is_an_ml_category_of_the_fixture():
    """Each code the mapping returns is a Munitions List category of the control-list fixture."""
    records = json.loads(CATEGORIES_FIXTURE.read_text(encoding="utf-8"))
    ml = {r["fields"]["code"] for r in records if r["fields"]["regime"] == "wassenaar_ml"}
    given = {code for code in DESCRIPTION_CATEGORIES.values() if code}
    assert given and given <= ml
    for description in DESCRIPTION_CATEGORIES:
        assert description_category(f" {description} ") in ml | {None}


@pytest.mark.parametrize(
    "description",
    [
        "air search radar",  # incl. civilian air traffic control radars
        "ground surv radar",  # border surveillance
        "UAV",  # ML10 or dual-use 9A012
        "maritime patrol aircraft",  # civilian designs, coast guards
        "reconnaissance aircraft",  # An-30 survey aircraft
        "landing ship",  # "officially ordered for civilian use"
        "recce satellite",  # civil imaging satellites
        "APV",  # armoured civilian designs
        "tank turret",  # weapon mounting or vehicle component
        "ASW mortar",  # projector or launcher of depth charges
    ],
)
def test_descriptions_holding_civilian_or_two_category_items_are_left_empty(description):
    assert description in DESCRIPTION_CATEGORIES
    assert description_category(description) is None


def test_mapped_share_of_the_full_register(full_register):
    """How many deals get a category (printed), and that the mapping still covers most combat
    equipment: every tank, fighter and anti-ship missile deal."""
    descriptions = Counter(d.description for d in full_register.deals)
    mapped = sum(n for d, n in descriptions.items() if description_category(d))
    given = sum(1 for v in DESCRIPTION_CATEGORIES.values() if v)
    print(
        f"\n{given} of {len(DESCRIPTION_CATEGORIES)} descriptions mapped; "
        f"{mapped} of {sum(descriptions.values())} deals get an ML category"
    )
    for description in ("tank", "fighter aircraft", "anti-ship missile", "frigate", "SAM"):
        assert descriptions[description] > 0
        assert description_category(description)
    assert mapped > sum(descriptions.values()) // 2
