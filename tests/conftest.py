"""Shared fixtures: the shipped dataset, users, the admin checks every registered model gets, and the
check that every test leaves each incident's stored status and referrals in step with its records."""

import contextlib
import functools
import io
import operator
import sys
from collections.abc import Callable

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.core.signals import request_started
from django.db import connection, models, transaction
from django.test import RequestFactory
from django.urls import Resolver404, resolve, reverse

from tests.factories import FACTORY_BY_MODEL, UserFactory


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "writes_around_services: the test writes raw rows on purpose (e.g. to test a database constraint)"
    )


# The shipped dataset, and rows a module's tests share -------------------------------------------------
# Loading fixtures/ takes seconds, so a process (each xdist worker) loads it once, in a transaction it
# keeps open across the tests that ask for ``shipped_data``; each of them runs in a savepoint inside it,
# as any test does. Before any other test opens the database, that transaction is rolled back, so the
# test sees the database as the migrations left it. The tests on the shipped data run first
# (pytest_collection_modifyitems), so that a process loads it once, whatever the order of the rest.
# A module's own rows, when many of its tests start from the same ones, are kept the same way
# (``rows_kept``): made once for the module's tests that ask for them one after the other.


class KeptRows:
    """Rows made once in a transaction left open (the shipped data, or a ``rows_kept`` fixture's), or none."""

    def __init__(self, blocker):
        self.blocker = blocker
        self.transaction = None
        self.key = None
        self.value = None

    def make(self, key: str, build: Callable) -> None:
        if self.transaction is not None and self.key == key:
            return
        self.roll_back()
        with self.blocker.unblock():
            self.transaction = transaction.atomic()
            self.transaction.__enter__()
            try:
                self.value = build()
            except BaseException:
                self.transaction.__exit__(*sys.exc_info())
                self.transaction = None
                raise
        self.key = key

    def roll_back(self) -> None:
        if self.transaction is None:
            return
        with self.blocker.unblock():
            transaction.set_rollback(True)
            self.transaction.__exit__(None, None, None)
        self.transaction = self.key = self.value = None


@pytest.fixture(scope="session")
def shipped_dataset(django_db_setup, django_db_blocker):
    dataset = KeptRows(django_db_blocker)
    yield dataset
    dataset.roll_back()


@pytest.fixture
def shipped_data(db):
    """Every file in fixtures/, loaded the way the README says (once per process: see KeptRows)."""


def load_shipped_data() -> None:
    call_command("load_shipped_data", stdout=io.StringIO())


def rows_kept(build: Callable) -> Callable:
    """A fixture named as ``build``, a function of a test module that writes rows and returns what the
    tests read of them: the rows made once (KeptRows) for the tests that ask for it in a row, instead of
    once per test, each test in a savepoint of its own. What ``build`` returns is shared by those
    tests, so they must not change it (the rows they may: their savepoint is rolled back)."""

    def fixture(shipped_dataset, db):
        return shipped_dataset.value

    fixture.kept_rows = (f"{build.__module__}.{build.__qualname__}", build)
    fixture.__doc__ = build.__doc__
    return pytest.fixture(name=build.__name__)(fixture)


def kept_rows_asked(request) -> list[tuple[str, Callable]]:
    """(key, build) of the kept rows a test asks for: the shipped data, a ``rows_kept`` fixture."""
    asked = [("shipped data", load_shipped_data)] if "shipped_data" in request.fixturenames else []
    for name in request.fixturenames:
        definitions = request._fixturemanager.getfixturedefs(name, request.node) or ()
        if definitions and hasattr(definitions[-1].func, "kept_rows"):
            asked.append(definitions[-1].func.kept_rows)
    return asked


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef, request):
    """Make or roll back the kept rows just before pytest-django opens a test's database.

    ``_django_db_helper`` is pytest-django's one way in (behind ``db``, ``transactional_db``,
    ``live_server`` and the django_db mark), so this holds whatever order a test's fixtures come in."""
    if fixturedef.argname != "_django_db_helper":
        return
    dataset = request.getfixturevalue("shipped_dataset")
    asked = kept_rows_asked(request)
    if not asked:
        dataset.roll_back()
        return
    marker = request.node.get_closest_marker("django_db")
    if (marker and marker.kwargs.get("transaction")) or {"transactional_db", "live_server"} & set(request.fixturenames):
        raise pytest.UsageError(f"{request.node.nodeid}: the kept rows are for tests inside a transaction only")
    if len(asked) > 1:
        raise pytest.UsageError(f"{request.node.nodeid}: one set of kept rows at a time ({[k for k, _ in asked]})")
    dataset.make(*asked[0])


def pytest_collection_modifyitems(items):
    """The tests on the shipped data first (pytest-django has already put the tests in a transaction
    before the others; this keeps them there), so that a process loads the data once."""
    items.sort(key=lambda item: "shipped_data" not in getattr(item, "fixturenames", ()))


@pytest.fixture(autouse=True)
def derived_fields_in_step(request):
    """After each test with the database, every incident's stored status, referrals and open work
    match its records, the open work's sums per local office match the incidents
    (``cases/open_work.py``) and the work-queue items' local office their school's
    (``cases/local_offices.py``): whatever the test did through the services, the admin, imports or commands."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    raw = request.node.get_closest_marker("writes_around_services") is not None
    if raw or transactional or (marker is None and "db" not in request.fixturenames):
        yield
        return
    request.getfixturevalue("db")
    yield
    from casetracker.cases import open_work
    from casetracker.cases.models import Incident
    from casetracker.cases.status import out_of_step

    if stale_incidents_found():
        stale = list(
            Incident.objects.filter(pk__in=out_of_step(Incident.objects.all())).values_list("case_number", "status")
        )
        assert not stale, f"stored status or referrals out of step with the records: {stale[:10]}"
    sums = open_work.out_of_step()
    assert not sums, f"open work's sums (office, local office, kind, stored, summed) out of step: {sums[:10]}"
    from casetracker.cases import local_offices

    items = local_offices.out_of_step()
    assert not items, f"work-queue items' local office (model, pk, stored, the school's) out of step: {items[:10]}"


@functools.cache
def stale_incidents_statement(vendor: str) -> tuple[str, tuple]:
    """One statement that finds the incidents whose stored derived fields differ from what their
    records give (``status.derived_expressions``, the rule the triggers are made of, as
    ``status.out_of_step`` compares them), built once: the rule compiles to the same SQL for every test,
    and building it is most of a check's cost. (Each field is NOT NULL, so ``=`` compares them all.)"""
    from django.db.models import F, Q

    from casetracker.cases.models import Incident
    from casetracker.cases.status import derived_expressions

    derived = {f"derived_{field}": expression for field, expression in derived_expressions().items()}
    differs = functools.reduce(operator.or_, (~Q(**{name[len("derived_") :]: F(name)}) for name in derived))
    incidents = Incident.objects.annotate(**derived).filter(differs).order_by().values_list("pk", flat=True)[:1]
    sql, params = incidents.query.sql_with_params()
    return sql, tuple(params)


def stale_incidents_found() -> bool:
    """Whether any incident's stored derived fields are out of step (``stale_incidents_statement``)."""
    sql, params = stale_incidents_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


@pytest.fixture(autouse=True)
def reports_computed_afresh(settings):
    """Each test starts with no report in the cache: one that another test computed over the same rows
    (the shipped data) would be served, and a page's queries would depend on the tests' order."""
    from django.core.cache import caches

    caches[settings.REPORTS_CACHE].clear()


@functools.cache
def views_to_request() -> dict[str, set[str]]:
    from tests.scoping.test_coverage import named_tests

    return named_tests()


@pytest.fixture(autouse=True)
def requests_the_views_it_covers(request):
    """A test that tests/scoping/test_coverage.py names as the scoping test of a view requests it."""
    node_id = request.node.nodeid
    expected = views_to_request().get(node_id, set()) | views_to_request().get(node_id.split("[")[0], set())
    if not expected:
        yield
        return
    requested = set()

    def record(sender, environ, **kwargs):
        with contextlib.suppress(Resolver404):
            requested.add(resolve(environ["PATH_INFO"]).view_name)

    request_started.connect(record, weak=False)
    try:
        yield
    finally:
        request_started.disconnect(record)
    missing = expected - requested
    assert not missing, f"tests/scoping/test_coverage.py names {node_id} for {sorted(missing)}, which it never requests"


@pytest.fixture
def admin_user(db):
    """A national admin; replaces pytest-django's, whose superuser would be a clerk without an office."""
    return UserFactory(username="admin", superuser=True)


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk")


def registered_models(*, app_label: str | None = None, exclude_app_label: str | None = None) -> list:
    """``pytest.param`` per model in the admin site, for parametrizing smoke tests."""
    return [
        pytest.param(model, id=f"{model._meta.app_label}.{model._meta.model_name}")
        for model in admin.site._registry
        if (app_label is None or model._meta.app_label == app_label)
        and (exclude_app_label is None or model._meta.app_label != exclude_app_label)
    ]


@pytest.fixture
def check_admin_pages(admin_client, admin_user) -> Callable[[type[models.Model]], None]:
    """Open the changelist, search, add, change, history and delete pages of one admin,
    and every autocomplete it uses, on an object made by the model's factory."""

    def check(model: type[models.Model]) -> None:
        model_admin = admin.site._registry[model]
        tracked = getattr(model, "instance_type", None)  # a django-simple-history record
        factory_class = FACTORY_BY_MODEL.get(tracked or model)
        assert factory_class is not None, f"add a factory for {(tracked or model).__name__} to tests/factories.py"
        obj = factory_class()
        if tracked is not None:
            obj = obj.history.latest()
        request = RequestFactory().get("/")
        request.user = admin_user
        read_only = not model_admin.has_add_permission(request)
        may_delete = model_admin.has_delete_permission(request, obj)
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"

        response = admin_client.get(reverse(f"{info}_changelist"))
        assert response.status_code == 200
        assert obj.pk in {row.pk for row in response.context["cl"].result_list}

        if model_admin.search_fields:
            response = admin_client.get(reverse(f"{info}_changelist"), {"q": "no such thing"})
            assert response.status_code == 200

        response = admin_client.get(reverse(f"{info}_add"))
        if read_only:
            assert response.status_code == 403
        else:
            assert response.status_code == 200
            assert response.context["add"] is True

        response = admin_client.get(reverse(f"{info}_change", args=[obj.pk]))
        assert response.status_code == 200
        assert response.context["original"] == obj

        response = admin_client.get(reverse(f"{info}_history", args=[obj.pk]))
        assert response.status_code == 200
        response = admin_client.get(reverse(f"{info}_delete", args=[obj.pk]))
        assert response.status_code == (200 if may_delete else 403)

        for field_name in model_admin.autocomplete_fields:
            response = admin_client.get(
                reverse("admin:autocomplete"),
                {
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": field_name,
                    "term": "",
                },
            )
            assert response.status_code == 200, field_name
            assert "results" in response.json()

    return check
