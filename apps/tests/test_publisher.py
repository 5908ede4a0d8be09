import asyncio
import dataclasses

import aiohttp

import pytest
from fakes import metric, settle

from prometheus_client import CollectorRegistry
from warren_apps.publisher import (BadRequest, ConfirmingPublisher, PublisherApp, PublishError,
                                   parse_batch)


@pytest.fixture
async def start_publisher(settings, broker):
    """Starts a publisher on the fake broker with ``settings`` changed as given, its metrics in
    ``publisher.registry``; each is stopped after the test."""
    started = []

    async def start(**changes):
        registry = CollectorRegistry()
        publisher = ConfirmingPublisher(dataclasses.replace(settings, **changes), registry)
        publisher.registry = registry
        publisher.start()
        started.append(publisher)
        await settle()
        assert publisher.ready
        return publisher

    yield start
    for publisher in started:
        await publisher.stop(timeout=1)


@pytest.fixture
async def publisher(start_publisher):
    """A publisher connected to the fake broker, its metrics in ``publisher.registry``."""
    return await start_publisher()


async def test_a_message_is_answered_only_after_its_confirm(publisher, broker):
    task = asyncio.create_task(publisher.publish(b"hello"))
    await settle()
    [message] = broker.channel.published
    assert message.body == b"hello" and message.properties.delivery_mode == 2 and message.mandatory
    assert not task.done()
    broker.channel.ack(1)
    assert await task == message.message_id


async def test_multiple_acks_settle_every_earlier_message(publisher, broker):
    tasks = [asyncio.create_task(publisher.publish(b"m%d" % i)) for i in range(3)]
    await settle()
    broker.channel.ack(2, multiple=True)
    await settle()
    assert [t.done() for t in tasks] == [True, True, False]
    broker.channel.ack(3)
    await asyncio.gather(*tasks)
    assert publisher.in_flight == 0


async def test_a_nacked_message_is_published_again_on_a_new_channel(publisher, broker):
    first = broker.channel
    nacked = asyncio.create_task(publisher.publish(b"x", timeout=5))
    other = asyncio.create_task(publisher.publish(b"y", timeout=5))
    await settle()
    first.nack(1)
    await asyncio.sleep(0.3)
    # The old channel is closed, and what was still unconfirmed on it goes on the new one of
    # the same connection; the nacked message follows after a pause.
    second = broker.channel
    assert second is not first and second.connection is first.connection
    assert not first.is_open and second.is_open
    assert [m.body for m in second.published] == [b"y", b"x"] and not nacked.done()
    first.ack(2)  # a confirm from the closed channel counts for nothing
    await settle()
    assert not other.done()
    second.ack(2, multiple=True)
    assert await nacked == first.published[0].message_id
    assert await other == first.published[1].message_id
    assert metric(publisher.registry, "warren_messages_republished_total", cause="nack") == 1
    assert metric(publisher.registry, "warren_messages_republished_total",
                  cause="new_channel") == 1


async def test_messages_without_a_confirm_go_again_on_a_new_channel(start_publisher, broker):
    publisher = await start_publisher(confirm_stall_timeout=0.2)
    stalled = broker.channel
    task = asyncio.create_task(publisher.publish(b"x", timeout=5))
    await asyncio.sleep(0.1)
    assert broker.channel is stalled
    await asyncio.sleep(0.3)
    assert broker.channel is not stalled and not stalled.is_open
    assert [m.body for m in broker.channel.published] == [b"x"]
    broker.channel.ack(1)
    assert await task == stalled.published[0].message_id


async def test_a_silent_channel_is_replaced_less_and_less_often(start_publisher, broker):
    publisher = await start_publisher(confirm_stall_timeout=0.1)
    task = asyncio.create_task(publisher.publish(b"x", timeout=5))
    # New channels after about 0.1 s and 0.3 s; the next would come at 0.7 s.
    await asyncio.sleep(0.5)
    assert len(broker.channels) == 3
    broker.channel.ack(1)
    await task


async def test_a_blocked_connection_keeps_its_channel(start_publisher, broker):
    publisher = await start_publisher(confirm_stall_timeout=0.2)
    channel = broker.channel
    channel.connection.block()
    task = asyncio.create_task(publisher.publish(b"x", timeout=5))
    await asyncio.sleep(0.5)
    assert broker.channel is channel and len(channel.published) == 1
    channel.connection.unblock()
    await asyncio.sleep(0.1)
    assert broker.channel is channel
    channel.ack(1)
    await task


async def test_a_nack_without_time_left_fails_the_message(publisher, broker):
    task = asyncio.create_task(publisher.publish(b"x", timeout=0.1))
    await settle()
    broker.channel.nack(1)
    with pytest.raises(PublishError, match="nack"):
        await task


async def test_an_unroutable_message_fails_even_though_it_is_acked(publisher, broker):
    task = asyncio.create_task(publisher.publish(b"x"))
    await settle()
    broker.channel.return_unroutable(0)
    broker.channel.ack(1)
    with pytest.raises(PublishError, match="could not be routed"):
        await task


async def test_unconfirmed_messages_are_republished_first_after_failover(publisher, broker):
    first = broker.channel
    tasks = [asyncio.create_task(publisher.publish(b"m%d" % i)) for i in range(3)]
    await settle()
    first.ack(1)
    # The node fails with m1 and m2 unconfirmed; m3 arrives while the publisher reconnects.
    broker.lose()
    late = asyncio.create_task(publisher.publish(b"m3"))
    await settle(20)
    second = broker.channel
    assert second is not first and second.connection is not first.connection
    assert [m.body for m in second.published] == [b"m1", b"m2", b"m3"]
    # Same message IDs as before: a consumer can tell a republication.
    assert [m.message_id for m in second.published[:2]] == [m.message_id for m in first.published[1:]]
    second.ack(3, multiple=True)
    await asyncio.gather(*tasks, late)
    assert metric(publisher.registry, "warren_messages_republished_total", cause="failover") == 2


async def test_no_reachable_node_answers_at_once(settings, broker):
    broker.refusing = {"rabbit-1:5672", "rabbit-2:5672"}
    publisher = ConfirmingPublisher(settings)
    publisher.start()
    waiting = asyncio.create_task(publisher.publish(b"queued while connecting"))
    with pytest.raises(PublishError, match="no RabbitMQ node is reachable"):
        await waiting
    with pytest.raises(PublishError, match="connection refused"):
        await publisher.publish(b"new")
    broker.refusing.clear()
    await asyncio.sleep(0.2)
    assert publisher.ready
    await publisher.stop(timeout=1)


async def test_a_message_not_confirmed_in_time_fails_and_a_late_confirm_is_ignored(publisher, broker):
    with pytest.raises(PublishError, match="not confirmed within 0.1 s"):
        await publisher.publish(b"slow", timeout=0.1)
    broker.channel.ack(1)
    assert metric(publisher.registry, "warren_messages_confirmed_total") == 0


def test_batches_are_json_lists_or_lines():
    assert parse_batch(b'["a", "b"]', "application/octet-stream") == [b"a", b"b"]
    assert parse_batch(b"a\n\nb\n", "text/plain") == [b"a", b"b"]


@pytest.mark.parametrize("body, content_type, words", [
    (b"", "text/plain", "holds no message"), (b"\n\n", "text/plain", "holds no message"),
    (b"[1, 2]", "text/plain", "list of strings"), (b'{"a": 1}', "application/json", "list of strings"),
    (b"[oops", "text/plain", "not valid JSON"),
])
def test_bad_batches_are_explained(body, content_type, words):
    with pytest.raises(BadRequest, match=words):
        parse_batch(body, content_type)


# --- the HTTP interface, over real HTTP, with the fake broker behind ---------------------------

@pytest.fixture
async def app(settings, broker):
    """The publisher app on a free port, its broker confirming every message."""
    broker.confirming = True
    app = PublisherApp(settings)
    await app.start("127.0.0.1", 0)
    await settle()
    yield app
    await app.stop()


@pytest.fixture
async def http(app):
    async with aiohttp.ClientSession("http://127.0.0.1:%d" % app.port) as session:
        yield session


@pytest.mark.parametrize("method, path, body, status", [
    ("POST", "/publish/hello", b"", 200),
    ("POST", "/publish/", b"", 400),
    ("GET", "/publish/hello", b"", 405),
    ("POST", "/publish", b"a\nb", 200),
    ("POST", "/publish", b"", 400),
    ("GET", "/healthz", b"", 200),
    ("GET", "/readyz", b"", 200),
    ("GET", "/metrics", b"", 200),
    ("GET", "/nope", b"", 404),
    ("DELETE", "/healthz", b"", 405),
])
async def test_routes(http, method, path, body, status):
    async with http.request(method, path, data=body) as response:
        assert response.status == status, await response.text()
        if status >= 400:
            assert (await response.json())["reason"]


async def test_a_published_message_is_confirmed_with_its_id(http, broker):
    async with http.post("/publish/hello%20world") as response:
        answer = await response.json()
    [message] = broker.channel.published
    assert message.body == b"hello world"
    assert answer == {"message_id": message.message_id, "confirmed": True}


async def test_a_batch_is_answered_with_every_id(http, broker):
    async with http.post("/publish", json=["a", "b"]) as response:
        answer = await response.json()
    assert answer == {"confirmed": 2, "message_ids": [m.message_id for m in broker.channel.published]}


async def test_an_unconfirmed_message_is_a_503_that_says_why(http, broker):
    broker.confirming = False
    async with http.post("/publish/slow") as response:
        assert response.status == 503
        assert "not confirmed within 1.0 s" in (await response.json())["reason"]


async def test_without_a_node_readyz_says_why(settings, broker):
    broker.refusing = {"rabbit-1:5672", "rabbit-2:5672"}
    app = PublisherApp(settings)
    await app.start("127.0.0.1", 0)
    await asyncio.sleep(0.1)
    async with aiohttp.ClientSession("http://127.0.0.1:%d" % app.port) as http:
        async with http.get("/readyz") as response:
            assert response.status == 503 and "connection refused" in await response.text()
        async with http.post("/publish/x") as response:
            assert response.status == 503 and "no RabbitMQ node" in await response.text()
    await app.stop()


async def test_oversized_messages_are_refused(settings, broker):
    app = PublisherApp(dataclasses.replace(settings, max_message_bytes=4, max_batch_messages=2))
    await app.start("127.0.0.1", 0)
    async with aiohttp.ClientSession("http://127.0.0.1:%d" % app.port) as http:
        for path, body in [("/publish/hello", b""), ("/publish", b"a\nb\nc"),
                           ("/publish", b"a\nlonger")]:
            async with http.post(path, data=body) as response:
                assert response.status == 413, (path, body)
    await app.stop()
    assert broker.channel.published == []


async def test_metrics_count_requests_by_route_and_status(http, app):
    await (await http.post("/publish/hello")).read()
    await (await http.get("/nope")).read()
    async with http.get("/metrics") as response:
        text = await response.text()
    requests = "warren_http_requests_total"
    assert metric(app.registry, requests, route="/publish/:message", code="200") == 1
    assert metric(app.registry, requests, route="other", code="404") == 1
    assert "# TYPE warren_publish_confirm_seconds histogram" in text
    assert metric(app.registry, "warren_messages_confirmed_total") == 1


async def exchange(port, raw: bytes):
    """Send ``raw`` on a new connection; the first answer's status line and the rest of its
    head and JSON body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    status = await reader.readline()
    rest = await asyncio.wait_for(reader.readuntil(b"}"), 5)
    writer.close()
    return status, rest


async def test_a_batch_over_the_limit_is_refused_before_its_body_is_sent(app, settings):
    # Headers only: the answer comes without the body, and the connection is closed after it.
    status, rest = await exchange(app.port, b"POST /publish HTTP/1.1\r\nHost: x\r\n"
                                  b"Content-Length: %d\r\n\r\n" % (settings.max_batch_bytes + 1))
    assert status.startswith(b"HTTP/1.1 413") and b"larger than the limit" in rest
    assert b"Connection: close" in rest


async def test_a_batch_over_the_limit_gets_no_100_continue(app, settings):
    status, rest = await exchange(app.port, b"POST /publish HTTP/1.1\r\nHost: x\r\n"
                                  b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n"
                                  % (settings.max_batch_bytes + 1))
    assert status.startswith(b"HTTP/1.1 413") and b"100 Continue" not in rest


async def test_a_batch_within_the_limit_gets_100_continue(app):
    reader, writer = await asyncio.open_connection("127.0.0.1", app.port)
    writer.write(b"POST /publish HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                 b"Content-Length: 2\r\n\r\n")
    assert (await reader.readline()).startswith(b"HTTP/1.1 100")
    await reader.readline()
    writer.write(b"ok")
    assert (await reader.readline()).startswith(b"HTTP/1.1 200")
    writer.close()


async def test_a_stop_answers_the_requests_in_progress_and_ends_idle_connections(app, broker):
    broker.confirming = False
    async with aiohttp.ClientSession("http://127.0.0.1:%d" % app.port) as http:
        waiting = asyncio.create_task(http.post("/publish/in-progress"))
        idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", app.port)
        await asyncio.sleep(0.1)
        stopping = asyncio.create_task(app.stop())
        await asyncio.sleep(0.1)
        assert await idle_reader.read() == b"", "an idle connection stays open during a stop"
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", app.port)
        broker.channel.ack(1)
        response = await waiting
        assert response.status == 200 and (await response.json())["confirmed"]
        await stopping
        idle_writer.close()
