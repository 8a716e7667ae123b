"""Regenerate fixtures/control_list_categories.json from the UK control-list ratings.

    python manage.py build_control_list_fixture ../shared/data/uk-control-list-ratings.csv

The fixture is: the Wassenaar Munitions List top level ML1..ML22 (titles below; the UK table lacks
some, e.g. ML20, and the fixture keeps them); the ten dual-use categories 0..9, each over the
dual-use codes that start with its digit; every dual-use and UK national (PL) code of the UK table
with its military flag, a PL code under the ML category its description names where it names
exactly one. Rows that are not categories (country sanction codes, "End Use") are reported and
skipped. Titles curated here win over the UK's short descriptions, which for dual-use codes only
repeat the category's name. Deterministic: the same CSV gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tracker.choices import ControlRegime
from tracker.reference_data import reference_record
from tracker.services.imports.uk_control_list import (
    UkControlListRead,
    dual_use_category,
    uk_control_list_read,
)

#: Fixed timestamps keep the generated file byte-stable between runs.

#: The Wassenaar Munitions List categories, in the Wassenaar Arrangement's short wording.
MUNITIONS_LIST = {
    "ML1": "Smooth-bore weapons under 20 mm calibre, other arms and automatic weapons of 12.7 mm "
    "calibre or less",
    "ML2": "Smooth-bore weapons of 20 mm calibre or more, other guns and armament over 12.7 mm",
    "ML3": "Ammunition and fuze setting devices",
    "ML4": "Bombs, torpedoes, rockets, missiles, other explosive devices and charges",
    "ML5": "Fire control, surveillance and warning equipment and related systems",
    "ML6": "Ground vehicles and components",
    "ML7": "Chemical or biological toxic agents, riot control agents and radioactive materials",
    "ML8": "Energetic materials",
    "ML9": "Vessels of war, special naval equipment and accessories",
    "ML10": "Aircraft, lighter-than-air vehicles, unmanned aerial vehicles, aero-engines and "
    "aircraft equipment",
    "ML11": "Electronic equipment and spacecraft not controlled elsewhere",
    "ML12": "High velocity kinetic energy weapon systems",
    "ML13": "Armoured or protective equipment and constructions",
    "ML14": "Equipment for military training or for simulating military scenarios",
    "ML15": "Imaging or countermeasure equipment for military use",
    "ML16": "Forgings, castings and other unfinished products for controlled items",
    "ML17": "Miscellaneous equipment, materials and libraries",
    "ML18": "Production equipment and components",
    "ML19": "Directed energy weapon systems",
    "ML20": "Cryogenic and superconductive equipment",
    "ML21": "Software for controlled items",
    "ML22": "Technology for controlled items",
}

#: The dual-use list's categories (the first digit of a dual-use code). Category 0 (nuclear) is
#: the EU's and the UK's; 1..9 are Wassenaar's.
DUAL_USE_CATEGORIES = {
    "0": "Nuclear materials, facilities and equipment",
    "1": "Special materials and related equipment",
    "2": "Materials processing",
    "3": "Electronics",
    "4": "Computers",
    "5": 'Telecommunications and "information security"',
    "6": "Sensors and lasers",
    "7": "Navigation and avionics",
    "8": "Marine",
    "9": "Aerospace and propulsion",
}

#: Dual-use entries the tracker's articles name, with a title saying what they cover. Kept even
#: where the UK table lacks them (9A120).
DUAL_USE_TITLES = {
    "6A002": "Optical sensors and equipment, including image intensifiers and focal plane arrays",
    "6A003": "Cameras, including thermal imaging cameras, and their components",
    "6A004": "Optical equipment and components such as mirrors and optical control equipment",
    "6A008": "Radar systems, equipment and assemblies",
    "7A003": "Inertial measurement equipment and systems",
    "7A005": "Satellite navigation receiving equipment",
    "9A012": "Unmanned aerial vehicles, their systems, equipment and components",
    "9A120": "Liquid propellant tanks for unmanned aerial vehicles and rockets",
    "9E003": "Other technology for gas turbine engines and components",
}


def _record(code, regime, military, title, description="", parent=None) -> dict:
    return reference_record(
        "tracker.controllistcategory",
        code=code,
        regime=regime,
        military=military,
        title=title,
        description=description,
        parent=[parent] if parent else None,
    )


def build_control_list_records(read: UkControlListRead) -> list[dict]:
    """The fixture's records, parents before children: ML categories, dual-use categories,
    dual-use codes, UK national codes (each group sorted by code)."""
    uk = {category.code: category for category in read.categories}
    ml = []
    for code, title in MUNITIONS_LIST.items():
        # the UK's wording, short and full ("Armoured vehicles, tanks; Ground vehicles and ..."):
        # it has the everyday words (tanks, drones) a search looks for
        words = [uk[code].title, uk[code].description] if code in uk else []
        description = "; ".join(dict.fromkeys(w for w in words if w))
        ml.append(_record(code, ControlRegime.WASSENAAR_MUNITIONS, True, title, description))
    dual_use_groups = [
        _record(digit, ControlRegime.WASSENAAR_DUAL_USE, False, title)
        for digit, title in DUAL_USE_CATEGORIES.items()
    ]
    dual_use, national = [], []
    for code in sorted(set(DUAL_USE_TITLES) | {c.code for c in read.categories}):
        category = uk.get(code)
        if category is None:  # curated only
            title = DUAL_USE_TITLES[code]
            dual_use.append(
                _record(code, ControlRegime.WASSENAAR_DUAL_USE, False, title, "", code[0])
            )
        elif category.regime == ControlRegime.WASSENAAR_DUAL_USE:
            title = DUAL_USE_TITLES.get(code, category.title)
            parent = dual_use_category(code)
            dual_use.append(
                _record(code, category.regime, False, title, category.description, parent)
            )
        elif category.regime == ControlRegime.UK_NATIONAL:
            national.append(
                _record(
                    code,
                    category.regime,
                    category.military,
                    category.title,
                    category.description,
                    category.parent,
                )
            )
    return ml + dual_use_groups + dual_use + national


class Command(BaseCommand):
    help = (
        "Regenerate fixtures/control_list_categories.json from the UK control-list ratings CSV "
        "(Wassenaar ML top level, dual-use categories, dual-use and PL codes; non-categories "
        "reported and skipped)."
    )

    def add_arguments(self, parser):
        parser.add_argument("ratings", help="the UK ratings CSV (uk-control-list-ratings.csv)")
        parser.add_argument(
            "--output",
            default=str(Path(settings.FIXTURE_DIRS[0]) / "control_list_categories.json"),
        )

    def handle(self, *args, ratings, output, **options):
        path = Path(ratings)
        if not path.is_file():
            raise CommandError(f"ratings: no such file: {path}")
        read = uk_control_list_read(path, ml_codes=list(MUNITIONS_LIST))
        if read.ml_unknown_to_fixture:
            unknown = ", ".join(read.ml_unknown_to_fixture)
            raise CommandError(f"{path}: ML codes not in the Wassenaar list: {unknown}")
        records = build_control_list_records(read)
        Path(output).write_text(
            json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        by_regime: dict[str, int] = {}
        for record in records:
            regime = record["fields"]["regime"]
            by_regime[regime] = by_regime.get(regime, 0) + 1
        self.stdout.write(
            f"Read {read.rows_read} rows of {path.name}: {len(read.categories)} categories, "
            f"{len(read.skipped)} skipped."
        )
        for skipped in read.skipped:
            self.stdout.write(
                f"  skipped line {skipped.line}: {skipped.rating!r}: {skipped.reason}"
            )
        if read.ml_missing_from_uk:
            self.stdout.write(
                f"ML categories the UK table lacks (kept): {', '.join(read.ml_missing_from_uk)}"
            )
        if read.untitled:
            self.stdout.write(f"Codes without a description: {', '.join(read.untitled)}")
        counts = ", ".join(f"{regime} {count}" for regime, count in sorted(by_regime.items()))
        self.stdout.write(f"Wrote {len(records)} categories ({counts}) to {output}")
