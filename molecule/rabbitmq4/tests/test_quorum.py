"""RabbitMQ 4.x: classic mirroring is refused before anything changes; quorum queues instead,
whose messages are dead-lettered, never dropped, when no handler can process them."""

import asyncio
import json
import urllib.request
import uuid

from testkit import (NODES, amqp_connection, amqp_port, ansible_playbook, api, cluster_info,
                     docker_exec, nodename, secret, wait_until)
from warren_apps.config import Settings
from warren_apps.consumer import QueueConsumer


def test_cluster_runs_rabbitmq_4_3():
    info = cluster_info()
    assert info["version_info"][:2] == [4, 3]
    assert sorted(info["running_nodes"]) == sorted(nodename(n) for n in NODES)


def test_ha_mode_is_refused_with_a_clear_message_and_nothing_changes():
    _, before = api("policies")
    result = ansible_playbook("playbooks/set_policy.yml", "-e", "@playbooks/policy_examples/ha-fed.yml")
    assert result.returncode != 0
    output = " ".join(result.stdout.split())
    assert "removed classic queue mirroring" in output
    assert "quorum queues" in output
    _, after = api("policies")
    assert after == before


def test_site_applies_the_dead_letter_policy_and_declares_its_queue():
    _, policies = api("policies")
    by_name = {p["name"]: p for p in policies}
    assert by_name["dead-letter"]["apply-to"] == "quorum_queues"
    assert by_name["dead-letter"]["pattern"] == "^publisher$"
    assert by_name["dead-letter"]["definition"] == {
        "delivery-limit": 20, "dead-letter-exchange": "", "dead-letter-routing-key": "publisher.dead",
        "dead-letter-strategy": "at-least-once", "overflow": "reject-publish"}
    assert not [p for p in policies if "ha-mode" in p["definition"]]
    _, dead = api("queues/%2F/publisher.dead")
    assert dead["type"] == "quorum" and dead["durable"]


def _stop_consumer_unit(action):
    docker_exec("app-host-1", "systemctl", action, "warren-consumer", timeout=120)


def test_a_message_no_handler_can_process_ends_in_the_dead_letter_queue():
    body = "poison-" + uuid.uuid4().hex[:8]
    _stop_consumer_unit("stop")
    try:
        request = urllib.request.Request("http://127.0.0.1/publish/" + body, method="POST")
        with urllib.request.urlopen(request, timeout=15) as response:
            message_id = json.loads(response.read())["message_id"]

        attempts = []

        def always_fails(delivery):
            attempts.append(delivery.message_id)
            raise RuntimeError("this handler cannot process anything")

        async def consume_until_dead_lettered():
            settings = Settings(hosts=tuple(("127.0.0.1", amqp_port(n)) for n in NODES),
                                username="consumer", password=secret("consumer_password"),
                                retry_delay_initial=0.01, retry_delay_max=0.05, log_format="text")
            consumer = QueueConsumer(settings, handler=always_fails)
            consumer.start()
            try:
                await asyncio.to_thread(wait_until, lambda: api("queues/%2F/publisher.dead")[1]
                                        .get("messages") == 1, timeout=120,
                                        what="the message in publisher.dead")
            finally:
                await consumer.stop(timeout=5)

        asyncio.run(consume_until_dead_lettered())
        # Given up on only after the delivery limit: every attempt was a real redelivery.
        assert attempts.count(message_id) >= 20
    finally:
        _stop_consumer_unit("start")
    with amqp_connection("rabbit-1") as connection:
        method, properties, dead = connection.channel().basic_get("publisher.dead", auto_ack=True)
    assert dead.decode() == body and properties.message_id == message_id


def test_queue_declared_by_a_client_is_a_quorum_queue_with_members_on_every_node(queue_name):
    with amqp_connection("rabbit-2") as connection:
        connection.channel().queue_declare(queue_name, durable=True)
    queue = next(q for q in cluster_info(gather=["queues"])["queues"] if q["name"] == queue_name)
    assert queue["type"] == "quorum"
    assert queue["members"] == sorted(nodename(n) for n in NODES)
