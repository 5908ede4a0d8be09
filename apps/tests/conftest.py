import pytest

from warren_apps.config import Settings


@pytest.fixture
def settings():
    return Settings(hosts=(("rabbit-1", 5672), ("rabbit-2", 5672)), publish_timeout=1.0)
