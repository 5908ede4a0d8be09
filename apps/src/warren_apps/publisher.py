"""The publisher: POST /publish/<message> (and a batch endpoint) answered only after RabbitMQ
confirmed each message, persistent, on one long-lived connection that fails over between nodes
and republishes whatever was not confirmed when a node went away.

Endpoints:
  POST /publish/<message>   one message, from the path (the tutorial's interface)
  POST /publish             a batch: a JSON list of strings, or one message per line
  GET  /healthz /readyz /metrics
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass

import pika
from aiohttp import web
from pika.spec import Basic
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from . import http_api, service
from .amqp import ReconnectingClient, queue_arguments
from .config import Settings

log = logging.getLogger("warren.publisher")

# A nacked message is published again after this pause, while its request has time left:
# a nack means the broker could not take the message then (e.g. a queue that is electing a
# new leader), not that it never will.
NACK_RETRY_DELAY = 0.2
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class PublishError(Exception):
    """The message was not confirmed; ``reason`` says why (HTTP 503)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(eq=False)
class Outgoing:
    body: bytes
    message_id: str
    future: asyncio.Future
    submitted: float
    deadline: float
    attempts: int = 0


class ConfirmingPublisher(ReconnectingClient):
    """Publishes persistent messages with publisher confirms.

    ``publish``/``publish_many`` return the message IDs once RabbitMQ confirmed every message,
    or raise PublishError. A message in flight when its node fails is published again on the
    next node (so a consumer may see it twice; its message_id tells).
    """

    def __init__(self, settings: Settings, registry: CollectorRegistry | None = None):
        registry = registry or CollectorRegistry()
        super().__init__(settings, registry, "publisher")
        self._outbox: deque[Outgoing] = deque()
        self._pending: dict[int, Outgoing] = {}
        self._order: deque[int] = deque()
        self._returned: set[str] = set()
        self._next_tag = 1
        self._flush_scheduled = False
        self._waiting_since = 0.0  # since the last confirm, or the first message it waits on
        # Doubles with each new channel that brings no confirm either: a queue held up for a
        # long while (e.g. a classic mirror synchronising) is not flooded with republications.
        self._stall_limit = settings.confirm_stall_timeout
        self._watch_handle = None
        self._m_published = Counter("warren_messages_published_total",
                                    "Messages handed to RabbitMQ (republications included)",
                                    registry=registry)
        self._m_confirmed = Counter("warren_messages_confirmed_total",
                                    "Messages RabbitMQ confirmed", registry=registry)
        self._m_failed = Counter("warren_messages_failed_total",
                                 "Messages not confirmed, by reason", ["reason"], registry=registry)
        self._m_republished = Counter("warren_messages_republished_total",
                                      "Messages published again, by cause", ["cause"],
                                      registry=registry)
        self._m_latency = Histogram("warren_publish_confirm_seconds",
                                    "Time from submission to confirmation",
                                    buckets=LATENCY_BUCKETS, registry=registry)

    @property
    def in_flight(self) -> int:
        return len(self._outbox) + len(self._pending)

    # --- API ---------------------------------------------------------------------------------
    async def publish(self, body: bytes, timeout: float | None = None) -> str:
        return (await self.publish_many([body], timeout))[0]

    async def publish_many(self, bodies, timeout: float | None = None) -> list[str]:
        timeout = self.settings.publish_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        messages = [self._submit(body, deadline) for body in bodies]
        futures = [m.future for m in messages]
        try:
            await asyncio.wait_for(asyncio.gather(*futures), timeout)
        except asyncio.TimeoutError:
            confirmed = sum(1 for f in futures if f.done() and not f.cancelled()
                            and f.exception() is None)
            self._m_failed.labels("timeout").inc(len(futures) - confirmed)
            raise PublishError("%d of %d message(s) not confirmed within %.1f s (%s)" % (
                len(futures) - confirmed, len(futures), timeout, self.state())) from None
        return [m.message_id for m in messages]

    def _submit(self, body: bytes, deadline: float) -> Outgoing:
        if self.unreachable and not self.ready:
            self._m_failed.labels("unreachable").inc()
            raise PublishError("no RabbitMQ node is reachable (%s)" % self.last_error)
        message = Outgoing(body, uuid.uuid4().hex, self._loop.create_future(), time.monotonic(),
                           deadline)
        self._enqueue(message)
        return message

    def _enqueue(self, message: Outgoing):
        self._outbox.append(message)
        self._schedule_flush()

    def state(self) -> str:
        if self.ready:
            return "connected to %s" % self.node
        return "reconnecting; last error: %s" % (self.last_error or "none")

    # --- life cycle ----------------------------------------------------------------------------
    def start(self):
        super().start()
        if self.settings.confirm_stall_timeout:
            self._watch_confirms()

    async def stop(self, timeout: float = 10.0):
        if self._watch_handle is not None:
            self._watch_handle.cancel()
        await super().stop(timeout)

    # --- connection hooks ----------------------------------------------------------------------
    def setup(self, channel):
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(ack_nack_callback=self._on_confirm,
                                 callback=lambda _frame: self._declare(channel))

    def _declare(self, channel):
        channel.queue_declare(self.settings.queue, durable=True,
                              arguments=queue_arguments(self.settings),
                              callback=lambda _frame: self.set_ready())

    def on_ready(self):
        self._next_tag = 1
        self._flush()

    def on_connection_lost(self):
        self._requeue_unconfirmed("failover")

    def _requeue_unconfirmed(self, cause: str):
        """Whatever was not confirmed on the channel that is gone goes back, in order, ahead of
        what was never sent."""
        unconfirmed = [self._pending[t] for t in self._order if t in self._pending]
        self._pending.clear()
        self._order.clear()
        self._returned.clear()
        again = [m for m in unconfirmed if not m.future.done()]
        for message in reversed(again):
            message.attempts += 1
            self._outbox.appendleft(message)
        if again:
            self._m_republished.labels(cause).inc(len(again))
            log.warning("%d unconfirmed message(s) will be published again", len(again))

    def on_unreachable(self):
        error = PublishError("no RabbitMQ node is reachable (%s)" % self.last_error)
        while self._outbox:
            message = self._outbox.popleft()
            if not message.future.done():
                self._m_failed.labels("unreachable").inc()
                message.future.set_exception(error)

    # --- publishing and confirms -----------------------------------------------------------------
    def _schedule_flush(self):
        if not self._flush_scheduled and self.ready:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self):
        self._flush_scheduled = False
        channel = self.channel
        if not self.ready or channel is None:
            return
        queue = self.settings.queue
        if not self._pending:
            self._waiting_since = time.monotonic()
        while self._outbox:
            message = self._outbox.popleft()
            if message.future.done():  # timed out while waiting
                continue
            tag = self._next_tag
            self._next_tag += 1
            self._pending[tag] = message
            self._order.append(tag)
            channel.basic_publish(
                "", queue, message.body,
                pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent,
                                     message_id=message.message_id,
                                     content_type="text/plain", timestamp=int(time.time())),
                mandatory=True)
            self._m_published.inc()

    def _on_return(self, _channel, _method, properties, _body):
        self._returned.add(properties.message_id)

    def _on_confirm(self, frame):
        if self.channel is None or frame.channel_number != self.channel.channel_number:
            return  # from a channel already replaced: its messages were sent again
        self._waiting_since = time.monotonic()
        self._stall_limit = self.settings.confirm_stall_timeout
        method = frame.method
        ack = isinstance(method, Basic.Ack)
        if method.multiple:
            while self._order and self._order[0] <= method.delivery_tag:
                message = self._pending.pop(self._order.popleft(), None)
                if message is not None:
                    self._settle(message, ack)
        else:
            message = self._pending.pop(method.delivery_tag, None)
            if message is not None:
                self._settle(message, ack)
            while self._order and self._order[0] not in self._pending:
                self._order.popleft()
        if not ack:
            self._replace_channel()

    def _watch_confirms(self):
        self._watch_handle = self._loop.call_later(self.settings.confirm_stall_timeout / 4,
                                                   self._watch_confirms)
        waited = time.monotonic() - self._waiting_since
        if self.blocked:  # RabbitMQ holds the messages back on purpose: no stall
            self._waiting_since = time.monotonic()
        elif self.ready and self._pending and waited > self._stall_limit:
            log.warning("no confirm from %s for %.1f s while %d message(s) wait; publishing "
                        "them on a new channel", self.node, waited, len(self._pending))
            self._stall_limit = min(self._stall_limit * 2, self.settings.publish_timeout)
            self._replace_channel()

    def _replace_channel(self):
        # A RabbitMQ channel keeps the quorum queue leader it saw first. A channel opened
        # between the death of a leader's node and the election of the next leader (or whose
        # leader just died) has every publish nacked until the dead node is back (RabbitMQ
        # 3.x), or waits on a connection to that node for up to net_setuptime (7 s). A new
        # channel asks for the current leader; what the old one did not confirm goes again.
        self._requeue_unconfirmed("new_channel")
        self.renew_channel()

    def _settle(self, message: Outgoing, ack: bool):
        if message.future.done():
            return
        if not ack:
            if time.monotonic() + NACK_RETRY_DELAY < message.deadline:
                message.attempts += 1
                self._m_republished.labels("nack").inc()
                self._loop.call_later(NACK_RETRY_DELAY, self._enqueue, message)
                return
            self._m_failed.labels("nack").inc()
            message.future.set_exception(PublishError("RabbitMQ refused the message (nack)"))
        elif message.message_id in self._returned:
            self._returned.discard(message.message_id)
            self._m_failed.labels("unroutable").inc()
            message.future.set_exception(PublishError(
                "the message could not be routed to queue %r" % self.settings.queue))
        else:
            self._m_confirmed.inc()
            self._m_latency.observe(time.monotonic() - message.submitted)
            message.future.set_result(message.message_id)


class BadRequest(Exception):
    """A batch the publisher refuses (400) before publishing anything."""


def parse_batch(body: bytes, content_type: str) -> list[bytes]:
    """A JSON list of strings, or one message per non-empty line."""
    if content_type == "application/json" or body.lstrip()[:1] == b"[":
        try:
            items = json.loads(body)
        except ValueError as e:
            raise BadRequest("the body is not valid JSON: %s" % e) from None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise BadRequest("a JSON body must be a list of strings")
        messages = [i.encode() for i in items]
    else:
        messages = [line for line in body.splitlines() if line.strip()]
    if not messages:
        raise BadRequest("the body holds no message: send a JSON list of strings or one "
                         "message per line")
    return messages


# The label of each route in warren_http_requests_total.
ROUTE_LABELS = {"/publish/{message}": "/publish/:message"}


class PublisherApp:
    """The HTTP front of a ConfirmingPublisher."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.registry = CollectorRegistry()
        self.publisher = ConfirmingPublisher(settings, self.registry)
        self._m_requests = Counter("warren_http_requests_total",
                                   "HTTP requests, by route and status", ["route", "code"],
                                   registry=self.registry)
        Gauge("warren_messages_in_flight", "Messages submitted but not yet confirmed",
              registry=self.registry).set_function(lambda: self.publisher.in_flight)
        app = http_api.application(
            [web.post("/publish/{message:.*}", self._publish_one),
             web.post("/publish", self._publish_batch, expect_handler=self._expect_batch),
             web.get("/readyz", self._readyz)],
            self.registry, "POST /publish/<message>, POST /publish, GET /healthz, /readyz, /metrics",
            client_max_size=settings.max_batch_bytes, observers=[self._count])
        # A request waits at most publish_timeout for its confirm: on a stop, each one in
        # progress gets its answer (200, or 503 when the time is up) before the connection to
        # RabbitMQ goes.
        self.server = http_api.Server(app, grace=settings.publish_timeout + 1)
        self.port = None

    async def start(self, host=None, port=None):
        self.publisher.start()
        self.port = await self.server.start(host or self.settings.http_host,
                                            self.settings.http_port if port is None else port)
        log.info("listening on port %d", self.port)

    async def stop(self):
        await self.server.stop()
        await self.publisher.stop()

    @web.middleware
    async def _count(self, request, handler):
        response = await handler(request)
        resource = request.match_info.route.resource
        route = "other" if resource is None else resource.canonical
        self._m_requests.labels(ROUTE_LABELS.get(route, route), response.status).inc()
        return response

    async def _readyz(self, _request):
        if self.publisher.ready:
            return http_api.answer({"status": "ready", "node": self.publisher.node})
        return http_api.refusal(503, self.publisher.state())

    async def _publish_one(self, request):
        message = request.match_info["message"]
        if not message:
            return http_api.refusal(400, "empty message: POST /publish/<message>")
        refused = _body_over(request, 0)  # the message is the path
        if refused is not None:
            return refused
        body = message.encode()
        if len(body) > self.settings.max_message_bytes:
            return http_api.refusal(413, "message of %d bytes is larger than the limit of %d bytes"
                                    % (len(body), self.settings.max_message_bytes))
        try:
            message_id = await self.publisher.publish(body)
        except PublishError as e:
            return http_api.refusal(503, e.reason)
        return http_api.answer({"message_id": message_id, "confirmed": True})

    async def _expect_batch(self, request):
        # Refused before the client sends the body it announced.
        refused = _body_over(request, self.settings.max_batch_bytes)
        if refused is None and request.headers.get("Expect", "").lower() == "100-continue":
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            request.writer.output_size = 0
        return refused

    async def _publish_batch(self, request):
        refused = _body_over(request, self.settings.max_batch_bytes)
        if refused is not None:
            return refused
        try:
            messages = parse_batch(await request.read(), request.content_type)
        except BadRequest as e:
            return http_api.refusal(400, str(e))
        if len(messages) > self.settings.max_batch_messages:
            return http_api.refusal(413, "%d messages is more than the limit of %d per request"
                                    % (len(messages), self.settings.max_batch_messages))
        too_big = [i for i, m in enumerate(messages) if len(m) > self.settings.max_message_bytes]
        if too_big:
            return http_api.refusal(413, "message #%d is larger than the limit of %d bytes"
                                    % (too_big[0], self.settings.max_message_bytes))
        try:
            ids = await self.publisher.publish_many(messages)
        except PublishError as e:
            return http_api.refusal(503, e.reason)
        return http_api.answer({"confirmed": len(ids), "message_ids": ids})


def _body_over(request, limit: int):
    """A 413 for a request whose announced body is over ``limit`` bytes, answered from its
    headers; None when it is within."""
    length = request.content_length
    if not length or length <= limit:
        return None
    response = http_api.refusal(413, "body of %d bytes is larger than the limit of %d bytes"
                                % (length, limit))
    # The body was not read: the connection cannot carry another request after this answer.
    response.force_close()
    return response


def main():
    service.run(PublisherApp, "warren-publisher")


if __name__ == "__main__":
    main()
