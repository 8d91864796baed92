"""The read-replica router: reads go to the replica only inside ``reading_from_replica()``,
and never for sign-in data or inside a transaction; writes and migrations stay on the primary."""

import threading

import pytest
from django.contrib.sessions.models import Session
from django.db import connections

from casetracker.accounts.models import User
from casetracker.cases.models import Incident
from casetracker.core.db_router import ReplicaRouter, on_replica, reading_from_replica
from casetracker.core.models import Office

router = ReplicaRouter()


def test_reads_go_to_the_primary_outside_report_work():
    assert router.db_for_read(Incident) == "default"


def test_reads_go_to_the_replica_inside_report_work_and_back_after():
    with reading_from_replica():
        assert router.db_for_read(Incident) == "replica"
        assert router.db_for_read(Office) == "replica"
        with reading_from_replica():
            assert on_replica()
        assert router.db_for_read(Incident) == "replica"
    assert router.db_for_read(Incident) == "default"


def test_the_context_is_also_a_decorator_and_ends_on_an_error():
    @reading_from_replica()
    def report():
        assert on_replica()
        raise ValueError

    with pytest.raises(ValueError):
        report()
    assert not on_replica()


@pytest.mark.parametrize("model", [Session, User])
def test_sign_in_data_is_always_read_from_the_primary(model):
    with reading_from_replica():
        assert router.db_for_read(model) == "default"


def test_reads_inside_a_transaction_stay_on_the_primary(monkeypatch):
    monkeypatch.setattr(connections["default"], "in_atomic_block", True)
    with reading_from_replica():
        assert router.db_for_read(Incident) == "default"


def test_writes_and_migrations_go_to_the_primary_only():
    with reading_from_replica():
        assert router.db_for_write(Incident) == "default"
    assert router.allow_migrate("default", "cases") is True
    assert router.allow_migrate("replica", "cases") is False


def test_objects_from_the_replica_may_point_to_objects_from_the_primary():
    from_replica, from_primary = Office(), Incident()
    from_replica._state.db, from_primary._state.db = "replica", "default"
    assert router.allow_relation(from_replica, from_primary) is True


def test_each_thread_has_its_own_context():
    """Gunicorn's threaded workers serve requests on threads: one request's report work
    must not send another request's reads to the replica."""
    seen = []
    with reading_from_replica():
        thread = threading.Thread(target=lambda: seen.append(router.db_for_read(Incident)))
        thread.start()
        thread.join()
    assert seen == ["default"]
