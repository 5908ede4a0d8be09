import asyncio
import dataclasses
from types import SimpleNamespace

import pytest
from fakes import FakeChannel, connect

from warren_apps.consumer import QueueConsumer


def deliver(consumer, channel, tag, body=b"hello", redelivered=False):
    method = SimpleNamespace(delivery_tag=tag, redelivered=redelivered)
    consumer._on_message(channel, method, SimpleNamespace(message_id="id%d" % tag), body)


async def test_messages_are_acknowledged_after_the_handler(settings):
    seen = []
    consumer = QueueConsumer(settings, handler=lambda d: seen.append(d.body))
    channel = FakeChannel()
    connect(consumer, channel)
    deliver(consumer, channel, 1)
    deliver(consumer, channel, 2, b"again", redelivered=True)
    await asyncio.sleep(0.01)
    assert seen == [b"hello", b"again"] and channel.acked == [1, 2]
    assert consumer._m_redelivered.value() == 1


async def test_a_failing_handler_requeues_the_message(settings):
    def handler(_delivery):
        raise RuntimeError("boom")
    consumer = QueueConsumer(dataclasses.replace(settings, retry_delay_initial=0), handler=handler)
    channel = FakeChannel()
    connect(consumer, channel)
    deliver(consumer, channel, 7)
    await asyncio.sleep(0.01)
    assert channel.nacked == [7] and channel.acked == []


async def test_failures_in_a_row_requeue_after_a_growing_capped_pause(settings, monkeypatch):
    pauses = []
    real_sleep = asyncio.sleep

    async def recording_sleep(seconds):
        pauses.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr("warren_apps.consumer.asyncio.sleep", recording_sleep)
    outcomes = iter([False, False, False, False, False, True, False])

    def handler(_delivery):
        if not next(outcomes):
            raise RuntimeError("boom")

    consumer = QueueConsumer(dataclasses.replace(settings, retry_delay_initial=0.1,
                                                 retry_delay_max=1.0), handler=handler)
    channel = FakeChannel()
    connect(consumer, channel)
    for tag in range(1, 8):
        deliver(consumer, channel, tag)
        for _ in range(5):
            await real_sleep(0)
    assert pauses == [0.1, 0.2, 0.4, 0.8, 1.0, 0.1]
    assert channel.nacked == [1, 2, 3, 4, 5, 7] and channel.acked == [6]


async def test_stop_finishes_the_messages_in_hand_before_closing(settings):
    release = asyncio.Event()
    done = []

    async def slow(delivery):
        await release.wait()
        done.append(delivery.body)

    consumer = QueueConsumer(settings, handler=slow)
    channel = FakeChannel()
    connect(consumer, channel)
    deliver(consumer, channel, 1)
    await asyncio.sleep(0)
    stopping = asyncio.create_task(consumer.stop(timeout=5))
    await asyncio.sleep(0.01)
    assert not stopping.done() and consumer.in_hand == 1
    release.set()
    await stopping
    assert done == [b"hello"] and channel.acked == [1]


async def test_a_message_finished_after_its_channel_closed_is_not_acked(settings):
    consumer = QueueConsumer(settings, handler=lambda d: None)
    channel = FakeChannel()
    connect(consumer, channel)
    channel.is_open = False
    deliver(consumer, channel, 3)
    await asyncio.sleep(0.01)
    assert channel.acked == []


@pytest.mark.parametrize("body", [b"plain", "\u00e9t\u00e9".encode()])
async def test_the_default_handler_logs_the_tutorials_line(settings, caplog, body):
    consumer = QueueConsumer(settings)
    channel = FakeChannel()
    connect(consumer, channel)
    with caplog.at_level("INFO", logger="warren.consumer"):
        deliver(consumer, channel, 1, body)
        await asyncio.sleep(0.01)
    assert "Received a message: %s" % body.decode() in caplog.text
