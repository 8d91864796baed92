"""Admin pages for reference data, accounts and any app outside ``cases``."""

import pytest
from django.urls import reverse

from casetracker.core.models import SchoolLevel
from tests.conftest import registered_models
from tests.factories import CommitteeFactory, OfficeFactory, SchoolFactory

pytestmark = [
    pytest.mark.django_db,
    # A paginated list without a stable order can skip or repeat rows (autocomplete, changelists).
    pytest.mark.filterwarnings("error::django.core.paginator.UnorderedObjectListWarning"),
]


@pytest.mark.parametrize("model", registered_models(exclude_app_label="cases"))
def test_admin_pages_open(check_admin_pages, model):
    check_admin_pages(model)


def result_pks(response) -> set[int]:
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_school_changelist_search_and_filters(admin_client):
    office = OfficeFactory()
    middle = SchoolFactory(office=office, level=SchoolLevel.MIDDLE, name_ko="한빛중학교", name_en="Hanbit Middle")
    high = SchoolFactory(office=office, level=SchoolLevel.HIGH, name_ko="한빛고등학교", name_en="Hanbit High")
    elsewhere = SchoolFactory(level=SchoolLevel.HIGH, name_ko="한빛고등학교", name_en="Hanbit High")
    SchoolFactory(office=office, level=SchoolLevel.HIGH, name_ko="새솔고등학교", name_en="Saesol High")
    url = reverse("admin:core_school_changelist")

    assert result_pks(admin_client.get(url, {"q": "한빛"})) == {middle.pk, high.pk, elsewhere.pk}
    assert result_pks(admin_client.get(url, {"q": "한빛", "office__id__exact": office.pk})) == {middle.pk, high.pk}
    assert result_pks(
        admin_client.get(url, {"q": "Hanbit", "office__id__exact": office.pk, "level__exact": "high"})
    ) == {high.pk}


def test_committee_changelist_filters_by_kind(admin_client):
    school_violence = CommitteeFactory()
    teacher_rights = CommitteeFactory(
        office=school_violence.office, local_office=school_violence.local_office, kind="teacher_rights"
    )
    url = reverse("admin:core_committee_changelist")
    assert result_pks(admin_client.get(url, {"kind__exact": "teacher_rights"})) == {teacher_rights.pk}
    assert result_pks(admin_client.get(url, {"office__id__exact": school_violence.office.pk})) == {
        school_violence.pk,
        teacher_rights.pk,
    }
