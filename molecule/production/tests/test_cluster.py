"""inventories/production deployed over SSH onto three simulated hosts: one cluster, TLS on
every listener (verified against the CA and each host's name), no plain listener, the Erlang
distribution over TLS, every listener on the host's own address."""

import json
import ssl
import subprocess

import pytest
from conftest import CA, NODES, handshake, https_get, refused

testinfra_hosts = list(NODES)


def test_every_node_sees_the_three_nodes_running(host):
    node = host.backend.get_hostname()
    status = json.loads(host.check_output(
        f"docker exec {node} rabbitmqctl --quiet cluster_status --formatter json"))
    assert sorted(status["running_nodes"]) == sorted(f"rabbit@{n}" for n in NODES)
    assert not status["partitions"]


@pytest.mark.parametrize("port", [5671, 15671, 15691])
def test_tls_listeners_present_a_certificate_for_the_host_name_signed_by_the_ca(host, port):
    node = host.backend.get_hostname()
    assert handshake(NODES[node], port, node) in ("TLSv1.2", "TLSv1.3")
    # The same with openssl, as an operator would check it.
    out = subprocess.run(["openssl", "s_client", "-connect", f"{NODES[node]}:{port}",
                          "-servername", node, "-verify_hostname", node, "-CAfile", str(CA),
                          "-verify_return_error", "-brief"], input="", capture_output=True,
                         text=True, timeout=30)
    assert "Verification: OK" in out.stderr + out.stdout, out.stderr


def test_the_private_key_is_readable_by_the_broker_only(host):
    node = host.backend.get_hostname()
    # rabbitmq_host_root of the simulation, then the node's configuration directory.
    key = host.file(f"/var/lib/warren-sim/{node}/etc/warren/{node}/etc/tls/key.pem")
    assert (key.mode, key.uid, key.gid) == (0o400, 999, 999)


@pytest.mark.parametrize("port", [5672, 15672, 15692])
def test_no_plain_listener_answers(host, port):
    assert refused(NODES[host.backend.get_hostname()], port)


def test_the_erlang_distribution_speaks_tls(host):
    node = host.backend.get_hostname()
    listeners = host.check_output(f"docker exec {node} rabbitmq-diagnostics --quiet listeners")
    assert f"Interface: {NODES[node]}, port: 25672, protocol: clustering" in listeners
    assert '"inet_tls"' in host.check_output(
        f"docker exec {node} rabbitmqctl --quiet eval 'init:get_argument(proto_dist).'")
    # Only a peer with a certificate of the CA may speak to it: another node, or a CLI tool.
    assert handshake(NODES[node], 25672, node, client="mq-1") in ("TLSv1.2", "TLSv1.3")
    with pytest.raises(ssl.SSLError, match="CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE"):
        handshake(NODES[node], 25672, node)


def test_every_listener_is_bound_to_the_host_address(host):
    node = host.backend.get_hostname()
    listening = host.check_output("ss -Hltn").split("\n")
    for port in (5671, 15671, 15691, 25672, 4369):
        bound = [line.split()[3] for line in listening if line.split()[3].endswith(f":{port}")]
        assert bound and all(b.startswith((NODES[node] + ":", "127.0.0.1:")) for b in bound), bound


def test_the_management_api_answers_the_administrator_over_https(admin):
    for node in NODES:
        status, overview = https_get(node, "/api/overview", admin)
        assert status == 200 and overview["cluster_name"] == "warren"
    assert https_get("mq-1", "/api/overview", ("guest", "guest"))[0] == 401
