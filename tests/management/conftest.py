import pytest
from django.core.management import call_command

SEED = "trtworld-2020-10-06"
REFERENCE = ("states", "control_list_categories")


@pytest.fixture
def reference(db):
    call_command("loaddata", *REFERENCE, verbosity=0)


@pytest.fixture
def seed(reference):
    call_command("loaddata", SEED, verbosity=0)
