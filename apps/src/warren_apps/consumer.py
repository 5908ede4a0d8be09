"""The consumer: reads the queue with a prefetch window and manual acks, reconnects across all
nodes, resumes after the broker cancels it, and on SIGTERM finishes the messages in hand,
acknowledges them and exits cleanly.

Each message is logged as ``Received a message: <body>``; a library user passes its own
``handler`` instead.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram

from . import http_api, service
from .amqp import ReconnectingClient, queue_arguments
from .config import Settings

log = logging.getLogger("warren.consumer")

RESUBSCRIBE_DELAY = 0.5


@dataclass
class Delivery:
    body: bytes
    message_id: str | None
    redelivered: bool
    properties: object


async def log_message(delivery: Delivery):
    log.info("Received a message: %s", delivery.body.decode("utf-8", "replace"),
             extra={"message_id": delivery.message_id, "redelivered": delivery.redelivered})


class QueueConsumer(ReconnectingClient):
    def __init__(self, settings: Settings, handler=log_message,
                 registry: CollectorRegistry | None = None):
        registry = registry or CollectorRegistry()
        super().__init__(settings, registry, "consumer")
        self.handler = handler
        self._consumer_tag = None
        self._in_hand: set[asyncio.Task] = set()
        self._failures_in_a_row = 0
        self._m_received = Counter("warren_messages_received_total",
                                   "Messages delivered to the consumer", registry=registry)
        self._m_acked = Counter("warren_messages_acked_total",
                                "Messages processed and acknowledged", registry=registry)
        self._m_failed = Counter("warren_messages_failed_total",
                                 "Messages whose processing failed (requeued)", registry=registry)
        self._m_redelivered = Counter("warren_messages_redelivered_total",
                                      "Deliveries flagged as redelivered", registry=registry)
        self._m_cancelled = Counter("warren_consumer_cancelled_total",
                                    "Times the broker cancelled the consumer", registry=registry)
        self._m_seconds = Histogram("warren_message_processing_seconds",
                                    "Time to process one message",
                                    buckets=(0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5),
                                    registry=registry)

    @property
    def in_hand(self) -> int:
        return len(self._in_hand)

    # --- connection hooks ----------------------------------------------------------------------
    def setup(self, channel):
        channel.add_on_cancel_callback(self._on_cancelled)
        channel.basic_qos(prefetch_count=self.settings.prefetch,
                          callback=lambda _frame: self._subscribe(channel))

    def _subscribe(self, channel):
        if channel is not self.channel or self._stopping:
            return

        def consume(_frame):
            self._consumer_tag = channel.basic_consume(self.settings.queue, self._on_message)
            if not self.ready:
                self.set_ready()

        channel.queue_declare(self.settings.queue, durable=True,
                              arguments=queue_arguments(self.settings), callback=consume)

    def on_connection_lost(self):
        self._consumer_tag = None

    def _on_cancelled(self, _frame):
        # The broker cancels a consumer when its queue is deleted or moves to another node;
        # declare the queue again (it may have to be recreated) and resubscribe.
        self._m_cancelled.inc()
        self._consumer_tag = None
        log.warning("the broker cancelled the consumer on %s; subscribing again", self.node)
        channel = self.channel
        if channel is not None:
            self._loop.call_later(RESUBSCRIBE_DELAY, self._subscribe, channel)

    # --- messages ------------------------------------------------------------------------------
    def _on_message(self, channel, method, properties, body):
        self._m_received.inc()
        if method.redelivered:
            self._m_redelivered.inc()
        delivery = Delivery(body, properties.message_id, method.redelivered, properties)
        task = self._loop.create_task(self._process(channel, method.delivery_tag, delivery))
        self._in_hand.add(task)
        task.add_done_callback(self._in_hand.discard)

    async def _process(self, channel, tag, delivery: Delivery):
        started = time.monotonic()
        try:
            result = self.handler(delivery)
            if inspect.isawaitable(result):
                await result
        except Exception:  # noqa: BLE001 - a failing message must not stop the consumer
            self._m_failed.inc()
            self._failures_in_a_row += 1
            delay = min(self.settings.retry_delay_initial * 2 ** (self._failures_in_a_row - 1),
                        self.settings.retry_delay_max)
            log.exception("processing failed; the message goes back to the queue in %.1f s",
                          delay, extra={"message_id": delivery.message_id})
            await asyncio.sleep(delay)
            # reject, not nack: since RabbitMQ 4.3 only a reject counts towards a quorum
            # queue's delivery-limit, so a message no handler can process is dead-lettered
            # instead of coming back for ever.
            if channel.is_open:
                channel.basic_reject(tag, requeue=True)
            return
        self._failures_in_a_row = 0
        self._m_seconds.observe(time.monotonic() - started)
        # On a channel that closed meanwhile the broker redelivers the message elsewhere.
        if channel.is_open:
            channel.basic_ack(tag)
            self._m_acked.inc()

    # --- stopping ------------------------------------------------------------------------------
    async def stop(self, timeout: float | None = None):
        """Stop receiving, finish and acknowledge the messages in hand, then disconnect."""
        timeout = self.settings.drain_timeout if timeout is None else timeout
        self._stopping = True
        channel, tag = self.channel, self._consumer_tag
        if channel is not None and channel.is_open and tag is not None:
            cancelled = asyncio.Event()
            channel.basic_cancel(tag, callback=lambda _frame: cancelled.set())
            try:
                await asyncio.wait_for(cancelled.wait(), 5)
            except asyncio.TimeoutError:
                log.warning("the broker did not confirm the cancellation")
        if self._in_hand:
            log.info("finishing %d message(s) in hand", len(self._in_hand))
            done, pending = await asyncio.wait(set(self._in_hand), timeout=timeout)
            if pending:
                log.warning("%d message(s) not finished within %.0f s; they will be redelivered",
                            len(pending), timeout)
        await super().stop()


class ConsumerApp:
    """The consumer with its health and metrics endpoints."""

    def __init__(self, settings: Settings, handler=log_message):
        self.settings = settings
        self.registry = CollectorRegistry()
        self.consumer = QueueConsumer(settings, handler, self.registry)
        self.server = http_api.Server(http_api.application(
            [web.get("/readyz", self._readyz)], self.registry,
            "GET /healthz, /readyz, /metrics"))
        self.port = None

    async def start(self, host=None, port=None):
        self.consumer.start()
        self.port = await self.server.start(host or self.settings.http_host,
                                            self.settings.http_port if port is None else port)

    async def stop(self):
        await self.consumer.stop()
        await self.server.stop()

    async def _readyz(self, _request):
        if self.consumer.ready:
            return http_api.answer({"status": "consuming", "node": self.consumer.node})
        return http_api.refusal(503, "not consuming; last error: %s"
                                % (self.consumer.last_error or "none"))


def main():
    service.run(ConsumerApp, "warren-consumer")


if __name__ == "__main__":
    main()
