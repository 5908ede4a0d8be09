import asyncio

import pytest
from fakes import metric, settle

from warren_apps.http import Request
from warren_apps.metrics import Registry
from warren_apps.publisher import ConfirmingPublisher, PublisherApp, PublishError, parse_batch


@pytest.fixture
async def publisher(settings, broker):
    """A publisher connected to the fake broker, its metrics in ``publisher.registry``."""
    registry = Registry()
    publisher = ConfirmingPublisher(settings, registry)
    publisher.registry = registry
    publisher.start()
    await settle()
    assert publisher.ready
    yield publisher
    await publisher.stop(timeout=1)


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


async def test_a_nacked_message_is_published_again_while_time_is_left(publisher, broker):
    task = asyncio.create_task(publisher.publish(b"x", timeout=5))
    await settle()
    broker.channel.nack(1)
    await asyncio.sleep(0.3)
    assert [m.body for m in broker.channel.published] == [b"x", b"x"] and not task.done()
    broker.channel.ack(2)
    assert await task == broker.channel.published[0].message_id
    assert metric(publisher.registry, 'warren_messages_republished_total{cause="nack"}') == 1


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
    assert metric(publisher.registry, 'warren_messages_republished_total{cause="failover"}') == 2


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


def request(method, path, body=b"", content_type=""):
    headers = {"_version": "HTTP/1.1"}
    if content_type:
        headers["content-type"] = content_type
    return Request(method, path, "", headers, body)


def test_batches_are_json_lists_or_lines():
    assert parse_batch(request("POST", "/publish", b'["a", "b"]')) == [b"a", b"b"]
    assert parse_batch(request("POST", "/publish", b"a\n\nb\n")) == [b"a", b"b"]


@pytest.mark.parametrize("body, content_type, words", [
    (b"", "", "holds no message"), (b"\n\n", "", "holds no message"),
    (b"[1, 2]", "", "list of strings"), (b'{"a": 1}', "application/json", "list of strings"),
    (b"[oops", "", "not valid JSON"),
])
def test_bad_batches_are_explained(body, content_type, words):
    from warren_apps.http import HTTPError
    with pytest.raises(HTTPError, match=words):
        parse_batch(request("POST", "/publish", body, content_type))


@pytest.fixture
def app(settings, monkeypatch):
    app = PublisherApp(settings)

    async def publish_many(bodies, timeout=None):
        if any(b == b"fail" for b in bodies):
            raise PublishError("no RabbitMQ node is reachable (test)")
        return ["id-%s" % b.decode() for b in bodies]

    monkeypatch.setattr(app.publisher, "publish_many", publish_many)
    monkeypatch.setattr(app.publisher, "publish",
                        lambda body, timeout=None: _first(publish_many([body])))
    return app


async def _first(coroutine):
    return (await coroutine)[0]


@pytest.mark.parametrize("method, path, body, status", [
    ("POST", "/publish/hello", b"", 200),
    ("POST", "/publish/", b"", 400),
    ("POST", "/publish/fail", b"", 503),
    ("GET", "/publish/hello", b"", 405),
    ("POST", "/publish", b"a\nb", 200),
    ("POST", "/publish", b"", 400),
    ("GET", "/healthz", b"", 200),
    ("GET", "/readyz", b"", 503),
    ("GET", "/metrics", b"", 200),
    ("GET", "/nope", b"", 404),
    ("DELETE", "/healthz", b"", 405),
])
async def test_routes(app, method, path, body, status):
    response = await app.handle(request(method, path, body))
    assert response.status == status, response.body


async def test_a_published_message_reports_its_id(app):
    response = await app.handle(request("POST", "/publish/hello"))
    assert b'"message_id": "id-hello"' in response.body


async def test_oversized_messages_are_refused(app, settings):
    app.settings = settings.__class__(max_message_bytes=4, max_batch_messages=2)
    assert (await app.handle(request("POST", "/publish/hello"))).status == 413
    assert (await app.handle(request("POST", "/publish", b"a\nb\nc"))).status == 413
    assert (await app.handle(request("POST", "/publish", b"a\nlonger"))).status == 413


async def test_metrics_count_requests_by_route_and_status(app):
    await app.handle(request("POST", "/publish/hello"))
    text = (await app.handle(request("GET", "/metrics"))).body.decode()
    assert 'warren_http_requests_total{route="/publish/:message",code="200"} 1' in text
    assert "# TYPE warren_publish_confirm_seconds histogram" in text
