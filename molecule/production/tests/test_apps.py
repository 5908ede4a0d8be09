"""The publisher and the consumer on the app host: connected with amqps://, the publisher on the
host's loopback only, a published message consumed through the cluster."""

import json
import uuid

import pytest
from conftest import APP_HOSTS, NODES, refused
from testkit import wait_until

testinfra_hosts = list(APP_HOSTS)


@pytest.mark.parametrize("unit", ["warren-publisher", "warren-consumer"])
def test_units_are_enabled_and_active(host, unit):
    assert host.service(unit).is_enabled and host.service(unit).is_running


def post(host, path):
    script = ("import json, urllib.request; r = urllib.request.urlopen(urllib.request.Request("
              f"'http://127.0.0.1:80{path}', method='POST'), timeout=15); print(r.status, r.read().decode())")
    status, body = host.check_output(f"python3 -c \"{script}\"").split(" ", 1)
    return int(status), json.loads(body)


def test_the_apps_connect_with_tls(host):
    ready = json.loads(host.check_output(
        "python3 -c \"import urllib.request; print(urllib.request.urlopen("
        "'http://127.0.0.1:80/readyz', timeout=5).read().decode())\""))
    host_name, port = ready["node"].split(":")
    assert host_name in NODES and port == "5671"


def test_a_message_published_on_the_app_host_reaches_the_consumer(host):
    word = "prod-" + uuid.uuid4().hex[:8]
    status, body = post(host, f"/publish/{word}")
    assert status == 200 and body["confirmed"] is True
    # The simulation names the app containers after their host (see its inventory).
    consumer = f"consumer-{host.backend.get_hostname()}"
    wait_until(lambda: f"Received a message: {word}" in host.check_output(f"docker logs {consumer} 2>&1"),
               timeout=30, what="the consumer's log line")


def test_the_publisher_is_not_reachable_from_other_machines():
    for address in APP_HOSTS.values():
        assert refused(address, 80)
