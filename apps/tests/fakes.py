"""A stand-in for RabbitMQ at pika's interface, so that the apps' unit tests drive the apps only
through what they use of pika: the AsyncioConnection they open and the channel it gives them.

``broker`` (a fixture) replaces AsyncioConnection; a test starts an app's client the normal way
(``client.start()``), then plays the broker's part on ``broker.channel``: confirm, refuse or
return what was published, deliver messages, cancel the consumer, or ``broker.lose()`` the
connection as a failing node would, or block it (``broker.connections[-1].block()``) as a
node short of memory does.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from pika import frame, spec
from pika.exceptions import AMQPConnectionError


@dataclass
class Published:
    routing_key: str
    body: bytes
    properties: object
    mandatory: bool

    @property
    def message_id(self):
        return self.properties.message_id


class FakeChannel:
    def __init__(self, connection, channel_number):
        self.connection = connection
        self.channel_number = channel_number
        self.is_open = True
        self.published: list[Published] = []
        self.declared: list[tuple[str, dict]] = []
        self.acked: list[int] = []
        self.rejected: list[int] = []
        self.prefetch = None
        self._close_callbacks, self._return_callbacks, self._cancel_callbacks = [], [], []
        self._confirm = None
        self._consumer = None
        self._delivery_tag = 0

    def _frame(self, method):
        return frame.Method(self.channel_number, method)

    # --- what the apps call ------------------------------------------------------------------
    def add_on_close_callback(self, callback):
        self._close_callbacks.append(callback)

    def close(self, reply_code=200, reply_text="Normal shutdown"):
        self.is_open = False
        for callback in self._close_callbacks:
            asyncio.get_running_loop().call_soon(callback, self, reply_text)

    def add_on_return_callback(self, callback):
        self._return_callbacks.append(callback)

    def add_on_cancel_callback(self, callback):
        self._cancel_callbacks.append(callback)

    def confirm_delivery(self, ack_nack_callback, callback=None):
        self._confirm = ack_nack_callback
        if callback:
            callback(self._frame(spec.Confirm.SelectOk()))

    def queue_declare(self, queue, durable=False, arguments=None, callback=None):
        self.declared.append((queue, dict(arguments or {})))
        if callback:
            callback(self._frame(spec.Queue.DeclareOk(queue)))

    def basic_publish(self, exchange, routing_key, body, properties=None, mandatory=False):
        self.published.append(Published(routing_key, body, properties, mandatory))
        if self.connection.broker.confirming:
            asyncio.get_running_loop().call_soon(self.ack, len(self.published))

    def basic_qos(self, prefetch_count=0, callback=None):
        self.prefetch = prefetch_count
        if callback:
            callback(self._frame(spec.Basic.QosOk()))

    def basic_consume(self, queue, on_message_callback):
        self._consumer = on_message_callback
        return "ctag-1"

    def basic_cancel(self, consumer_tag, callback=None):
        self._consumer = None
        if callback:
            callback(self._frame(spec.Basic.CancelOk(consumer_tag)))

    def basic_ack(self, delivery_tag):
        self.acked.append(delivery_tag)

    def basic_reject(self, delivery_tag, requeue=True):
        self.rejected.append(delivery_tag)

    # --- what the broker does ----------------------------------------------------------------
    def ack(self, tag, multiple=False):
        self._confirm(self._frame(spec.Basic.Ack(delivery_tag=tag, multiple=multiple)))

    def nack(self, tag, multiple=False):
        self._confirm(self._frame(spec.Basic.Nack(delivery_tag=tag, multiple=multiple)))

    def return_unroutable(self, index):
        message = self.published[index]
        for callback in self._return_callbacks:
            callback(self, spec.Basic.Return(312, "NO_ROUTE", "", message.routing_key),
                     message.properties, message.body)

    def deliver(self, body: bytes, message_id=None, redelivered=False) -> int:
        self._delivery_tag += 1
        method = spec.Basic.Deliver("ctag-1", self._delivery_tag, redelivered, "", "publisher")
        self._consumer(self, method, spec.BasicProperties(message_id=message_id), body)
        return self._delivery_tag

    def cancel_consumer(self):
        self._consumer = None
        for callback in self._cancel_callbacks:
            callback(self._frame(spec.Basic.Cancel("ctag-1")))


class FakeConnection:
    def __init__(self, broker, parameters, on_open_callback, on_open_error_callback,
                 on_close_callback, custom_ioloop):
        self.broker, self.parameters = broker, parameters
        self.node = "%s:%d" % (parameters.host, parameters.port)
        self._on_close = on_close_callback
        self._on_blocked, self._on_unblocked = [], []
        self.is_open = self.is_closed = False
        broker.connections.append(self)
        if self.node in broker.refusing:
            self.is_closed = True  # as pika's, once the connection attempt failed
            custom_ioloop.call_soon(on_open_error_callback, self,
                                    AMQPConnectionError("connection refused"))
        else:
            self.is_open = True
            custom_ioloop.call_soon(on_open_callback, self)

    def channel(self, on_open_callback):
        number = 1 + sum(1 for c in self.broker.channels if c.connection is self)
        channel = FakeChannel(self, number)
        self.broker.channels.append(channel)
        asyncio.get_running_loop().call_soon(on_open_callback, channel)

    def add_on_connection_blocked_callback(self, callback):
        self._on_blocked.append(callback)

    def add_on_connection_unblocked_callback(self, callback):
        self._on_unblocked.append(callback)

    def block(self, reason="low on memory"):
        for callback in self._on_blocked:
            callback(self, frame.Method(0, spec.Connection.Blocked(reason)))

    def unblock(self):
        for callback in self._on_unblocked:
            callback(self, frame.Method(0, spec.Connection.Unblocked()))

    def close(self, reason="closed by the client"):
        if self.is_closed:
            return
        self.is_open, self.is_closed = False, True
        asyncio.get_running_loop().call_soon(self._on_close, self, reason)


class FakeBroker:
    """Every connection and channel the apps opened, newest last; ``refusing`` holds the nodes
    ("host:port") that refuse connections; while ``confirming``, each message published is
    confirmed on the event loop's next turn."""

    def __init__(self):
        self.connections: list[FakeConnection] = []
        self.channels: list[FakeChannel] = []
        self.refusing: set[str] = set()
        self.confirming = False

    def connection_class(self, parameters, **callbacks):
        return FakeConnection(self, parameters, **callbacks)

    @property
    def channel(self) -> FakeChannel:
        return self.channels[-1]

    def lose(self, reason="the node went away"):
        """The current connection fails, as when its node dies."""
        connection = self.connections[-1]
        connection.is_open, connection.is_closed = False, True
        for channel in self.channels:
            if channel.connection is connection:
                channel.is_open = False
        connection._on_close(connection, reason)


async def settle(rounds=5):
    """Let the event loop run the callbacks scheduled so far."""
    for _ in range(rounds):
        await asyncio.sleep(0)


def metric(registry, name, **labels) -> float:
    """A sample's value in a prometheus_client registry (0 when it was never set)."""
    return registry.get_sample_value(name, labels) or 0.0
