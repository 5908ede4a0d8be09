import asyncio
import dataclasses

import pytest
from fakes import metric, settle

from warren_apps.consumer import QueueConsumer
from prometheus_client import CollectorRegistry


@pytest.fixture
async def consume(settings, broker):
    """consume(handler, **settings) -> a consumer subscribed through the fake broker."""
    started = []

    async def start(handler, **changes):
        registry = CollectorRegistry()
        consumer = QueueConsumer(dataclasses.replace(settings, **changes), handler, registry)
        consumer.registry = registry
        consumer.start()
        await settle()
        assert consumer.ready and broker.channel.prefetch == settings.prefetch
        started.append(consumer)
        return consumer

    yield start
    for consumer in started:
        await consumer.stop(timeout=1)


async def test_messages_are_acknowledged_after_the_handler(consume, broker):
    seen = []
    consumer = await consume(lambda d: seen.append((d.body, d.message_id, d.redelivered)))
    broker.channel.deliver(b"hello", message_id="m1")
    broker.channel.deliver(b"again", message_id="m2", redelivered=True)
    await settle()
    assert seen == [(b"hello", "m1", False), (b"again", "m2", True)]
    assert broker.channel.acked == [1, 2]
    assert metric(consumer.registry, "warren_messages_redelivered_total") == 1


async def test_a_failing_handler_requeues_the_message(consume, broker):
    def handler(_delivery):
        raise RuntimeError("boom")
    await consume(handler, retry_delay_initial=0)
    broker.channel.deliver(b"poison")
    await settle()
    assert broker.channel.rejected == [1] and broker.channel.acked == []


async def test_failures_in_a_row_requeue_after_a_growing_capped_pause(consume, broker, monkeypatch):
    pauses = []
    real_sleep = asyncio.sleep

    async def recording_sleep(seconds):
        if seconds:  # the event loop's own yields (settle) are not pauses
            pauses.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr("warren_apps.consumer.asyncio.sleep", recording_sleep)
    outcomes = iter([False, False, False, False, False, True, False])

    def handler(_delivery):
        if not next(outcomes):
            raise RuntimeError("boom")

    await consume(handler, retry_delay_initial=0.1, retry_delay_max=1.0)
    for _ in range(7):
        broker.channel.deliver(b"m")
        await settle()
    assert pauses == [0.1, 0.2, 0.4, 0.8, 1.0, 0.1]
    assert broker.channel.rejected == [1, 2, 3, 4, 5, 7] and broker.channel.acked == [6]


async def test_stop_finishes_the_messages_in_hand_before_closing(consume, broker):
    release = asyncio.Event()
    done = []

    async def slow(delivery):
        await release.wait()
        done.append(delivery.body)

    consumer = await consume(slow)
    broker.channel.deliver(b"hello")
    await settle()
    stopping = asyncio.create_task(consumer.stop(timeout=5))
    await settle()
    assert not stopping.done() and consumer.in_hand == 1
    release.set()
    await stopping
    assert done == [b"hello"] and broker.channel.acked == [1]
    assert broker.connections[-1].is_closed


async def test_a_message_finished_after_its_channel_closed_is_not_acked(consume, broker):
    release = asyncio.Event()

    async def slow(_delivery):
        await release.wait()

    await consume(slow)
    channel = broker.channel
    channel.deliver(b"late")
    broker.lose()
    release.set()
    await settle()
    assert channel.acked == []


async def test_a_cancelled_consumer_subscribes_again(consume, broker):
    consumer = await consume(lambda d: None)
    broker.channel.cancel_consumer()
    await asyncio.sleep(0.6)
    broker.channel.deliver(b"after the cancel")
    await settle()
    assert broker.channel.acked == [1]
    assert metric(consumer.registry, "warren_consumer_cancelled_total") == 1


@pytest.mark.parametrize("body", [b"plain", "\u00e9t\u00e9".encode()])
async def test_the_default_handler_logs_the_tutorials_line(settings, broker, caplog, body):
    consumer = QueueConsumer(settings)
    consumer.start()
    await settle()
    with caplog.at_level("INFO", logger="warren.consumer"):
        broker.channel.deliver(body)
        await settle()
    assert "Received a message: %s" % body.decode() in caplog.text
