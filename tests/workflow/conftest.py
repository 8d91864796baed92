import pytest
from django.utils.translation import override


@pytest.fixture(autouse=True)
def english():
    """Messages in English, so they compare with the source strings (the site's default is Korean)."""
    with override("en"):
        yield
