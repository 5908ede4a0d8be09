"""The definitions of a real 3.10 cluster shaped like the tutorial's (a queue mirrored by ha-fed,
lazy, bound to an exchange; the apps' users) translated for 4.3 and loaded into a real 4.3
node: the mirrored queue is a quorum queue there, ha-fed, which only mirrored, is not carried, and the
users log in with the passwords they had, carried as hashes."""

import pika
import pytest
from testkit import ansible_playbook, lone_node, run

from ansible_collections.warren.rabbitmq.plugins.module_utils.migration import translate_definitions

BLUE_IMAGE = "warren/rabbitmq:3.10"
TUTORIAL = {
    "users": [{"name": "publisher", "password": "publisher-secret", "tags": ""}],
    "permissions": [{"user": "publisher", "vhost": "/", "configure": "^publisher$",
                     "write": "^(publisher|events)$", "read": "^$"}],
    "policies": [{"vhost": "/", "name": "ha-fed", "pattern": ".*", "apply-to": "queues",
                  "priority": 1, "definition": {"ha-mode": "all", "ha-sync-mode": "automatic",
                                                "federation-upstream-set": "all"}}],
    "queues": [{"name": "publisher", "vhost": "/", "durable": True, "auto_delete": False,
                "arguments": {"x-queue-mode": "lazy"}}],
    "exchanges": [{"name": "events", "vhost": "/", "type": "topic", "durable": True,
                   "auto_delete": False, "internal": False, "arguments": {}}],
    "bindings": [{"source": "events", "vhost": "/", "destination": "publisher",
                  "destination_type": "queue", "routing_key": "#", "arguments": {}}],
}


@pytest.fixture(scope="module")
def blue_image():
    """The 3.10 image, which the default scenario builds; built here when it ran elsewhere."""
    if run("docker", "image", "inspect", BLUE_IMAGE, check=False).returncode != 0:
        result = ansible_playbook("playbooks/images.yml", "-e", "rabbitmq_series=3.10",
                                  "--limit", "docker_hosts", timeout=1800)
        assert result.returncode == 0, result.stdout[-3000:]
    return BLUE_IMAGE


def test_a_tutorial_clusters_definitions_load_into_4_3_as_quorum_queues(blue_image):
    with lone_node("warren-blue-probe", blue_image, 25991,
                   plugins="rabbitmq_management,rabbitmq_federation") as blue:
        blue.request("POST", "definitions", TUTORIAL)
        export = blue.get("definitions")
    assert export["rabbit_version"].startswith("3.10.")

    definitions, notes = translate_definitions(export)
    assert "queue publisher: mirrored classic -> quorum" in notes
    assert "policy ha-fed: only mirrored (no federation upstream is defined), not carried over" in notes

    with lone_node("warren-green-probe", "warren/rabbitmq:4.3", 25992, amqp_port=25993,
                   plugins="rabbitmq_management,rabbitmq_federation") as green:
        green.request("POST", "definitions", definitions)
        queue = green.get("queues/%2F/publisher")
        assert queue["type"] == "quorum" and queue["durable"]
        assert "x-queue-mode" not in queue["arguments"]
        # ha-fed only mirrored: its federation key points at no upstream, so it is not carried.
        assert [p["name"] for p in green.get("policies")] == []
        bindings = green.get("exchanges/%2F/events/bindings/source")
        assert [(b["destination"], b["routing_key"]) for b in bindings] == [("publisher", "#")]
        # The password hash came over: the user logs in with the password it had on blue.
        credentials = pika.PlainCredentials("publisher", "publisher-secret")
        connection = pika.BlockingConnection(pika.ConnectionParameters(
            "127.0.0.1", 25993, credentials=credentials, connection_attempts=5, retry_delay=1))
        channel = connection.channel()
        channel.confirm_delivery()
        # Confirmed and routed (mandatory: an unroutable message would raise) through the
        # carried exchange and binding into the quorum queue.
        channel.basic_publish("events", "any.thing", b"hello",
                              pika.BasicProperties(message_id="m-1", delivery_mode=2),
                              mandatory=True)
        connection.close()
