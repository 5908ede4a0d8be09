"""Bad input gets a clear error before anything is modified, and nothing deployed changes."""

import json
import shutil
import socket
import time
import urllib.error
import urllib.request

import pytest
from testkit import NODES, PROJECT_DIR, ansible_playbook, api, docker_exec, run, wait_until

CONTAINERS = NODES + ["app-host-1", "publisher", "consumer"]


def deployed_state():
    containers = {}
    for name in CONTAINERS:
        out = run("docker", "inspect", "--format", "{{.Id}} {{.State.StartedAt}} {{.State.Running}}",
                  name, check=False).stdout.strip()
        containers[name] = out
    _, policies = api("policies")
    _, users = api("users")
    return {"containers": containers,
            "policies": sorted(json.dumps(p, sort_keys=True) for p in policies),
            "users": sorted((u["name"], u["password_hash"], tuple(u["tags"])) for u in users)}


@pytest.fixture
def unchanged():
    """Yields nothing; afterwards, asserts that the deployment is exactly as it was."""
    before = deployed_state()
    yield
    assert deployed_state() == before


def failed_with(result, *words):
    assert result.returncode != 0, "the run succeeded: " + result.stdout[-2000:]
    output = " ".join(result.stdout.split())
    for word in words:
        assert word in output, f"{word!r} not in: {output[-3000:]}"


@pytest.fixture
def inventory(tmp_path):
    """A copy of inventories/local whose hosts.yml a test may edit."""
    copy = tmp_path / "local"
    shutil.copytree(PROJECT_DIR / "inventories" / "local", copy)
    return copy


def edit_hosts(inventory, old, new):
    hosts = inventory / "hosts.yml"
    text = hosts.read_text()
    assert old in text
    hosts.write_text(text.replace(old, new))


RABBIT_3 = "        rabbit-3:\n          rabbitmq_port_offset: 2\n"


def test_malformed_policy_definition(unchanged):
    result = ansible_playbook("playbooks/policy.yml", "-e", json.dumps(
        {"policy": {"name": "bad", "pattern": ".*", "definition": {"max-length": "lots"}}}))
    failed_with(result, "Policy bad not applied", "max-length must be an integer")


def test_unknown_node_in_ha_params(unchanged):
    result = ansible_playbook("playbooks/policy.yml", "-e", json.dumps(
        {"policy": {"name": "bad", "pattern": ".*", "apply_to": "queues",
                    "definition": {"ha-mode": "nodes", "ha-params": ["rabbit@nowhere"]}}}))
    failed_with(result, "rabbit@nowhere", "not in the cluster")


def test_even_node_count_without_override(unchanged, inventory):
    edit_hosts(inventory, RABBIT_3, RABBIT_3 + "        rabbit-4:\n          rabbitmq_port_offset: 3\n")
    result = ansible_playbook("-i", str(inventory), "site.yml")
    failed_with(result, "has 4 node(s)", "rabbitmq_node_allow_unsafe_cluster_size=true")
    assert run("docker", "inspect", "rabbit-4", check=False).returncode != 0


def test_duplicate_hostnames(unchanged, inventory):
    edit_hosts(inventory, RABBIT_3, RABBIT_3 + "          rabbitmq_node_hostname: rabbit-2\n")
    result = ansible_playbook("-i", str(inventory), "site.yml")
    failed_with(result, "share a hostname", "rabbitmq_node_hostname")


def test_a_taken_port(unchanged, inventory):
    edit_hosts(inventory, "rabbitmq_port_offset: 2", "rabbitmq_port_offset: 10")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 15682))
    listener.listen()
    try:
        result = ansible_playbook("-i", str(inventory), "site.yml")
    finally:
        listener.close()
    failed_with(result, "15682", "already taken by something other than the container rabbit-3")


def test_an_unreachable_docker_engine(unchanged, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
    result = ansible_playbook("site.yml")
    failed_with(result, "does not answer", "DOCKER_HOST")


def test_a_missing_image_with_building_disabled(unchanged):
    result = ansible_playbook("site.yml", "-e", "rabbitmq_image=warren/rabbitmq:missing",
                              "-e", "rabbitmq_image_source=none")
    failed_with(result, "warren/rabbitmq:missing is not on", "rabbitmq_image_source")


def test_another_rabbitmq_series_on_running_nodes(unchanged):
    result = ansible_playbook("site.yml", "-e", "rabbitmq_series=4.0")
    failed_with(result, "rabbit-1 holds the data of RabbitMQ 3.10, and rabbitmq_series is 4.0",
                "Set rabbitmq_series back to 3.10")


@pytest.fixture
def data_volume_of_another_series():
    """The kept data volume of a removed 4.0 node named rabbit-4."""
    run("docker", "volume", "create", "--label", "org.warren.rabbitmq-series=4.0", "rabbit-4-data")
    yield
    run("docker", "volume", "rm", "rabbit-4-data")


def test_another_rabbitmq_series_on_kept_data(unchanged, inventory, data_volume_of_another_series):
    edit_hosts(inventory, RABBIT_3, RABBIT_3 + "        rabbit-4:\n          rabbitmq_port_offset: 3\n")
    result = ansible_playbook("-i", str(inventory), "site.yml",
                              "-e", "rabbitmq_node_allow_unsafe_cluster_size=true")
    failed_with(result, "rabbit-4 holds the data of RabbitMQ 4.0, and rabbitmq_series is 3.10")
    assert run("docker", "inspect", "rabbit-4", check=False).returncode != 0


def test_a_node_whose_cookie_differs_is_explained_not_waited_for(unchanged_after_repair):
    cookie = "/etc/warren/rabbit-3/erlang.cookie"
    original = open(cookie).read()
    run("sh", "-c", f"chmod 600 {cookie} && printf DIFFERENTCOOKIEDIFFERENTCOOKIE > {cookie}"
                    f" && chmod 400 {cookie}")
    try:
        run("docker", "restart", "rabbit-3", timeout=120)
        state = deployed_state()
        started = time.monotonic()
        result = ansible_playbook("site.yml")
        elapsed = time.monotonic() - started
        failed_with(result, "rabbit-3 run(s) with an Erlang cookie that differs",
                    "Remove the container(s) of rabbit-3")
        assert elapsed < 60, f"took {elapsed:.0f} s: a hang, not an explanation"
        assert deployed_state() == state
    finally:
        run("sh", "-c", f"chmod 600 {cookie} && printf %s '{original}' > {cookie} && chmod 400 {cookie}")
        run("docker", "restart", "rabbit-3", timeout=120)


@pytest.fixture
def unchanged_after_repair():
    yield
    wait_until(lambda: docker_exec("rabbit-1", "rabbitmqctl", "--quiet", "await_online_nodes",
                                   str(len(NODES)), "--timeout", "5", check=False).returncode == 0,
               timeout=180, what="rabbit-3 back in the cluster")


def queue_depth():
    rows = docker_exec("rabbit-1", "rabbitmqctl", "--quiet", "list_queues", "name", "messages",
                       "--formatter", "json").stdout
    return next((q["messages"] for q in json.loads(rows) if q["name"] == "publisher"), 0)


def publish_raw(body: bytes, content_length: int):
    request = urllib.request.Request("http://127.0.0.1/publish", data=body, method="POST",
                                     headers={"Content-Length": str(content_length),
                                              "Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_a_publish_request_with_an_empty_or_oversized_body():
    depth = queue_depth()
    status, body = publish_raw(b"", 0)
    assert status == 400 and "no message" in body["reason"]
    # The limit is checked against Content-Length before any of the body is read.
    with socket.create_connection(("127.0.0.1", 80)) as raw:
        raw.sendall(b"POST /publish HTTP/1.1\r\nHost: x\r\nContent-Length: 17000000\r\n\r\n")
        answer = raw.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 413") and "larger than the limit" in answer
    status, body = publish_raw(b"", 0)
    assert status == 400
    assert queue_depth() == depth
