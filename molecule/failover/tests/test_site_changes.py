"""site.yml applies a changed container setting to a running cluster one node at a time:
at every moment at least 2 of the 3 nodes run, and the apps keep answering 200."""

import threading
import time

from chaos.cluster import wait_whole
from chaos.traffic import HttpTraffic
from testkit import NODES, ansible_playbook, run


def running_nodes():
    names = run("docker", "ps", "--filter", "label=org.warren.role=rabbitmq-node",
                "--filter", "status=running", "--format", "{{.Names}}").stdout.split()
    return len(set(names) & set(NODES))


def started_at(node):
    return run("docker", "inspect", node, "--format", "{{.State.StartedAt}}").stdout.strip()


def test_a_changed_container_setting_recreates_one_node_at_a_time():
    wait_whole()
    before = {n: started_at(n) for n in NODES}
    counts, stop = [], threading.Event()

    def poll():
        while not stop.is_set():
            counts.append(running_nodes())
            time.sleep(0.2)

    poller = threading.Thread(target=poll, daemon=True)
    traffic = HttpTraffic(publishers=2)
    poller.start()
    traffic.start()
    try:
        result = ansible_playbook("site.yml", "-e", "rabbitmq_node_healthcheck_interval=29s",
                                  timeout=900)
    finally:
        traffic.stop_publishing()
        stop.set()
        poller.join(10)
    traffic.drain()
    assert result.returncode == 0, result.stdout[-4000:]
    assert all(started_at(n) != before[n] for n in NODES), "the change did not reach every node"
    assert len(counts) > 100 and min(counts) >= 2, f"running nodes seen: {sorted(set(counts))}"
    assert traffic.confirmed and not traffic.failures, dict(traffic.statuses)
    assert not traffic.lost()
