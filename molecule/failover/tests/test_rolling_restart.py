"""playbooks/rolling_restart.yml restarts every node, one at a time, while warren's publisher
runs: no confirmed message is lost and the publisher keeps answering."""

import time

import pytest
from chaos import Traffic, cleanup_queue, prepare_queue, wait_whole
from testkit import NODES, ansible_playbook, run


def started_at(node):
    return run("docker", "inspect", node, "--format", "{{.State.StartedAt}}").stdout.strip()


@pytest.mark.parametrize("queue_type", ["classic", "quorum"])
def test_rolling_restart_keeps_serving_and_loses_nothing(queue_type):
    wait_whole()
    queue = prepare_queue(queue_type)
    before = {n: started_at(n) for n in NODES}
    traffic = Traffic(queue, queue_type)
    try:
        traffic.start()
        time.sleep(3)
        result = ansible_playbook("playbooks/rolling_restart.yml", timeout=900)
        time.sleep(3)
        traffic.stop_publishing()
        traffic.drain_and_stop()
    finally:
        cleanup_queue(queue_type)
    assert result.returncode == 0, result.stdout[-4000:]
    assert all(started_at(n) != before[n] for n in NODES), "not every node was restarted"
    confirmed = set(traffic.confirmed)
    lost = confirmed - set(traffic.received)
    print(f"{queue_type}: {len(confirmed)} confirmed, {len(traffic.failures)} failed publishes "
          f"(503s) during the rolling restart")
    assert len(confirmed) > 1000
    assert not lost, f"{len(lost)} confirmed message(s) lost: {sorted(lost)[:20]}"
    # Brief refusals are allowed (and counted above); the publisher must not stall.
    assert len(traffic.failures) < len(confirmed) / 100
