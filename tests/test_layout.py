"""Every page outside the admin (work queue and its lists, reports, drill-downs) shows the product
name, the user's role and office, and the switch to the other language, in either language. The
print page, which is for paper and has no forms, names the product, the user's role and office.

The browser checks of the same layout (contrast, keyboard, labels) are in tests/e2e/test_accessibility.py.
"""

import html
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation import override

from tests.factories import MeasureFactory, OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

OTHER_LANGUAGE = {"ko": ("en", "English"), "en": ("ko", "한국어")}


def drill_down_url(client) -> str:
    """The first count's link on the offices report."""
    page = client.get(reverse("reports:detail", args=["offices"])).text
    found = re.search(r'href="(/reports/offices/cases/\?[^"]+)"', page)
    assert found, "the offices report links no count"
    return html.unescape(found.group(1))


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("role", ["clerk", "supervisor"])
def test_every_page_names_the_product_the_user_and_offers_the_other_language(client, language, role):
    office = OfficeFactory(code="seoul", name_ko="서울특별시교육청", name_en="Seoul Metropolitan Office of Education")
    MeasureFactory(committee_case__incident__office=office)
    user = UserFactory(office=office, is_staff=True, supervisor=role == "supervisor", language=language)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    urls = [
        reverse("workflow:queue"),
        reverse("reports:index"),
        reverse("reports:detail", args=["offices"]),
        drill_down_url(client),
    ]
    if role == "clerk":
        urls += [reverse("workflow:open_takedowns"), reverse("workflow:retention")]
    with override(language):
        role_label, office_name = str(user.get_role_display()), str(office)
    other_code, other_name = OTHER_LANGUAGE[language]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        header = re.search(r"<header\b.*?</header>", response.text, re.S)
        assert header, f"{url}: no header"
        header = header.group(0)
        assert 'class="product"' in header and "casetracker" in header, url
        assert role_label in header and office_name in header, url
        assert f'<html lang="{language}">' in response.text, url
        assert f'name="language" value="{other_code}"' in header and other_name in header, url

    printed = client.get(reverse("reports:print", args=["offices"]))
    header = re.search(r"<header\b.*?</header>", printed.text, re.S).group(0)
    assert "casetracker" in header and role_label in header and office_name in header
