"""The chaos driver: proves that no confirmed message is lost while nodes fail.

It publishes continuously with warren's own ConfirmingPublisher (each message a unique id,
every confirmed id recorded), consumes with warren's own QueueConsumer (every received id
recorded), injects faults into the local 3-node cluster one after another, each bounded in
time, lets the cluster heal after each, then drains the queue and compares:

- lost: confirmed but never consumed (must be 0),
- duplicates: consumed more than once (at-least-once delivery allows them; reported),
- per fault: the longest time without a confirm (publisher unavailability), the longest time
  without a delivery (consumer recovery), and the publishes that failed (503s).

Faults: docker kill of the node hosting the queue's leader (quorum) or master (classic);
docker pause of a node, then unpause; disconnecting a node from the network `rabbits`
(a partition, which pause_minority must answer by pausing that node), then reconnecting;
docker restart of a node.

Run alone: make chaos (the molecule scenario `failover`) or `python -m chaos` from tests/.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from testkit import (NODES, admin_credentials, amqp_port, api, cluster_info, docker_exec,
                     nodename, run, wait_until)
from warren_apps.config import Settings
from warren_apps.consumer import QueueConsumer
from warren_apps.publisher import ConfirmingPublisher, PublishError

QUEUES = {
    # Classic mirrored as the tutorial intends: every node, synchronised automatically, and a
    # mirror is promoted only when it holds every message.
    "classic": ("chaos-classic", {"ha-mode": "all", "ha-sync-mode": "automatic",
                                  "ha-promote-on-failure": "when-synced"}),
    "quorum": ("chaos-quorum", None),
}


@dataclass
class FaultResult:
    fault: str
    node: str
    seconds: float = 0.0
    unavailable_s: float = 0.0
    consumer_gap_s: float = 0.0
    failed_publishes: int = 0
    healed_s: float = 0.0
    note: str = ""


@dataclass
class Report:
    queue_type: str
    queue: str
    published_confirmed: int = 0
    consumed_unique: int = 0
    deliveries: int = 0
    lost: int = 0
    duplicates: int = 0
    failed_publishes: int = 0
    faults: list = field(default_factory=list)
    lost_sample: list = field(default_factory=list)


class Traffic:
    """warren's publisher and consumer on their own event loop, recording ids and times."""

    def __init__(self, queue: str, queue_type: str, publishers: int = 4):
        user, password = admin_credentials()
        self.settings = Settings(
            hosts=tuple(("127.0.0.1", amqp_port(n)) for n in NODES), username=user,
            password=password, queue=queue, queue_type=queue_type, heartbeat=2,
            publish_timeout=5.0, reconnect_initial=0.1, reconnect_max=1.0, prefetch=200,
            log_format="text")
        self.publishers = publishers
        self.confirmed: dict[str, float] = {}
        self.failures: list[float] = []
        self.received: dict[str, int] = {}
        self.delivery_times: list[float] = []
        self.confirm_times: list[float] = []
        self._stop_publishing = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.publisher = ConfirmingPublisher(self.settings)
        self.consumer = QueueConsumer(self.settings, handler=self._on_delivery)
        # Both start on rabbit-1, which thereby hosts the new queue's leader: the first fault
        # (killing the leader's node) then also takes the clients' connections, the worst case.
        self.publisher._index = self.consumer._index = 0
        self._tasks = []

    def _on_delivery(self, delivery):
        key = delivery.body.decode()
        self.received[key] = self.received.get(key, 0) + 1
        self.delivery_times.append(time.monotonic())

    async def _publish_forever(self, worker: int):
        n = 0
        while not self._stop_publishing.is_set():
            body = "%d-%d" % (worker, n)
            n += 1
            try:
                await self.publisher.publish(body.encode())
            except PublishError:
                self.failures.append(time.monotonic())
                await asyncio.sleep(0.05)
                continue
            now = time.monotonic()
            self.confirmed[body] = now
            self.confirm_times.append(now)

    def _call(self, coroutine, timeout=60):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def start(self):
        self._thread.start()

        async def begin():
            self.consumer.start()
            self.publisher.start()
            deadline = time.monotonic() + 30
            while not (self.publisher.ready and self.consumer.ready):
                if time.monotonic() > deadline:
                    raise TimeoutError("publisher or consumer did not connect")
                await asyncio.sleep(0.05)
            self._tasks = [asyncio.ensure_future(self._publish_forever(w))
                           for w in range(self.publishers)]

        self._call(begin())

    def stop_publishing(self):
        self._stop_publishing.set()

        async def finish():
            await asyncio.wait(self._tasks, timeout=30)
            await self.publisher.stop()

        self._call(finish())

    def drain_and_stop(self, timeout: float = 120):
        expected = set(self.confirmed)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not expected <= set(self.received):
            time.sleep(0.5)
        # Let what is still on its way (duplicates, unconfirmed publishes) arrive too.
        time.sleep(2)
        self._call(self.consumer.stop(timeout=10))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def _max_gap(times, start, end):
    """Longest stretch in [start, end] without an event."""
    inside = [t for t in times if start <= t <= end]
    points = [start] + inside + [end]
    return max(b - a for a, b in zip(points, points[1:]))


def cluster_whole():
    info = cluster_info()
    return (sorted(info["running_nodes"]) == sorted(nodename(n) for n in NODES)
            and not info["partitions"])


def wait_whole(timeout=240):
    wait_until(lambda: cluster_whole(), timeout=timeout, interval=1, what="a whole cluster")


def queue_info(name):
    return next(q for q in cluster_info(gather=["queues"])["queues"] if q["name"] == name)


def wait_replicas_in_sync(name, timeout=120):
    all_nodes = sorted(nodename(n) for n in NODES)

    def in_sync():
        q = queue_info(name)
        if q["type"] == "quorum":
            return q["members"] == all_nodes and q["state"] == "running"
        return sorted([q["leader"], *q["synchronised_mirrors"]]) == all_nodes
    wait_until(in_sync, timeout=timeout, interval=1, what=f"{name} replicated on every node")


def leader_container(name):
    return queue_info(name)["leader"].split("@", 1)[1]


def node_paused_itself(node):
    """pause_minority stops the RabbitMQ application on the node in the minority."""
    return docker_exec(node, "rabbitmq-diagnostics", "--quiet", "check_running",
                       check=False, timeout=30).returncode != 0


class Faults:
    def __init__(self, queue: str, hold: float):
        self.queue = queue
        self.hold = hold

    def _on_leader_for_a_while(self, action: str, undo: str):
        node = leader_container(self.queue)
        run("docker", action, node)
        time.sleep(self.hold)
        run("docker", undo, node)
        return node, ""

    def kill_leader(self):
        return self._on_leader_for_a_while("kill", "start")

    def pause(self):
        return self._on_leader_for_a_while("pause", "unpause")

    def partition(self):
        # A node that is not the leader, so the majority keeps serving the queue.
        leader = leader_container(self.queue)
        node = next(n for n in reversed(NODES) if n != leader)
        run("docker", "network", "disconnect", "rabbits", node)
        note = ""
        try:
            paused = wait_until(lambda: node_paused_itself(node), timeout=150, interval=2,
                                what=f"{node} pausing itself (pause_minority)")
            note = "paused itself (pause_minority)" if paused else ""
        finally:
            run("docker", "network", "connect", "rabbits", node)
        return node, note

    def restart(self):
        node = leader_container(self.queue)
        run("docker", "restart", node, timeout=180)
        return node, ""


def prepare_queue(queue_type: str):
    queue, policy = QUEUES[queue_type]
    api(f"queues/%2F/{queue}", method="DELETE")
    if policy:
        status, _ = api(f"policies/%2F/{queue}", method="PUT", body={
            "pattern": f"^{queue}$", "apply-to": "queues", "priority": 10, "definition": policy})
        assert status in (201, 204), f"could not set the policy for {queue}: HTTP {status}"
    return queue


def cleanup_queue(queue_type: str):
    queue, policy = QUEUES[queue_type]
    api(f"queues/%2F/{queue}", method="DELETE")
    if policy:
        api(f"policies/%2F/{queue}", method="DELETE")


def run_chaos(queue_type: str, hold: float = 8.0, settle: float = 5.0, log=print) -> Report:
    wait_whole()
    queue = prepare_queue(queue_type)
    traffic = Traffic(queue, queue_type)
    report = Report(queue_type=queue_type, queue=queue)
    faults = Faults(queue, hold)
    try:
        traffic.start()
        time.sleep(settle)
        wait_replicas_in_sync(queue)
        for name, inject in (("docker kill of the leader", faults.kill_leader),
                             ("docker pause", faults.pause),
                             ("network partition", faults.partition),
                             ("docker restart", faults.restart)):
            failed_before = len(traffic.failures)
            started = time.monotonic()
            log(f"[{queue_type}] {name} ...")
            node, note = inject()
            injected = time.monotonic()
            wait_whole()
            wait_replicas_in_sync(queue)
            healed = time.monotonic()
            time.sleep(settle)
            end = time.monotonic()
            result = FaultResult(
                fault=name, node=node, seconds=round(injected - started, 1),
                unavailable_s=round(_max_gap(traffic.confirm_times, started, end), 2),
                consumer_gap_s=round(_max_gap(traffic.delivery_times, started, end), 2),
                failed_publishes=len(traffic.failures) - failed_before,
                healed_s=round(healed - started, 1), note=note)
            report.faults.append(result)
            log(f"[{queue_type}]   {result}")
        traffic.stop_publishing()
        traffic.drain_and_stop()
    finally:
        cleanup_queue(queue_type)

    confirmed, received = set(traffic.confirmed), traffic.received
    lost = sorted(confirmed - set(received))
    report.published_confirmed = len(confirmed)
    report.consumed_unique = len(received)
    report.deliveries = sum(received.values())
    report.lost = len(lost)
    report.lost_sample = lost[:20]
    report.duplicates = report.deliveries - report.consumed_unique
    report.failed_publishes = len(traffic.failures)
    return report


def table(reports) -> str:
    lines = ["%-9s %-26s %-9s %10s %10s %8s %8s  %s" % (
        "queue", "fault", "node", "no-confirm", "no-deliver", "503s", "healed", "note")]
    for r in reports:
        for f in r.faults:
            f = f if isinstance(f, dict) else asdict(f)
            lines.append("%-9s %-26s %-9s %9.2fs %9.2fs %8d %7.1fs  %s" % (
                r.queue_type, f["fault"], f["node"], f["unavailable_s"], f["consumer_gap_s"],
                f["failed_publishes"], f["healed_s"], f["note"]))
    lines.append("")
    for r in reports:
        lines.append("%-9s confirmed %7d  consumed %7d  lost %d  duplicates %d  failed publishes %d"
                     % (r.queue_type, r.published_confirmed, r.consumed_unique, r.lost,
                        r.duplicates, r.failed_publishes))
    return "\n".join(lines)


def write_json(reports, path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(r) for r in reports], indent=2) + "\n")
