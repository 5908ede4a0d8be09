"""The publisher and the consumer as systemd-supervised containers on the app host."""

import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest
from testkit import NODES, docker_exec, run, wait_until

testinfra_hosts = ["docker://app-host-1"]

PUBLISHER = "http://127.0.0.1:80"


def post(path, timeout=15):
    request = urllib.request.Request(PUBLISHER + path, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def get(path):
    with urllib.request.urlopen(PUBLISHER + path, timeout=5) as response:
        return json.loads(response.read())


def container_id(name):
    result = run("docker", "inspect", "--format", "{{.Id}}", name, check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def publisher_ready():
    try:
        return get("/readyz")
    except (OSError, ValueError):
        return None


@pytest.mark.parametrize("unit", ["warren-publisher", "warren-consumer"])
def test_units_are_enabled_and_active(host, unit):
    service = host.service(unit)
    assert service.is_enabled
    assert service.is_running


def test_a_published_message_is_confirmed_and_consumed():
    word = "hello-" + uuid.uuid4().hex[:8]
    status, body = post("/publish/" + word)
    assert status == 200 and body["confirmed"] is True and body["message_id"]
    wait_until(lambda: f"Received a message: {word}" in run("docker", "logs", "consumer").stdout,
               timeout=30, what="the consumer's log line")


def test_a_killed_app_container_is_brought_back_by_systemd():
    before = container_id("publisher")
    run("docker", "kill", "publisher")
    wait_until(lambda: container_id("publisher") not in (None, before), timeout=60,
               what="a new publisher container")
    wait_until(publisher_ready, timeout=60, what="the publisher ready again")
    assert post("/publish/after-kill")[0] == 200


def test_the_publisher_keeps_answering_200_while_its_node_stops():
    node = wait_until(publisher_ready, timeout=60, what="publisher ready")["node"].split(":")[0]
    assert node in NODES
    statuses, stop = [], threading.Event()

    def publish_continuously():
        while not stop.is_set():
            statuses.append(post("/publish/failover-%d" % len(statuses))[0])

    worker = threading.Thread(target=publish_continuously)
    worker.start()
    try:
        time.sleep(2)
        run("docker", "stop", node, timeout=120)
        time.sleep(5)
    finally:
        stop.set()
        worker.join(30)
        run("docker", "start", node)
    wait_until(lambda: docker_exec(node, "rabbitmqctl", "--quiet", "await_online_nodes",
                                   str(len(NODES)), "--timeout", "5", check=False).returncode == 0,
               timeout=180, what=f"{node} back in the cluster")
    assert len(statuses) > 10 and set(statuses) == {200}, statuses


def test_requests_in_flight_when_the_publisher_stops_are_answered(host):
    """While RabbitMQ holds back confirms (a memory alarm blocks publishing), requests wait in
    the publisher; systemctl stop then must still answer each one, never drop it."""
    watermark = docker_exec("rabbit-1", "rabbitmqctl", "--quiet", "eval",
                            "vm_memory_monitor:get_vm_memory_high_watermark().").stdout.strip()
    outcomes = {}

    def request(i):
        try:
            outcomes[i] = post("/publish/in-flight-%d" % i, timeout=60)[0]
        except (OSError, ValueError) as e:  # an empty reply or a reset connection
            outcomes[i] = repr(e)

    workers = [threading.Thread(target=request, args=(i,)) for i in range(5)]
    docker_exec("rabbit-1", "rabbitmqctl", "--quiet", "set_vm_memory_high_watermark", "0")
    try:
        for worker in workers:
            worker.start()
        time.sleep(1)
        stopping = subprocess.Popen(["docker", "exec", "app-host-1", "systemctl", "stop",
                                     "warren-publisher"])
        time.sleep(2)
        assert not outcomes, f"answered before the broker confirmed: {outcomes}"
    finally:
        docker_exec("rabbit-1", "rabbitmqctl", "--quiet", "set_vm_memory_high_watermark", watermark)
    for worker in workers:
        worker.join(60)
    stopping.wait(90)
    host.run_test("systemctl start warren-publisher")
    wait_until(publisher_ready, timeout=60, what="the publisher ready again")
    assert sorted(outcomes) == list(range(5)) and set(outcomes.values()) <= {200, 503}, outcomes


def test_systemctl_stop_leaves_no_container_behind(host):
    try:
        host.run_test("systemctl stop warren-consumer")
        assert container_id("consumer") is None
        assert not host.service("warren-consumer").is_running
    finally:
        host.run_test("systemctl start warren-consumer")
    wait_until(lambda: container_id("consumer"), timeout=60, what="the consumer running again")
