"""The local cluster deployed by site.yml, checked from the outside like a user would."""

import json
import uuid

import pika
from testkit import (NODES, amqp_connection, api, docker_exec, nodename, rabbitmqctl_json, run,
                     wait_until)

testinfra_hosts = [f"docker://{node}" for node in NODES]

EXPECTED_NODES = sorted(nodename(n) for n in NODES)


def test_node_sees_all_nodes_running(host):
    node = host.backend.name
    status = rabbitmqctl_json(node, "cluster_status")
    assert sorted(status["running_nodes"]) == EXPECTED_NODES
    assert sorted(status["disk_nodes"]) == EXPECTED_NODES
    assert not status.get("partitions")


def test_plugins_enabled(host):
    listing = json.loads(docker_exec(host.backend.name, "rabbitmq-plugins", "list", "--quiet",
                                     "--enabled", "--formatter", "json").stdout)
    running = {p["name"] for p in listing["plugins"] if p["running"]}
    assert {"rabbitmq_management", "rabbitmq_federation", "rabbitmq_prometheus"} <= running


def test_erlang_cookie_is_private_to_rabbitmq(host):
    cookie = host.file("/var/lib/rabbitmq/.erlang.cookie")
    assert cookie.is_file
    assert cookie.mode == 0o400
    assert cookie.user == "rabbitmq"
    assert cookie.group == "rabbitmq"


def test_management_api_answers_the_admin_and_refuses_guest():
    status, overview = api("overview", node="rabbit-1")
    assert status == 200
    assert overview["cluster_name"]
    guest_status, _ = api("overview", node="rabbit-1", credentials=("guest", "guest"))
    assert guest_status == 401


def test_guest_user_is_gone_and_app_users_have_least_privilege():
    status, users = api("users")
    names = {u["name"]: u for u in users}
    assert "guest" not in names
    assert names["admin"]["tags"] == ["administrator"]
    for app in ("publisher", "consumer"):
        assert names[app]["tags"] == []
    _, permissions = api("permissions")
    by_user = {p["user"]: p for p in permissions}
    assert by_user["publisher"]["read"] == "^$"
    assert by_user["consumer"]["write"] == "^$"
    assert by_user["consumer"]["read"] == "^publisher$"


def test_message_published_on_rabbit_1_is_consumed_through_rabbit_3(queue_name):
    body = f"hello {uuid.uuid4()}".encode()
    with amqp_connection("rabbit-1") as publisher:
        channel = publisher.channel()
        channel.confirm_delivery()
        channel.queue_declare(queue_name, durable=True)
        channel.basic_publish("", queue_name, body,
                              pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent),
                              mandatory=True)
    with amqp_connection("rabbit-3") as consumer:
        channel = consumer.channel()
        method, _, received = channel.basic_get(queue_name, auto_ack=True)
    assert method is not None, "no message reached rabbit-3"
    assert received == body


def test_persistent_messages_survive_a_restart_of_their_node(queue_name):
    bodies = [f"persistent {i}".encode() for i in range(50)]
    with amqp_connection("rabbit-2") as publisher:
        channel = publisher.channel()
        channel.confirm_delivery()
        channel.queue_declare(queue_name, durable=True)
        for body in bodies:
            channel.basic_publish("", queue_name, body,
                                  pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent))
    _, queue = api(f"queues/%2F/{queue_name}")
    host_node = queue["node"].split("@", 1)[1]

    run("docker", "restart", host_node, timeout=180)

    wait_until(lambda: docker_exec(host_node, "rabbitmqctl", "--quiet", "await_online_nodes",
                                   str(len(NODES)), "--timeout", "5", check=False).returncode == 0,
               timeout=180, what=f"{host_node} back in the cluster")
    wait_until(lambda: api(f"queues/%2F/{queue_name}")[1].get("state") == "running",
               timeout=120, what=f"queue {queue_name} running again")
    other = next(n for n in NODES if n != host_node)
    with amqp_connection(other) as consumer:
        channel = consumer.channel()
        received = []
        for _ in bodies:
            method, _, body = channel.basic_get(queue_name, auto_ack=True)
            if method is None:
                break
            received.append(body)
    assert received == bodies
