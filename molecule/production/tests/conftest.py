"""Helpers of the production scenario's tests: the simulated hosts, and TLS clients on this
machine that verify the nodes' certificates against the inventory's CA and host names."""

import base64
import http.client
import json
import socket
import ssl
from pathlib import Path

import pytest
import yaml
from testkit import PROJECT_DIR, ansible

INVENTORY = PROJECT_DIR / "molecule/production/inventory"
HOSTS = yaml.safe_load((INVENTORY / "hosts.yml").read_text())["all"]["children"]
NODES = {name: host["ansible_host"] for name, host in HOSTS["rabbitmq"]["hosts"].items()}
APP_HOSTS = {name: host["ansible_host"] for name, host in HOSTS["apps"]["hosts"].items()}
# The CA warren generated for this inventory (molecule names its inventory directory "inventory").
CA = Path.home() / ".local/share/warren/inventory/tls/ca.pem"


def vault():
    text = ansible("ansible-vault", "view", "--vault-password-file",
                   str(PROJECT_DIR / "molecule/production/vault-password"),
                   str(INVENTORY / "group_vars/all/vault.yml")).stdout
    return {k: v.strip() for k, _, v in (line.partition(":") for line in text.splitlines())
            if k.startswith("vault_")}


@pytest.fixture(scope="session")
def admin():
    return "admin", vault()["vault_rabbitmq_admin_password"]


def tls_context(client=None):
    """Verifies the server against the CA; presents inventory host ``client``'s certificate
    (made by the same CA) when given."""
    context = ssl.create_default_context(cafile=str(CA))
    if client:
        context.load_cert_chain(CA.with_name(f"{client}.pem"), CA.with_name(f"{client}.key"))
    return context


def handshake(address, port, hostname, client=None):
    """A TLS handshake with the listener at address:port that must present a certificate for
    ``hostname`` signed by the CA; returns the negotiated protocol version."""
    with socket.create_connection((address, port), timeout=10) as raw:
        with tls_context(client).wrap_socket(raw, server_hostname=hostname) as tls:
            # TLS 1.3 reports a refused client certificate only at the first read.
            tls.settimeout(1)
            try:
                tls.recv(1)
            except TimeoutError:
                pass
            return tls.version()


def served_certificate(address, port, hostname):
    """The certificate (DER) the listener at address:port presents, verified as handshake()."""
    with socket.create_connection((address, port), timeout=10) as raw:
        with tls_context().wrap_socket(raw, server_hostname=hostname) as tls:
            return tls.getpeercert(binary_form=True)


def https_get(node, path, credentials):
    """GET https://<node>:15671<path> (reached at the node's address), verified."""
    connection = http.client.HTTPSConnection(node, 15671, context=tls_context(), timeout=30)
    connection.sock = tls_context().wrap_socket(
        socket.create_connection((NODES[node], 15671), timeout=30), server_hostname=node)
    token = base64.b64encode(("%s:%s" % credentials).encode()).decode()
    connection.request("GET", path, headers={"Authorization": "Basic " + token})
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"null")


def refused(address, port):
    try:
        socket.create_connection((address, port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False
