"""With the deployment as users run it (its policies, publisher, consumer and their settings),
no confirmed message is lost while nodes are killed, paused, partitioned and restarted - on the
default classic mirrored queue and on a quorum queue - nor during a rolling restart (on the
quorum queue here; test_site_changes.py restarts every node under the classic one)."""

import time

import pytest
from chaos.cluster import wait_replicas_in_sync, wait_whole
from chaos.run import run_chaos
from chaos.traffic import HttpTraffic
from testkit import NODES, ansible_playbook, run


def started_at(node):
    return run("docker", "inspect", node, "--format", "{{.State.StartedAt}}").stdout.strip()


def test_no_confirmed_message_is_lost_while_nodes_fail(deployment, chaos_reports):
    queue_type, queue = deployment
    report = run_chaos(queue_type, queue)
    chaos_reports.append(report)
    assert report.published_confirmed > 1000, "too little traffic to prove anything"
    assert len(report.faults) == 5
    assert report.lost == 0, f"{report.lost} confirmed message(s) never consumed: {report.lost_sample}"
    partition = next(f for f in report.faults if f.fault == "network partition")
    assert "pause_minority" in partition.note


@pytest.mark.parametrize("deployment", ["quorum"], indirect=True)
def test_a_rolling_restart_keeps_serving_and_loses_nothing(deployment):
    queue_type, queue = deployment
    wait_whole()
    wait_replicas_in_sync(queue)
    before = {n: started_at(n) for n in NODES}
    traffic = HttpTraffic()
    traffic.start()
    try:
        time.sleep(3)
        result = ansible_playbook("playbooks/rolling_restart.yml", timeout=900)
        time.sleep(3)
    finally:
        traffic.stop_publishing()
    traffic.drain()
    assert result.returncode == 0, result.stdout[-4000:]
    assert all(started_at(n) != before[n] for n in NODES), "not every node was restarted"
    lost = traffic.lost()
    print(f"{queue_type}: {len(traffic.confirmed)} confirmed, {len(traffic.failures)} failed "
          f"publishes {dict(traffic.statuses)} during the rolling restart")
    assert len(traffic.confirmed) > 1000
    assert not lost, f"{len(lost)} confirmed message(s) lost: {lost[:20]}"
    # Brief refusals are allowed (and counted above); the publisher must not stall.
    assert len(traffic.failures) < len(traffic.confirmed) / 100
