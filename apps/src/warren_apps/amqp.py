"""The connection logic the publisher and the consumer share: one pika connection at a time on
the asyncio loop, and when it fails, the next node of the cluster, with capped backoff once a
whole round of nodes has failed."""

from __future__ import annotations

import asyncio
import logging
import random
import ssl

import pika
from pika.adapters.asyncio_connection import AsyncioConnection
from prometheus_client import Counter, Gauge

from .config import Settings


def connection_parameters(settings: Settings, host: str, port: int, name: str):
    ssl_options = None
    if settings.tls is not None:
        tls = settings.tls
        context = ssl.create_default_context(cafile=tls.ca_file)
        if tls.cert_file:
            context.load_cert_chain(tls.cert_file, tls.key_file)
        if not tls.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        ssl_options = pika.SSLOptions(context, server_hostname=tls.server_name or host)
    return pika.ConnectionParameters(
        host=host, port=port, virtual_host=settings.vhost,
        credentials=pika.PlainCredentials(settings.username, settings.password),
        heartbeat=settings.heartbeat, connection_attempts=1,
        socket_timeout=settings.connect_timeout, stack_timeout=settings.connect_timeout * 2,
        blocked_connection_timeout=None, ssl_options=ssl_options,
        client_properties={"connection_name": name})


def describe(error) -> str:
    """A short, readable reason for a pika or socket error."""
    text = str(error) or type(error).__name__
    return text if len(text) < 300 else text[:300] + "..."


def queue_arguments(settings: Settings) -> dict:
    return {"x-queue-type": settings.queue_type} if settings.queue_type else {}


class ReconnectingClient:
    """Keeps one channel open on some node of the cluster.

    Subclasses set the channel up in ``setup`` and call ``set_ready`` when it is usable; they
    are told about ``on_ready``, ``on_connection_lost`` and ``on_unreachable`` (a whole round of
    nodes failed). Everything runs on the asyncio loop that called ``start``.
    """

    def __init__(self, settings: Settings, registry, name: str):
        self.settings = settings
        self.name = name
        self.log = logging.getLogger("warren." + name)
        self.ready = False
        self.unreachable = False
        # RabbitMQ stops reading from a blocked connection (a memory or disk alarm).
        self.blocked = False
        self.last_error = ""
        self.channel = None
        self.node = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connection = None
        self._stopping = False
        self._closed: asyncio.Event | None = None
        self._index = random.randrange(len(settings.hosts))
        self._failed_in_round = 0
        self._backoff = settings.reconnect_initial
        self._retry_handle = None
        self._renewing = False
        self._m_connected = Gauge("warren_amqp_connected",
                                  "1 while a channel to a RabbitMQ node is usable",
                                  registry=registry)
        self._m_attempts = Counter("warren_amqp_connection_attempts_total",
                                   "Connection attempts, by outcome", ["outcome"],
                                   registry=registry)
        self._m_lost = Counter("warren_amqp_connections_lost_total",
                               "Usable connections that were lost", registry=registry)

    # --- hooks ---------------------------------------------------------------------------------
    def setup(self, channel):
        raise NotImplementedError

    def on_ready(self):
        pass

    def on_connection_lost(self):
        pass

    def on_unreachable(self):
        pass

    # --- life cycle ----------------------------------------------------------------------------
    def start(self):
        self._loop = asyncio.get_running_loop()
        self._closed = asyncio.Event()
        self._connect()

    async def stop(self, timeout: float = 10.0):
        self._stopping = True
        if self._retry_handle is not None:
            self._retry_handle.cancel()
        connection = self._connection
        if connection is None or connection.is_closed:
            return
        if connection.is_open:
            connection.close()
        try:
            await asyncio.wait_for(self._closed.wait(), timeout)
        except asyncio.TimeoutError:
            self.log.warning("connection did not close within %.0f s", timeout)

    def set_ready(self):
        self.ready, self.unreachable = True, False
        self._failed_in_round = 0
        self._backoff = self.settings.reconnect_initial
        self._m_connected.set(1)
        if self._renewing:
            self._renewing = False
            self.log.info("new channel on %s", self.node, extra={"node": self.node})
        else:
            self.log.info("connected to %s", self.node, extra={"node": self.node})
        self.on_ready()

    def renew_channel(self):
        """Closes the channel and opens a fresh one on the same connection: ``setup`` runs on
        it as on the first, and ``set_ready`` again. Meanwhile ``ready`` is false; whatever was
        in flight on the old channel is the subclass's to send again."""
        connection, old = self._connection, self.channel
        if old is None or connection is None or not connection.is_open:
            return
        self.ready, self.channel, self._renewing = False, None, True
        connection.channel(on_open_callback=self._on_channel_open)
        if old.is_open:
            old.close()

    # --- internals -----------------------------------------------------------------------------
    def _connect(self):
        self._retry_handle = None
        if self._stopping:
            return
        host, port = self.settings.hosts[self._index]
        self.node = "%s:%d" % (host, port)
        params = connection_parameters(self.settings, host, port, "warren-" + self.name)
        self._connection = AsyncioConnection(
            params, on_open_callback=self._on_open, on_open_error_callback=self._on_open_error,
            on_close_callback=self._on_closed, custom_ioloop=self._loop)
        self._connection.add_on_connection_blocked_callback(self._on_blocked)
        self._connection.add_on_connection_unblocked_callback(self._on_unblocked)

    def _on_blocked(self, _connection, frame):
        self.blocked = True
        self.log.warning("%s blocked this connection: %s", self.node, frame.method.reason,
                         extra={"node": self.node})

    def _on_unblocked(self, _connection, _frame):
        self.blocked = False
        self.log.info("%s unblocked this connection", self.node, extra={"node": self.node})

    def _on_open(self, connection):
        self._m_attempts.labels("opened").inc()
        if self._stopping:
            connection.close()
            return
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_channel_open(self, channel):
        self.channel = channel
        channel.add_on_close_callback(self._on_channel_closed)
        self.setup(channel)

    def _on_channel_closed(self, channel, reason):
        if channel is not self.channel:
            return
        self.channel = None
        if not self._stopping:
            self.log.warning("channel on %s closed: %s", self.node, describe(reason),
                             extra={"node": self.node})
            self.last_error = "%s: %s" % (self.node, describe(reason))
        if self._connection is not None and self._connection.is_open:
            self._connection.close()

    def _on_open_error(self, connection, error):
        self._m_attempts.labels("failed").inc()
        self.last_error = "%s: %s" % (self.node, describe(error))
        self.log.warning("cannot connect to %s: %s", self.node, describe(error),
                         extra={"node": self.node})
        self._next_node(failed=True)

    def _on_closed(self, connection, reason):
        was_ready = self.ready or self._renewing
        self.ready, self.channel, self._renewing, self.blocked = False, None, False, False
        self._m_connected.set(0)
        if self._stopping:
            self._closed.set()
            return
        if was_ready:
            self._m_lost.inc()
            self.log.warning("connection to %s lost: %s; trying the next node", self.node,
                             describe(reason), extra={"node": self.node})
            self.on_connection_lost()
            self._failed_in_round = 0
            self._next_node(failed=False)
        else:
            # Opened but never usable (e.g. the queue could not be declared): a failed attempt.
            self.last_error = self.last_error or "%s: %s" % (self.node, describe(reason))
            self._next_node(failed=True)

    def _next_node(self, failed: bool):
        if self._stopping:
            self._closed.set()
            return
        self._index = (self._index + 1) % len(self.settings.hosts)
        if failed:
            self._failed_in_round += 1
        if self._failed_in_round >= len(self.settings.hosts):
            self._failed_in_round = 0
            self.unreachable = True
            self.on_unreachable()
            delay, self._backoff = self._backoff, min(self._backoff * 2, self.settings.reconnect_max)
            self.log.error("no RabbitMQ node reachable (last: %s); retrying in %.1f s",
                           self.last_error, delay)
            self._retry_handle = self._loop.call_later(delay, self._connect)
        else:
            self._retry_handle = self._loop.call_soon(self._connect)
