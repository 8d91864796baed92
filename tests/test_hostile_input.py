"""Hostile input to every admin list, every admin form and every other view, for each role: lookups
on any column, regexes, huge and negative numbers, NUL bytes, huge pages, tampered management forms.
Whatever comes in, the answer is a page, a message or a 400: never a server error (issue 16).

The admin's URLs and the project's views are enumerated, not listed here, so a new one is covered
the day it is added. Run on SQLite and PostgreSQL like the rest of the suite.
"""

import html
import re
import sys
import traceback
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from casetracker.core.admin_base import ADMIN_PARAMETERS
from tests.factories import (
    AccessAttemptFactory,
    AccessFailureLogFactory,
    AccessLogFactory,
    AppealFactory,
    AxesAccessLogFactory,
    ChannelFactory,
    CommitteeFactory,
    MeasureFactory,
    OffenderVictimRelationFactory,
    OfficeFactory,
    ProtectionMeasureFactory,
    SchoolFactory,
    SeparationFactory,
    TakedownRequestFactory,
    TOTPDeviceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BIG = "1" * 30
# Each one a value no page should choke on.
VALUES = ["\x00", BIG, "-5", "0", "99999", "(", "[", "x" * 300, "1,2"]
EACH = [BIG, "-5"]
VIEW_VALUES = ["\x00", BIG, "-5", "0", "99999", "x" * 300]
# Lookups no list declares: each one is refused (400), for every role, on every list.
UNDECLARED = [
    "name",
    "name__startswith",
    "name__regex",
    "content_description__icontains",
    "content_description__regex",
    "case_number__regex",
    "report_date__year",
    "id__gt",
    "password__startswith",
    "incident__victims__name",
    "victims__name__contains",
]
# Query parameters the views outside the admin read (reports, queue, imports).
VIEW_PARAMETERS = [
    "date_from",
    "date_to",
    "office",
    "school_level",
    "committee_kind",
    "publication",
    "table",
    "column",
    "row",
    "page",
    "due",
    "when",
    "sort",
    "format",
    "next",
]


@pytest.fixture
def world(db):
    seoul, gyeonggi = OfficeFactory(code="seoul"), OfficeFactory(code="gyeonggi")
    for office in (seoul, gyeonggi):
        school = SchoolFactory(office=office)
        CommitteeFactory(office=office, local_office=school.local_office)
        measure = MeasureFactory(committee_case__incident__office=office, committee_case__incident__school=school)
        relation = OffenderVictimRelationFactory(offender=measure.offender, victim__name="김비밀")
        ProtectionMeasureFactory(victim=relation.victim)
        TakedownRequestFactory(incident=measure.committee_case.incident)
        SeparationFactory(offender=measure.offender, victim=relation.victim)
        AppealFactory(measure=measure)
    ChannelFactory()
    users = {
        "clerk": UserFactory(username="clerk_seoul", office=seoul),
        "supervisor": UserFactory(username="supervisor_national", supervisor=True, office=None),
        "admin": UserFactory(username="admin_role", role="admin", office=None),
    }
    AccessLogFactory(user=users["clerk"])
    AccessAttemptFactory()
    AxesAccessLogFactory()
    AccessFailureLogFactory()
    TOTPDeviceFactory(user=users["admin"])
    return users


class Prober:
    """A logged-in client that records every server error, with its exception, instead of stopping."""

    def __init__(self, user):
        self.client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
        self.client.force_login(user)
        self.errors: list[str] = []
        self.requests = 0

    def __enter__(self):
        got_request_exception.connect(self.record)
        return self

    def __exit__(self, *exc):
        got_request_exception.disconnect(self.record)

    def record(self, sender, request, **kwargs):
        error = "".join(traceback.format_exception_only(*sys.exc_info()[:2])).strip()
        self.errors.append(f"{request.method} {request.get_full_path()[:200]}: {error[:300]}")

    def get(self, url, params=None):
        self.requests += 1
        return self.client.get(url, params or {})

    def post(self, url, data):
        self.requests += 1
        return self.client.post(url, data)


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def sample(model):
    return model._default_manager.order_by("pk").first()


# Admin lists ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["clerk", "supervisor", "admin"])
def test_no_admin_list_fails_on_hostile_parameters(world, role):
    """Every declared parameter at once with each value of ``VALUES``, and every lookup of
    ``UNDECLARED`` at once, refused. The filters read one after the other, so a refusal by one
    could hide another's error: so once per admin class (the ten history admins are one), each
    parameter alone with each value of ``EACH``, and each undeclared lookup alone."""
    probed_classes = set()
    with Prober(world[role]) as prober:
        for model, model_admin in admin.site._registry.items():
            url = admin_url(model, "changelist")
            page = prober.get(url)
            if page.status_code != 200:
                continue  # not this role's list (403): nothing of it is reached
            changelist = page.context["cl"]
            declared = {name for spec in changelist.filter_specs for name in spec.expected_parameters() if name}
            if changelist.date_hierarchy:
                declared |= {f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day")}
            names = sorted(declared | ADMIN_PARAMETERS)
            for value in VALUES:
                prober.get(url, dict.fromkeys(names, value))
            assert prober.get(url, dict.fromkeys(UNDECLARED, "a")).status_code == 400, url
            if type(model_admin) in probed_classes:
                continue
            probed_classes.add(type(model_admin))
            for name in names:
                for value in EACH:
                    prober.get(url, {name: value})
            for lookup in UNDECLARED:
                response = prober.get(url, {lookup: "a"})
                assert response.status_code == 400, f"{url}?{lookup}= answered {response.status_code}"
            action_form = page.context["action_form"]  # None where the role has no action
            actions = [name for name, _label in action_form.fields["action"].choices] if action_form else []
            for action in [*actions, "nonexistent"]:
                for selected in (BIG, "-5", "\x00", "x"):
                    prober.post(url, {"action": action, "_selected_action": selected, "index": "0"})
    assert prober.errors == [], f"{len(prober.errors)} server errors in {prober.requests} requests: " + "\n".join(
        e[-400:] for e in prober.errors
    )


# Admin forms ---------------------------------------------------------------------------------


def posted_data(page) -> dict:
    """What the page posts back untouched: its form and each inline's management form and rows."""
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.initial_forms)
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
    return data


def tampered(page) -> list[dict]:
    """The page's own post, broken: every field at once an id of 30 digits (foreign keys and
    many-to-many fields too), a NUL byte or a negative number (a form checks each field whatever
    the others hold); every inline's management form broken the same way (so is each formset)."""
    data = posted_data(page)
    form = page.context["adminform"].form
    variants = []
    for value in (BIG, "\x00", "-5"):
        variant = dict(data)
        for name, field in form.fields.items():
            many = hasattr(field, "queryset") and getattr(field.widget, "allow_multiple_selected", False)
            variant[form.add_prefix(name)] = [value] if many else value
        variants.append(variant)
    prefixes = [inline.formset.prefix for inline in page.context["inline_admin_formsets"]]
    if prefixes:
        for total, initial in (("1", "-5"), ("-1", "0"), (BIG, "0"), ("0", "3"), ("x", "x")):
            variant = dict(data)
            for prefix in prefixes:
                variant.update({f"{prefix}-TOTAL_FORMS": total, f"{prefix}-INITIAL_FORMS": initial})
            variants.append(variant)
        variants.append({key: value for key, value in data.items() if not key.startswith(tuple(prefixes))})
        variant = dict(data)
        for prefix in prefixes:
            variant.update({f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "1", f"{prefix}-0-id": BIG})
        variants.append(variant)
    return variants


@pytest.mark.parametrize("role", ["clerk", "supervisor", "admin"])
def test_no_admin_form_fails_on_hostile_posts(world, role):
    with Prober(world[role]) as prober:
        for model, model_admin in admin.site._registry.items():
            for field_name in model_admin.autocomplete_fields:
                for value in VALUES:
                    prober.get(
                        reverse("admin:autocomplete"),
                        {"app_label": model._meta.app_label, "model_name": model._meta.model_name}
                        | {"field_name": field_name, "term": value, "page": value},
                    )
            obj = sample(model)
            pages = [admin_url(model, "add")] + ([admin_url(model, "change", obj.pk)] if obj is not None else [])
            for url in pages:
                page = prober.get(url)
                if page.status_code != 200 or "adminform" not in page.context:
                    continue
                if not page.context["has_add_permission" if url.endswith("/add/") else "has_change_permission"]:
                    continue  # a read-only page: nothing to post
                for data in tampered(page):
                    prober.post(url, data)
            for object_id in (BIG, "-1", "abc"):
                for view in ("change", "history", "delete"):
                    prober.get(admin_url(model, view, object_id))
            # The add page takes its initial values from the address.
            prober.get(admin_url(model, "add"), {field.name: BIG for field in model._meta.get_fields()})
    assert prober.errors == [], f"{len(prober.errors)} server errors in {prober.requests} requests: " + "\n".join(
        e[-400:] for e in prober.errors
    )


# Every other view ----------------------------------------------------------------------------


def view_urls():
    """Every named URL outside the per-model admin pages, with each argument filled in."""
    from casetracker.reports.definitions import REPORTS_BY_NAME

    model_pages = tuple(f"{m._meta.app_label}_{m._meta.model_name}_" for m in admin.site._registry)
    arguments = {
        "name": [*REPORTS_BY_NAME, "nonexistent"],
        "pk": ["1", BIG],
        "id": ["1", BIG],
        "language": ["ko"],
        "file_format": ["xlsx"],
        "content_type_id": ["1", BIG],
        "object_id": ["1", BIG],
        "app_label": ["cases"],
        "incident_pk": ["1", BIG],
        "extension": ["csv", "xlsx", "json", "pdf"],
    }

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name and not pattern.name.startswith(model_pages):
                yield f"{namespace}{pattern.name}", list(pattern.pattern.regex.groupindex)

    for name, groups in walk(get_resolver().url_patterns):
        if name in ("admin:logout", "admin:login"):
            continue  # logging out would end the probe; the login page is tests/accounts'
        combinations = [{}]
        for group in groups:
            combinations = [{**c, group: value} for c in combinations for value in arguments[group]]
        for kwargs in combinations:
            yield reverse(name, kwargs=kwargs)


def offered_links(page) -> list[str]:
    """The links with a query string a page offers (drill-downs, filters, pages), outside the admin."""
    if not page.get("Content-Type", "").startswith("text/html"):
        return []
    hrefs = re.findall(r'href="(/[^"]*\?[^"]+)"', page.content.decode())
    return [html.unescape(href) for href in hrefs if not href.startswith(("/admin/", "/static/"))]


@pytest.mark.parametrize("role", ["clerk", "supervisor", "admin"])
def test_no_view_fails_on_hostile_parameters(world, role):
    """Every view with every known parameter at once set to each value; then each link a page
    offers (a drill-down needs a valid table, row and column before it reads the rest), with
    each of its parameters in turn set to each value of ``EACH``, NUL and a long text, and each
    known parameter added with a huge number."""
    shapes = {}
    with Prober(world[role]) as prober:
        for url in view_urls():
            # A view reads its parameters through one form: each field is checked whatever the others hold.
            for value in VIEW_VALUES:
                prober.get(url, dict.fromkeys(VIEW_PARAMETERS, value))
            for link in offered_links(prober.get(url)):
                path, query = urlsplit(link).path, parse_qs(urlsplit(link).query, keep_blank_values=True)
                shapes.setdefault((path, tuple(sorted(query))), (path, query))
        for path, query in shapes.values():
            for name in query:
                for value in [*EACH, "\x00", "x" * 300]:
                    prober.get(path, {**query, name: value})
            for name in VIEW_PARAMETERS:
                prober.get(path, {**query, name: BIG})  # a filter, a page... on a valid drill-down
    assert prober.errors == [], f"{len(prober.errors)} server errors in {prober.requests} requests: " + "\n".join(
        e[-400:] for e in prober.errors
    )
