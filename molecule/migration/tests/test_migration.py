"""playbooks/migrate.yml moves the tutorial's cluster (blue: 3.10, the publisher queue mirrored
by ha-fed) to a 4.3 quorum cluster (green) under load: a backlog of 10,000 confirmed messages
waits in blue with the consumer stopped, then the consumer starts and confirmed publishing goes
on throughout. The first run is killed once the shovels run (after step 4) and a second run
resumes it. Every message confirmed by blue or green must be consumed."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chaos.traffic import HttpTraffic
from testkit import (GREEN_NODES, NODES, PROJECT_DIR, ansible_playbook, api, docker_exec,
                     recap_changed, run, wait_until)

INVENTORY = ["-i", "inventories/local", "-i", "molecule/migration/inventory/hosts.yml"]
APP_HOST = "app-host-1"
BACKLOG = 10_000
GREEN = GREEN_NODES[0]


def green_step():
    status, parameter = api("global-parameters/warren-migration", node=GREEN)
    return parameter["value"]["step"] if status == 200 else None


def longest_gap(times, start, end):
    """The longest stretch of [start, end] without one of ``times``, in seconds."""
    points = sorted([start, end, *(t for t in times if start <= t <= end)])
    return round(max(b - a for a, b in zip(points, points[1:])), 2)


def run_killed_after_step_4(log: Path):
    """migrate.yml, killed (all its processes) as soon as green records that the shovels run."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT_DIR / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("ansible-playbook")), "playbooks/migrate.yml",
             *INVENTORY], cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_until(lambda: green_step() or process.poll() is not None, timeout=900,
                       interval=0.2, what="the migration's first recorded step")
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process.returncode != -signal.SIGKILL:
        raise AssertionError("the migration ended before it could be interrupted:\n"
                             + log.read_text()[-6000:])
    return green_step()


@pytest.fixture(scope="module")
def migration(tmp_path_factory):
    """The whole migration under load; its figures and what each run printed."""
    # The management API shows a queue's policy once the next statistics reach it.
    wait_until(lambda: (api("queues/%2F/publisher")[1] or {}).get("policy") == "ha-fed",
               timeout=60, what="blue's publisher queue mirrored by ha-fed")
    docker_exec(APP_HOST, "systemctl", "stop", "warren-consumer.service")
    traffic = HttpTraffic(app_host=APP_HOST)
    traffic.start()
    try:
        wait_until(lambda: len(traffic.confirmed) >= BACKLOG, timeout=600,
                   what=f"{BACKLOG} confirmed messages")
        backlog = len(traffic.confirmed)
        docker_exec(APP_HOST, "systemctl", "start", "warren-consumer.service")
        time.sleep(3)

        started = time.time()
        interrupted_at = run_killed_after_step_4(tmp_path_factory.mktemp("migration") / "run.log")
        resume_started = time.monotonic()
        resumed = ansible_playbook("playbooks/migrate.yml", *INVENTORY, timeout=1800)
        resume_seconds = time.monotonic() - resume_started
        finished = time.time()
        rerun = ansible_playbook("playbooks/migrate.yml", *INVENTORY, timeout=600)
        time.sleep(5)
    finally:
        traffic.stop_publishing()
    traffic.drain(timeout=300)
    duplicates = sum(count - 1 for count in traffic.received.values())
    figures = {
        "backlog_confirmed_on_blue": backlog,
        "confirmed": len(traffic.confirmed),
        "lost": len(traffic.lost()),
        "duplicates": duplicates,
        "failed_publishes": len(traffic.failures),
        "longest_without_confirm_s": longest_gap(traffic.confirm_times, started, finished),
        "longest_without_delivery_s": longest_gap(traffic.delivery_times, started, finished),
        "migration_s": round(finished - started, 1),
        "resumed_run_s": round(resume_seconds, 1),
        "interrupted_after": interrupted_at,
    }
    return {"figures": figures, "traffic": traffic, "resumed": resumed, "rerun": rerun}


def test_an_interrupted_migration_resumes(migration):
    resumed = migration["resumed"]
    assert migration["figures"]["interrupted_after"] in ("started", "consumers-on-green"), \
        "the first run was not stopped between step 4 and the end"
    assert resumed.returncode == 0, resumed.stdout[-6000:]
    assert "Steps already done: started" in resumed.stdout
    assert green_step() == "complete"


def test_no_confirmed_message_is_lost(migration, migration_reports):
    figures, traffic = migration["figures"], migration["traffic"]
    migration_reports.append(figures)
    print(json.dumps(figures, indent=2))
    assert figures["confirmed"] > BACKLOG + 1000, "too little traffic during the migration"
    assert not traffic.lost(), f"{figures['lost']} confirmed message(s) lost: {traffic.lost()[:20]}"


def test_a_finished_migration_changes_nothing(migration):
    rerun = migration["rerun"]
    assert rerun.returncode == 0, rerun.stdout[-6000:]
    assert recap_changed(rerun.stdout) == 0, rerun.stdout[-6000:]


def test_the_apps_use_green_and_blue_is_empty(migration):
    for app in ("publisher", "consumer"):
        env = docker_exec(APP_HOST, "cat", f"/etc/warren/apps/{app}.env").stdout
        assert "RABBIT_HOSTS=rabbit-green-1:5672,rabbit-green-2:5672,rabbit-green-3:5672" in env
    status, queue = api("queues/%2F/publisher", node=GREEN)
    assert status == 200 and queue["type"] == "quorum"
    assert queue.get("policy") != "ha-fed"
    status, queue = api("queues/%2F/publisher")
    assert queue["messages"] == 0
    assert api("parameters/shovel", node=GREEN)[1] == []


def test_a_rollback_moves_the_apps_and_the_messages_back_to_blue(migration):
    traffic = HttpTraffic(app_host=APP_HOST)
    traffic.start()
    try:
        wait_until(lambda: len(traffic.confirmed) >= 1000, what="traffic on green")
        rollback = ansible_playbook("playbooks/migrate_rollback.yml", *INVENTORY, timeout=1200)
        time.sleep(3)
    finally:
        traffic.stop_publishing()
    traffic.drain(timeout=300)
    assert rollback.returncode == 0, rollback.stdout[-6000:]
    print(f"rollback: {len(traffic.confirmed)} confirmed, {len(traffic.failures)} failed publishes")
    assert not traffic.lost(), f"{len(traffic.lost())} confirmed message(s) lost: {traffic.lost()[:20]}"
    for app in ("publisher", "consumer"):
        env = docker_exec(APP_HOST, "cat", f"/etc/warren/apps/{app}.env").stdout
        assert "RABBIT_HOSTS=rabbit-1:5672,rabbit-2:5672,rabbit-3:5672" in env
    assert api("queues/%2F/publisher", node=GREEN)[1]["messages"] == 0
    assert api("parameters/shovel", node=GREEN)[1] == []
    assert green_step() is None

    again = ansible_playbook("playbooks/migrate.yml", *INVENTORY, timeout=1200)
    assert again.returncode == 0, again.stdout[-6000:]
    assert green_step() == "complete"


def test_blue_is_retired_only_on_request_and_keeps_its_data(migration):
    assert all(run("docker", "inspect", node, check=False).returncode == 0 for node in NODES)
    result = ansible_playbook("playbooks/migrate.yml", *INVENTORY, "-e", "migrate_retire_blue=true")
    assert result.returncode == 0, result.stdout[-6000:]
    for node in NODES:
        assert run("docker", "inspect", node, check=False).returncode != 0, f"{node} still runs"
        assert run("docker", "volume", "inspect", f"{node}-data", check=False).returncode == 0
