from __future__ import annotations

import pytest

from ansible_collections.warren.rabbitmq.plugins.module_utils import cluster
from ansible_collections.warren.rabbitmq.plugins.module_utils.api import RabbitMQClient

NODES = ["rabbit@rabbit-1", "rabbit@rabbit-2", "rabbit@rabbit-3"]


@pytest.fixture
def client(broker):
    return RabbitMQClient(login_user="admin", login_password="secret")


def test_a_whole_cluster(broker, client):
    info = cluster.read_cluster(client)
    assert info["version"] == "3.10.8" and info["version_info"] == [3, 10, 8]
    assert info["running_nodes"] == NODES and info["partitions"] == {} and info["alarms"] == []
    assert info["plugins"] == sorted(broker.plugins)
    assert "queues" not in info and "policies" not in info


def test_a_stopped_node_partitions_and_alarms(broker, client):
    broker.running.discard("rabbit@rabbit-3")
    broker.partitions = {"rabbit@rabbit-1": ["rabbit@rabbit-2"]}
    broker.alarms = [("rabbit@rabbit-2", "disk")]
    info = cluster.read_cluster(client)
    assert info["running_nodes"] == NODES[:2]
    assert [n["name"] for n in info["nodes"]] == NODES
    assert info["partitions"] == {"rabbit@rabbit-1": ["rabbit@rabbit-2"]}
    assert info["alarms"] == [{"node": "rabbit@rabbit-2", "resource": "disk"}]


def test_plugins_are_those_enabled_on_every_running_node(broker, client):
    broker.plugins = ["rabbitmq_management"]
    assert cluster.read_cluster(client)["plugins"] == ["rabbitmq_management"]


def test_nodes_that_just_started_are_waited_for_until_they_report_plugins(broker, client,
                                                                         monkeypatch):
    monkeypatch.setattr(cluster.time, "sleep", lambda seconds: None)
    broker.silent_polls = {"rabbit@rabbit-2": 2}
    assert cluster.read_cluster(client, plugins_wait=30)["plugins"] == sorted(broker.plugins)
    # Without waiting, a silent node says nothing about plugins and is left out.
    broker.silent_polls = {"rabbit@rabbit-2": 1}
    assert cluster.read_cluster(client)["plugins"] == sorted(broker.plugins)


def test_queues_with_their_leader_and_replicas(broker, client):
    broker.queues = [
        {"vhost": "/", "name": "q1", "type": "quorum", "state": "running",
         "leader": "rabbit@rabbit-2", "members": NODES[::-1], "messages": 4},
        {"vhost": "/", "name": "m1", "node": "rabbit@rabbit-1", "state": "running",
         "slave_nodes": NODES[1:], "synchronised_slave_nodes": NODES[2:]},
        {"vhost": "other", "name": "o1", "node": "rabbit@rabbit-3"},
    ]
    info = cluster.read_cluster(client, gather=["queues"])
    by_name = {q["name"]: q for q in info["queues"]}
    assert by_name["q1"]["leader"] == "rabbit@rabbit-2" and by_name["q1"]["members"] == NODES
    assert by_name["q1"]["messages"] == 4
    assert by_name["m1"]["type"] == "classic" and by_name["m1"]["leader"] == "rabbit@rabbit-1"
    assert by_name["m1"]["mirrors"] == NODES[1:] and by_name["m1"]["synchronised_mirrors"] == NODES[2:]
    assert [q["name"] for q in cluster.read_cluster(client, ["queues"], vhost="other")["queues"]] == ["o1"]
