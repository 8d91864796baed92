import secrets

import pytest
from django.core.cache import cache
from django.test import Client

from casetracker.core.models import LocalOffice, Office
from tests.factories import ApiTokenFactory


class Api:
    """A client that calls the API with one token."""

    def __init__(self, raw: str | None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Token {raw}"} if raw else {}

    def get(self, path: str, params=None, **extra):
        return self.client.get(path, params or {}, **self.headers, **extra)

    def call(self, method: str, path: str, **extra):
        return getattr(self.client, method)(path, **self.headers, **extra)


@pytest.fixture(autouse=True)
def fresh_rate_counts():
    cache.clear()  # the throttle's counts live in the cache


@pytest.fixture
def api_for():
    """``api_for(scope)``: a client with a new token of that scope (None, an Office or a LocalOffice)."""

    def make(scope=None, **kwargs) -> Api:
        if isinstance(scope, LocalOffice):
            kwargs.update(office=scope.office, local_office=scope)
        elif isinstance(scope, Office):
            kwargs.update(office=scope)
        raw = f"ct_test_{secrets.token_hex(8)}"
        api = Api(raw)
        api.token = ApiTokenFactory(raw=raw, **kwargs)
        return api

    return make
