"""Report reads on a read replica, when there is one (``DATABASE_REPLICA_URL``).

Only report work reads from the replica: the report pages, their files and the ``report``
command run inside ``reading_from_replica()``. Every other read, and every write, goes to
the primary ("default"). The settings install ``ReplicaRouter`` only when a replica is
configured; without one, nothing here has any effect.

A replica lags behind the primary (with PostgreSQL streaming replication, usually well
under a second; longer while it replays a large transaction). So a report opened right
after a save may not count that save yet; it will on the next reload. Nothing a user
saves is read back from the replica to decide something: sessions, accounts (and so
their scope), lockouts and second factors are always read from the primary.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

# A context variable rather than a thread-local: correct under threads and async alike.
_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)

# Always read where they were just written: who is signed in, what their account may see, their
# lockout and their second factor. A lagging replica would log users out, keep showing a scope
# an admin has just narrowed, or let a locked-out account in.
PRIMARY_ONLY_APPS = frozenset({"sessions", "accounts", "axes", "otp_totp", "otp_static"})


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Send this block's reads to the replica (if one is configured). Also a decorator:
    ``@reading_from_replica()``."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def on_replica() -> bool:
    """Whether the current code runs inside ``reading_from_replica()``."""
    return _reading_from_replica.get()


class ReplicaRouter:
    """Reads inside ``reading_from_replica()`` go to the replica; everything else to the primary."""

    def db_for_read(self, model, **hints) -> str:
        if not on_replica() or model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        # Inside a transaction on the primary, reads see that transaction's own writes.
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the same rows: an object read there may point to one read here.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # The replica copies the primary's schema; migrations run on the primary only.
        return db == DEFAULT_DB_ALIAS
