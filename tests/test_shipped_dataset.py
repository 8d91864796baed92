"""The ``shipped_data`` fixture (tests/conftest.py): the shipped dataset for the tests that ask for it,
the database as the migrations left it for every other test, in the same process."""

import pytest

from casetracker.cases.models import Incident
from casetracker.core.models import Office


@pytest.mark.django_db  # pytest-django opens the database before the test's own fixtures: loaded even so
def test_a_test_that_asks_for_the_shipped_data_has_it(shipped_data, shipped_dataset):
    assert shipped_dataset.transaction is not None
    assert Office.objects.count() == 17
    assert Incident.objects.count() > 500


@pytest.mark.django_db
def test_any_other_test_sees_the_database_as_the_migrations_left_it(shipped_dataset):
    assert shipped_dataset.transaction is None
    assert not Office.objects.exists()
    assert not Incident.objects.exists()


def test_any_other_test_sees_it_also_through_db(db):
    assert not Office.objects.exists()
