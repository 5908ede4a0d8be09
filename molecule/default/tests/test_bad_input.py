"""Bad input gets a clear error that names the input and what to change, before anything is
modified: every case compares a fingerprint of the deployment (containers, volumes, networks,
files under /etc/warren, /etc itself, the app host's units, the broker's definitions, the
file system root of the controller) before and after the failed run."""

import hashlib
import json
import os
import shutil
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pika
import pytest
from testkit import NODES, PROJECT_DIR, ansible_playbook, api, docker_exec, run, wait_until


def _stat(path):
    st = os.lstat(path)
    digest = ""
    if os.path.isfile(path):
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return (oct(st.st_mode), st.st_uid, st.st_gid, digest)


def _files(top):
    found = {top: _stat(top)} if os.path.exists(top) else {}
    for directory, _, names in os.walk(top):
        for name in [directory, *(os.path.join(directory, n) for n in names)]:
            found[name] = _stat(name)
    return found


def _containers():
    names = run("docker", "ps", "--all", "--filter", "label=org.warren.role",
                "--format", "{{.Names}}").stdout.split()
    return {name: run("docker", "inspect", "--format",
                      "{{.Id}} {{.State.StartedAt}} {{.State.Running}}", name).stdout.strip()
            for name in sorted(names)}


def _units():
    return run("docker", "exec", "app-host-1", "sh", "-c",
               "cd /etc/systemd/system && stat -c '%n %a %u %g' warren-*.service"
               " && sha256sum warren-*.service", check=False).stdout


def _definitions():
    _, policies = api("policies")
    _, users = api("users")
    _, vhosts = api("vhosts")
    _, queues = api("queues")
    return {"policies": sorted(json.dumps(p, sort_keys=True) for p in policies),
            "users": sorted((u["name"], u["password_hash"], tuple(u["tags"])) for u in users),
            "vhosts": sorted(v["name"] for v in vhosts),
            "queues": sorted((q["vhost"], q["name"], q.get("type"), q["durable"]) for q in queues)}


def deployed_state():
    return {"containers": _containers(),
            "volumes": sorted(run("docker", "volume", "ls", "--format", "{{.Name}} {{.Labels}}")
                              .stdout.splitlines()),
            "networks": sorted(run("docker", "network", "ls", "--format", "{{.Name}} {{.ID}}")
                               .stdout.splitlines()),
            "files": _files("/etc/warren"),
            "etc": _stat("/etc"),
            "root": sorted(os.listdir("/")),
            "units": _units(),
            "definitions": _definitions()}


@pytest.fixture
def unchanged():
    """Yields nothing; afterwards, asserts that the deployment is exactly as it was."""
    before = deployed_state()
    yield
    after = deployed_state()
    for part in before:
        assert after[part] == before[part], f"{part} changed"


def failed_with(result, *words):
    assert result.returncode != 0, "the run succeeded: " + result.stdout[-2000:]
    output = " ".join(result.stdout.split())
    for word in words:
        assert word in output, f"{word!r} not in: {output[-3000:]}"


@pytest.fixture
def inventory(tmp_path):
    """A copy of inventories/local that a test may edit."""
    copy = tmp_path / "local"
    shutil.copytree(PROJECT_DIR / "inventories" / "local", copy)
    return copy


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


RABBIT_3 = "        rabbit-3:\n          rabbitmq_port_offset: 2\n"


def site(*args, inventory=None):
    return ansible_playbook(*(["-i", str(inventory)] if inventory else []), "site.yml", *args)


# --- The cluster's shape ---------------------------------------------------------------------

def test_even_node_count_without_override(unchanged, inventory):
    edit(inventory / "hosts.yml", RABBIT_3, RABBIT_3 + "        rabbit-4:\n          rabbitmq_port_offset: 3\n")
    failed_with(site(inventory=inventory), "has 4 node(s)",
                "rabbitmq_node_allow_unsafe_cluster_size=true")


def test_duplicate_hostnames(unchanged, inventory):
    edit(inventory / "hosts.yml", RABBIT_3, RABBIT_3 + "          rabbitmq_node_hostname: rabbit-2\n")
    failed_with(site(inventory=inventory), "share a hostname", "rabbitmq_node_hostname")


def test_a_dotted_host_name(unchanged, inventory):
    edit(inventory / "hosts.yml", RABBIT_3, RABBIT_3 + "          rabbitmq_node_hostname: rabbit-3.example.com\n")
    started = time.monotonic()
    result = site(inventory=inventory)
    failed_with(result, "rabbit-3 as rabbit-3.example.com", "Erlang short names",
                "Set rabbitmq_node_hostname")
    assert time.monotonic() - started < 60, "refused only after waiting for the node"


def test_an_empty_or_misspelled_node_group(unchanged):
    failed_with(site("-e", "rabbitmq_nodes_group=rabbitmq_nodes"),
                "The inventory group 'rabbitmq_nodes' (rabbitmq_nodes_group) has no host",
                "groups are: docker_hosts, apps, rabbitmq")


def test_two_nodes_with_host_networking_on_one_machine(unchanged):
    failed_with(site("-e", "rabbitmq_network_mode=host"), "rabbit-1 on localhost, rabbit-2 on localhost",
                "share a machine", "rabbitmq_network_mode: bridge")


# --- The series and the image --------------------------------------------------------------------

def test_an_unknown_rabbitmq_series(unchanged):
    failed_with(site("-e", "rabbitmq_series=3.9"), "rabbitmq_series 3.9 is not a series warren deploys",
                "3.10, 4.3")


def test_an_unquoted_series_that_yaml_reads_as_a_number(unchanged, inventory):
    with open(inventory / "group_vars" / "all" / "vars.yml", "a") as f:
        f.write("rabbitmq_series: 3.10\n")
    failed_with(site(inventory=inventory), "rabbitmq_series is 3.1, a number",
                'Quote it: rabbitmq_series: "3.10"')


def test_another_rabbitmq_series_on_running_nodes(unchanged):
    failed_with(site("-e", "rabbitmq_series=4.3"),
                "rabbit-1 holds the data of RabbitMQ 3.10, and rabbitmq_series is 4.3",
                "Set rabbitmq_series back to 3.10")


@pytest.fixture
def data_volume_of_another_series():
    """The kept data volume of a removed 4.3 node named rabbit-4."""
    run("docker", "volume", "create", "--label", "org.warren.rabbitmq-series=4.3", "rabbit-4-data")
    yield
    run("docker", "volume", "rm", "rabbit-4-data")


def test_another_rabbitmq_series_on_kept_data(data_volume_of_another_series, unchanged, inventory):
    edit(inventory / "hosts.yml", RABBIT_3, RABBIT_3 + "        rabbit-4:\n          rabbitmq_port_offset: 3\n")
    failed_with(site("-e", "rabbitmq_node_allow_unsafe_cluster_size=true", inventory=inventory),
                "rabbit-4 holds the data of RabbitMQ 4.3, and rabbitmq_series is 3.10")


@pytest.fixture
def image_of_another_series(tmp_path):
    """An image that says it holds RabbitMQ 4.3.6."""
    (tmp_path / "Dockerfile").write_text(
        "FROM warren/rabbitmq:3.10\nLABEL org.warren.rabbitmq-version=4.3.6\n")
    run("docker", "build", "--quiet", "--tag", "warren/rabbitmq:other-series", str(tmp_path))
    yield "warren/rabbitmq:other-series"
    run("docker", "rmi", "warren/rabbitmq:other-series")


def test_an_image_of_another_series(image_of_another_series, unchanged):
    failed_with(site("-e", "rabbitmq_image=" + image_of_another_series,
                     "-e", "rabbitmq_image_source=none"),
                "holds RabbitMQ 4.3.6, and rabbitmq_series is 3.10",
                "Set rabbitmq_series to the image's series (4.3)")


def test_a_missing_image_with_building_disabled(unchanged):
    failed_with(site("-e", "rabbitmq_image=warren/rabbitmq:missing", "-e", "rabbitmq_image_source=none"),
                "warren/rabbitmq:missing is not on", "rabbitmq_image_source")


# --- Node settings ----------------------------------------------------------------------------------

@pytest.mark.parametrize("setting, words", [
    ("rabbitmq_node_memory_limit=64m", ["rabbitmq_node_memory_limit is 64m, too little", "at least 256m"]),
    ("rabbitmq_node_memory_high_watermark=60", ["rabbitmq_node_memory_high_watermark is 60",
                                                "write 0.6 for 60 %"]),
    ("rabbitmq_node_disk_free_limit=5", ["rabbitmq_node_disk_free_limit is 5, without a unit",
                                         "e.g. 5GB"]),
    ('{"rabbitmq_node_plugins": ["rabbitmq_federation", "rabbitmq_prometheus"]}',
     ["rabbitmq_node_plugins lacks rabbitmq_management", "add it to the list"]),
    ("rabbitmq_node_partition_handling=ignore", ["rabbitmq_node_partition_handling is ignore",
                                                 "rabbitmq_node_allow_partition_handling_ignore=true"]),
    ("messaging_apps_stop_timeout=10", ["messaging_apps_stop_timeout is 10 s", "at least 20 s"]),
    ("rabbitmq_tls_only=true", ["rabbitmq_tls_only is true, but rabbitmq_tls is false",
                                "Set rabbitmq_tls: true as well"]),
    ('{"rabbitmq_tls": true, "rabbitmq_tls_cert": "-----BEGIN CERTIFICATE-----"}',
     ["only rabbitmq_tls_cert is set", "supply all three"]),
    ('{"rabbitmq_tls": true, "rabbitmq_tls_ca_cert": "/etc/ssl/ca.pem",'
     ' "rabbitmq_tls_cert": "/etc/ssl/node.pem", "rabbitmq_tls_key": "/etc/ssl/node.key"}',
     ["rabbitmq_tls_ca_cert and rabbitmq_tls_cert must hold PEM certificates",
      "the files' contents rather than their paths"]),
    ("rabbitmq_node_listen_address=fd00::11", ["rabbitmq_node_listen_address is fd00::11, not an IPv4 address"]),
], ids=["memory-limit", "watermark-as-percent", "disk-limit-without-unit", "no-management-plugin",
        "partition-handling-ignore", "stop-timeout", "tls-only-without-tls", "tls-cert-without-key",
        "tls-paths-instead-of-pem", "ipv6-listen-address"])
def test_a_setting_that_cannot_be_meant(unchanged, setting, words):
    failed_with(site("-e", setting), *words)


# --- Hosts and engines ---------------------------------------------------------------------------

def test_a_taken_port(unchanged, inventory):
    edit(inventory / "hosts.yml", "rabbitmq_port_offset: 2", "rabbitmq_port_offset: 10")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 15682))
    listener.listen()
    try:
        result = site(inventory=inventory)
    finally:
        listener.close()
    failed_with(result, "15682", "already taken by something other than the container rabbit-3")


def test_an_unreachable_docker_engine(unchanged, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
    failed_with(site(), "does not answer", "DOCKER_HOST")


# --- Secrets --------------------------------------------------------------------------------------

@pytest.fixture
def production(tmp_path):
    """A copy of inventories/production with real-looking secrets in a plain-text vault."""
    copy = tmp_path / "production"
    shutil.copytree(PROJECT_DIR / "inventories" / "production", copy)
    vault = copy / "group_vars" / "all" / "vault.yml"
    vault.write_text(vault.read_text().replace("CHANGE_ME", "A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6"))
    return copy


def test_a_missing_vault_variable_is_named_not_generated(unchanged, production):
    edit(production / "group_vars" / "all" / "vault.yml",
         "vault_rabbitmq_admin_password: A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6\n", "")
    failed_with(site("-e", "warren_allow_plaintext_vault=true", inventory=production),
                "vault_rabbitmq_admin_password is not set", "vault.yml")


def test_a_vault_file_in_plain_text(unchanged, production):
    failed_with(site(inventory=production), "group_vars/all/vault.yml is not encrypted",
                "ansible-vault encrypt", "warren_allow_plaintext_vault=true")


def test_a_node_whose_cookie_differs_is_explained_not_waited_for(unchanged_after_repair):
    cookie = "/etc/warren/rabbit-3/erlang.cookie"
    original = open(cookie).read()
    run("sh", "-c", f"chmod 600 {cookie} && printf DIFFERENTCOOKIEDIFFERENTCOOKIE > {cookie}"
                    f" && chmod 400 {cookie}")
    try:
        run("docker", "restart", "rabbit-3", timeout=120)
        state = deployed_state()
        started = time.monotonic()
        result = site()
        elapsed = time.monotonic() - started
        failed_with(result, "rabbit-3 run(s) with an Erlang cookie that differs",
                    "Remove the container(s) of rabbit-3")
        assert elapsed < 60, f"took {elapsed:.0f} s: a hang, not an explanation"
        assert deployed_state() == state
    finally:
        run("sh", "-c", f"chmod 600 {cookie} && printf %s '{original}' > {cookie} && chmod 400 {cookie}")
        run("docker", "restart", "rabbit-3", timeout=120)


def wait_whole():
    wait_until(lambda: docker_exec("rabbit-1", "rabbitmqctl", "--quiet", "await_online_nodes",
                                   str(len(NODES)), "--timeout", "5", check=False).returncode == 0,
               timeout=180, what="all nodes back in the cluster")


@pytest.fixture
def unchanged_after_repair():
    yield
    wait_whole()


# --- Data that a run must never delete ------------------------------------------------------------

@pytest.fixture
def straggler_with_data():
    """rabbit-3 out of the cluster, a cluster of its own, holding 5 messages in vhost orders.
    Afterwards its data is removed by hand, and site.yml joins it back."""
    peers = Path("/etc/warren/rabbit-3/etc/conf.d/10-cluster-peers.conf")
    original = peers.read_text()
    docker_exec("rabbit-3", "rabbitmqctl", "--quiet", "stop_app")
    docker_exec("rabbit-1", "rabbitmqctl", "--quiet", "forget_cluster_node", "rabbit@rabbit-3")
    # Peer discovery must not find the cluster, so that rabbit-3 boots a cluster of its own.
    peers.write_text("cluster_formation.classic_config.nodes.1 = rabbit@rabbit-3\n")
    try:
        docker_exec("rabbit-3", "rabbitmqctl", "--quiet", "force_reset")
        docker_exec("rabbit-3", "rabbitmqctl", "--quiet", "start_app")
    finally:
        peers.write_text(original)
    for argv in (["add_vhost", "orders"], ["add_user", "straggler", "s3cret"],
                 ["set_permissions", "-p", "orders", "straggler", ".*", ".*", ".*"]):
        docker_exec("rabbit-3", "rabbitmqctl", "--quiet", *argv)
    with pika.BlockingConnection(pika.ConnectionParameters(
            "127.0.0.1", 5674, "orders", pika.PlainCredentials("straggler", "s3cret"))) as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.queue_declare("invoices", durable=True)
        for i in range(5):
            channel.basic_publish("", "invoices", b"invoice %d" % i,
                                  pika.BasicProperties(delivery_mode=2))
    yield
    docker_exec("rabbit-3", "rabbitmqctl", "--quiet", "delete_vhost", "orders")
    docker_exec("rabbit-3", "rabbitmqctl", "--quiet", "delete_user", "straggler")
    joined = site()
    assert joined.returncode == 0 and "Join the straggler to the cluster" in joined.stdout, \
        joined.stdout[-3000:]
    wait_whole()


def test_a_straggler_holding_queues_in_another_vhost_is_not_reset(straggler_with_data):
    before = _files("/etc/warren"), _containers()
    result = site()
    failed_with(result, "rabbit@rabbit-3 is not in the cluster of rabbit@rabbit-1",
                "virtual host 'orders': 1 queue(s), 5 message(s) (invoices)",
                "Joining would reset the node and delete all of it")
    assert (_files("/etc/warren"), _containers()) == before
    rows = docker_exec("rabbit-3", "rabbitmqctl", "--quiet", "list_queues", "-p", "orders",
                       "name", "messages", "--formatter", "json").stdout
    assert json.loads(rows) == [{"name": "invoices", "messages": 5}], "the straggler lost its data"


def test_purging_the_data_needs_a_confirmation(unchanged):
    result = ansible_playbook("playbooks/destroy.yml", "-e", "purge=true")
    failed_with(result, "Nothing was removed", "warren_purge_confirmed=true")


# --- Policies -------------------------------------------------------------------------------------

@pytest.mark.parametrize("policy, words", [
    ({"name": "bad", "pattern": ".*", "definition": {"max-length": "lots"}},
     ["Policy bad not applied", "max-length must be an integer"]),
    ({"name": "bad", "pattern": ".*", "apply_to": "queues",
      "definition": {"ha-mode": "nodes", "ha-params": ["rabbit@nowhere"]}},
     ["rabbit@nowhere", "not in the cluster"]),
    ({"name": "bad", "pattern": "(orders", "definition": {"max-length": 10}},
     ["pattern '(orders' is not a valid regular expression"]),
    ({"name": "bad", "pattern": ".*", "definition": {"max-lenght": 10}},
     ["max-lenght is not a policy key RabbitMQ knows: did you mean max-length?"]),
], ids=["malformed-definition", "unknown-node-in-ha-params", "invalid-pattern", "misspelled-key"])
def test_a_policy_the_broker_would_refuse_or_misread(unchanged, policy, words):
    failed_with(ansible_playbook("playbooks/set_policy.yml", "-e", json.dumps({"policy": policy})), *words)


# --- The publisher --------------------------------------------------------------------------------

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
