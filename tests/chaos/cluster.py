"""The local cluster's state as the chaos driver needs it, and the faults it injects."""

from __future__ import annotations

import json
import time
import urllib.request

from testkit import NODES, PUBLISHER_ADDRESS, cluster_info, docker_exec, nodename, run, wait_until

ALL_NODES = sorted(nodename(n) for n in NODES)


def cluster_whole():
    info = cluster_info()
    return sorted(info["running_nodes"]) == ALL_NODES and not info["partitions"]


def wait_whole(timeout=240):
    wait_until(cluster_whole, timeout=timeout, interval=1, what="a whole cluster")


def queue_info(name):
    return next(q for q in cluster_info(gather=["queues"])["queues"] if q["name"] == name)


def wait_replicas_in_sync(name, timeout=180):
    def in_sync():
        q = queue_info(name)
        if q["type"] == "quorum":
            return q["members"] == ALL_NODES and q["state"] == "running"
        return sorted([q["leader"], *q["synchronised_mirrors"]]) == ALL_NODES
    wait_until(in_sync, timeout=timeout, interval=1, what=f"{name} replicated on every node")


def leader_container(queue):
    return queue_info(queue)["leader"].split("@", 1)[1]


def publisher_node():
    """The node the deployed publisher is connected to (its /readyz says)."""
    def ready():
        with urllib.request.urlopen("http://%s:%d/readyz" % PUBLISHER_ADDRESS, timeout=5) as r:
            return json.loads(r.read())["node"].split(":")[0]
    return wait_until(ready, timeout=60, what="the publisher connected")


def node_paused_itself(node):
    """pause_minority stops the RabbitMQ application on the node in the minority."""
    return docker_exec(node, "rabbitmq-diagnostics", "--quiet", "check_running",
                       check=False, timeout=30).returncode != 0


class Faults:
    """Each fault returns (node, note) once it is over; the cluster then heals by itself."""

    def __init__(self, queue: str, hold: float):
        self.queue = queue
        self.hold = hold

    def _for_a_while(self, node: str, action: str, undo: str):
        run("docker", action, node)
        time.sleep(self.hold)
        run("docker", undo, node)
        return node

    def _clients_note(self, node):
        return "the publisher's node too" if publisher_node() == node else ""

    def kill_leader(self):
        node = leader_container(self.queue)
        note = self._clients_note(node)
        return self._for_a_while(node, "kill", "start"), note

    def kill_publishers_node(self):
        node = publisher_node()
        note = "the leader's node too" if leader_container(self.queue) == node else ""
        return self._for_a_while(node, "kill", "start"), note

    def pause(self):
        node = leader_container(self.queue)
        note = self._clients_note(node)
        return self._for_a_while(node, "pause", "unpause"), note

    def partition(self):
        # The publisher's node: the publisher must notice that its node went silent, and the
        # majority must take over the queue if that node held its leader.
        node = publisher_node()
        note = "the leader's node too; " if leader_container(self.queue) == node else ""
        run("docker", "network", "disconnect", "rabbits", node)
        try:
            if wait_until(lambda: node_paused_itself(node), timeout=150, interval=2,
                          what=f"{node} pausing itself (pause_minority)"):
                note += "paused itself (pause_minority)"
        finally:
            run("docker", "network", "connect", "rabbits", node)
        return node, note

    def restart(self):
        node = leader_container(self.queue)
        run("docker", "restart", node, timeout=180)
        return node, ""

    def all(self):
        return (("docker kill of the leader's node", self.kill_leader),
                ("docker kill of the publisher's node", self.kill_publishers_node),
                ("docker pause of the leader's node", self.pause),
                ("network partition", self.partition),
                ("docker restart of the leader's node", self.restart))
