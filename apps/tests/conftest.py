import pytest
from fakes import FakeBroker

from warren_apps.config import Settings


@pytest.fixture
def settings():
    return Settings(hosts=(("rabbit-1", 5672), ("rabbit-2", 5672)), publish_timeout=1.0,
                    reconnect_initial=0.01, reconnect_max=0.05, log_format="text")


@pytest.fixture
def broker(monkeypatch):
    """RabbitMQ's stand-in at pika's interface (see fakes.py)."""
    fake = FakeBroker()
    monkeypatch.setattr("warren_apps.amqp.AsyncioConnection", fake.connection_class)
    return fake
