import os
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "sipri"


def _shared_data() -> Path:
    """../shared/data beside the checkout (or TRACKER_SHARED_DATA): the full SIPRI register."""
    if os.environ.get("TRACKER_SHARED_DATA"):
        return Path(os.environ["TRACKER_SHARED_DATA"])
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return Path("shared-data-not-found")


SHARED = _shared_data()
FULL_REGISTER = SHARED / "sipri-trade-register-1950-2024.csv"
UK_RATINGS = SHARED / "uk-control-list-ratings.csv"


@pytest.fixture(scope="session")
def classic_extract():
    from tracker.services.imports.sipri import sipri_read

    return sipri_read(DATA / "classic-extract.csv")


@pytest.fixture(scope="session")
def deal_id_extract():
    from tracker.services.imports.sipri import sipri_read

    return sipri_read(DATA / "deal-id-extract.csv")


@pytest.fixture(scope="session")
def full_register():
    """The full classic register from ../shared/data (skipped where it is absent)."""
    from tracker.services.imports.sipri import sipri_read

    if not FULL_REGISTER.exists():
        pytest.skip(f"{FULL_REGISTER} is absent")
    return sipri_read(FULL_REGISTER)
