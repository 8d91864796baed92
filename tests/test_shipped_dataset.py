"""The ``shipped_data`` fixture (tests/conftest.py): the shipped dataset for the tests that ask for it,
the database as the migrations left it for every other test, in the same process; and a module's
rows kept the same way (``rows_kept``)."""

import pytest

from casetracker.cases.models import Incident
from casetracker.core.models import Office
from tests.conftest import rows_kept
from tests.factories import OfficeFactory


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


@rows_kept
def two_offices():
    return sorted([OfficeFactory(name_en="Kept").pk, OfficeFactory(name_en="Kept").pk])


@pytest.mark.django_db
def test_kept_rows_are_there_for_a_test_that_asks_for_them(two_offices, shipped_dataset):
    assert shipped_dataset.transaction is not None
    assert sorted(Office.objects.values_list("pk", flat=True)) == two_offices
    Office.objects.filter(pk=two_offices[0]).update(name_en="Changed")  # (rolled back with this test)


@pytest.mark.django_db
def test_the_next_test_that_asks_finds_them_as_they_were_made(two_offices):
    assert list(Office.objects.order_by("pk").values_list("pk", "name_en")) == [(pk, "Kept") for pk in two_offices]


@pytest.mark.django_db
def test_a_test_that_does_not_ask_for_them_sees_none_of_them(shipped_dataset):
    assert shipped_dataset.transaction is None
    assert not Office.objects.exists()
