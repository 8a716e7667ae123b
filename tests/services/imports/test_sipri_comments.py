"""SIPRI Comments: models behind generic designations, destination platforms, families; and
descriptions to control-list categories."""

from collections import Counter

import pytest

from tracker.services.imports.sipri.categories import (
    DESCRIPTION_CATEGORIES,
    description_category,
)
from tracker.services.imports.sipri.comments import (
    component_model,
    deal_item,
    destinations,
    family_candidates,
    mentions_destination,
)


@pytest.mark.parametrize(
    ("comment", "model", "maker", "maker_state", "kind"),
    [
        (
            "Pratt & Whitney Canada PT-6A-68T (1600hp) turboprop for Hurkus trainer/combat "
            "aircraft from Turkey",
            "PT-6A-68T",
            "Pratt & Whitney Canada",
            "CA",
            "turboprop",
        ),
        (
            "Klimov TV-3-117 turboshaft; spare engines for Mi-24 combat helicopters",
            "TV-3-117",
            "Klimov",
            None,
            "turboshaft",
        ),
        (
            "Wärtsilä-12V32 diesel engine; for 1 BDSL AALS from Italy",
            "12V32",
            "Wärtsilä",
            "FI",
            "diesel engine",
        ),
        (
            "Detroit Diesel 6V-53T (275hp) diesel engine for modernization of 150 M-113B",
            "6V-53T",
            "Detroit Diesel",
            "US",
            "diesel engine",
        ),
        (
            "6V-53 diesel engine; for 31 Piranha-3 APC from Switzerland",
            "6V-53",
            None,
            None,
            "diesel engine",
        ),
        (
            "Rolls-Royce Dart turboprop for 2 F-27 transport aircraft",
            "Dart",
            "Rolls-Royce",
            "GB",
            "turboprop",
        ),
        ("Cummins 300hp diesel engine; for 50 Matador APC", None, "Cummins", "US", "diesel engine"),
        (
            "Bristol Hercules-738 (2040hp) radial engine for 21 Noratlas transport aircraft",
            "Hercules-738",
            "Bristol",
            "GB",
            "engine",
        ),
    ],
)
def test_component_model_is_read_from_comments(comment, model, maker, maker_state, kind):
    """Model, maker (and the maker's state where the table knows it), and engine type."""
    found = component_model(comment)
    assert (found.model, found.maker, found.maker_state, found.kind) == (
        model,
        maker,
        maker_state,
        kind,
    )


def test_no_component_model_where_comments_name_none():
    """ "Diesel engine" or a comment without an engine names no model."""
    assert component_model("For 10 Casspir APC from South Africa") is None
    assert component_model("Diesel engine; for 45 Casspir-2000 APC from South Africa") is None


def test_deal_item_for_generic_and_named_designations(classic_extract):
    """A generic designation becomes the model in Comments (origin: the maker's state), or the
    generic item of the supplier; a named designation is the item itself."""
    items = {d.lines[0]: deal_item(d) for d in classic_extract.deals}
    chad_engine = items[30]
    assert (chad_engine.designation, chad_engine.maker, chad_engine.origin_state) == (
        "PT-6A-68T",
        "Pratt & Whitney Canada",
        "CA",
    )
    assert chad_engine.inferred and not chad_engine.generic
    tb2 = items[23]
    assert (tb2.designation, tb2.description, tb2.origin_state) == (
        "Bayraktar TB2",
        "armed UAV",
        "TR",
    )
    assert not tb2.inferred
    refuel = items[46]  # NATO <- UK, air refuel system: no model in Comments
    assert (refuel.designation, refuel.origin_state, refuel.generic) == (
        "air refuel system",
        "GB",
        True,
    )


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        (
            "Pratt & Whitney Canada PT-6A-68T (1600hp) turboprop; for 15 Hurkus-B trainer "
            "aircraft produced in Turkey",
            [(15, "Hurkus-B", "trainer aircraft", "Turkey", "TR")],
        ),
        (
            "Pratt & Whitney Canada PT-6A-68 (1250hp) turboprop for 5 EMB-314 trainer/combat "
            "aircraft from Brazil",
            [(5, "EMB-314", "trainer/combat aircraft", "Brazil", "BR")],
        ),
        (
            "For 2 MilGem (Ada) frigates produced in Turkey",
            [(2, "MilGem (Ada)", "frigate", "Turkey", "TR")],
        ),
        (
            "18VP185 (4400hp) diesel engine; for 1 C-92 (Turkmen) frigate from Turkey",
            [(1, "C-92 (Turkmen)", "frigate", "Turkey", "TR")],
        ),
        (
            "For 26 L-39 trainer aircraft from Czechoslovakia; Titan (AI-25TL) version",
            [(26, "L-39", "trainer aircraft", "Czechoslovakia", "CSHH")],
        ),
        (
            "For MiG-23MF and MiG-21bis combat aircraft",
            [
                (None, "MiG-23MF", "combat aircraft", None, None),
                (None, "MiG-21bis", "combat aircraft", None, None),
            ],
        ),
        (
            "MTU-838Ca (830hp) diesel engine; for 18 OF-40 tanks and 3 OF-40 ARV from Italy",
            [(18, "OF-40", "tank", "Italy", "IT"), (3, "OF-40", "ARV", "Italy", "IT")],
        ),
        (
            "Grifo-F version; for modernization of 3 F-5F combat aircraft to F-5FM",
            [(3, "F-5F", "combat aircraft", None, None)],
        ),
        (
            "For modernization of 1 Project-1159 (Koni or Mourad Rais) frigate and 1 "
            "Project-1234 (Nanuchka or Hamidou) corvette",
            [
                (1, "Project-1159 (Koni or Mourad Rais)", "frigate", None, None),
                (1, "Project-1234 (Nanuchka or Hamidou)", "corvette", None, None),
            ],
        ),
        ("For use with S-60 57mm AA guns", [(None, "S-60 57mm", "AA gun", None, None)]),
        ("Mainly for use against Mujahideen rebel forces", []),
        ("A-29B version; financed by USA; ordered via USA from US production line", []),
    ],
)
def test_destinations(comment, expected):
    """(count, platform designation, platform description, origin as written, origin state)."""
    found = [
        (d.count, d.designation, d.description, d.origin, d.origin_state)
        for d in destinations(comment)
    ]
    assert found == expected


def test_destination_keeps_its_clause_as_evidence():
    """The clause a destination was read from is kept verbatim (trimmed)."""
    (found,) = destinations(
        "SMART-S Mk-2 version; for 2 Bayraktar landing ships produced in Turkey"
    )
    assert found.text == "for 2 Bayraktar landing ships produced in Turkey"


@pytest.mark.parametrize(
    ("family", "designations", "expected"),
    [
        (
            "Hurkus",
            ["Hurkus-C", "Hurkus-B", "Hurkus", "Hurkusx", "T-129"],
            ["Hurkus", "Hurkus-B", "Hurkus-C"],
        ),
        ("MilGem", ["MilGem", "MilGem (Ada)", "Milgem-2"], ["MilGem", "MilGem (Ada)", "Milgem-2"]),
        ("F-16", ["F-16C", "F-16", "F-16A/B", "F-161", "F-1"], ["F-16", "F-16A/B", "F-16C"]),
        ("F-1", ["F-16", "F-1"], ["F-1"]),
        ("", ["F-16"], []),
    ],
)
def test_family_candidates(family, designations, expected):
    """Normalised token-prefix match, the exact designation first, for curators to confirm."""
    assert family_candidates(family, designations) == expected


def test_destination_figures_on_the_full_register(full_register):
    """How many comments name a destination platform, how many were parsed, and what is left."""
    comments = [d.comments for d in full_register.deals if d.comments]
    mentioning = [c for c in comments if mentions_destination(c)]
    parsed = [(c, destinations(c)) for c in mentioning]  # per deal: comments repeat
    done = [c for c, found in parsed if found]
    left = [c for c, found in parsed if not found]
    platforms = [d for _, found in parsed for d in found]
    with_origin = sum(1 for d in platforms if d.origin_state)
    generic = [d for d in full_register.deals if d.generic]
    items = Counter((i.generic, i.inferred) for i in map(deal_item, generic))
    print(
        f"\n{len(comments)} deals with comments; {len(mentioning)} name a destination platform "
        f"({len(set(mentioning))} distinct comments); "
        f"{len(done)} parsed into {len(platforms)} platforms ({with_origin} with origin state); "
        f"{len(left)} left, e.g.:"
    )
    for comment in left[:8]:
        print(f"  - {comment[:120]}")
    print(
        f"{len(generic)} generic designations: {items[(False, True)]} models read from "
        f"Comments, {items[(True, True)] + items[(True, False)]} kept generic "
        f"({items[(True, True)]} with a maker named)"
    )
    assert len(done) >= 5200
    assert with_origin >= 2680  # "X (Y or Z)" is one platform, not two
    assert items[(False, True)] >= 1040


def test_certain_descriptions_map_to_ml_categories():
    """Armed UAV -> ML10, tank -> ML6, SAM -> ML4 ...; uncertain ones None, never a guess."""
    assert description_category("armed UAV") == "ML10"
    assert description_category("tank") == "ML6"
    assert description_category("SAM") == "ML4"
    assert description_category("fire control radar") == "ML5"
    assert description_category("frigate") == "ML9"
    assert description_category("naval gun") == "ML2"
    assert description_category("aircraft EO system") is None  # ML15 or 6A003: contested
    assert description_category("transport aircraft") is None  # may be a civilian design
    assert description_category("something new") is None


def test_every_description_of_the_full_register_is_listed(full_register):
    """Each description of the register is decided: a category, or explicitly None."""
    descriptions = Counter(d.description for d in full_register.deals)
    assert set(descriptions) == set(DESCRIPTION_CATEGORIES)
    mapped = sum(n for d, n in descriptions.items() if DESCRIPTION_CATEGORIES[d])
    print(
        f"\n{len(descriptions)} descriptions, "
        f"{sum(1 for v in DESCRIPTION_CATEGORIES.values() if v)} mapped; "
        f"{mapped} of {sum(descriptions.values())} deals get a category"
    )
    codes = {v for v in DESCRIPTION_CATEGORIES.values() if v}
    assert codes <= {f"ML{n}" for n in range(1, 23)}
