"""RabbitMQ 4.0: classic mirroring is refused before anything changes; quorum queues instead."""

from testkit import NODES, amqp_connection, ansible_playbook, api, cluster_info, nodename


def test_cluster_runs_rabbitmq_4():
    info = cluster_info()
    assert info["version_info"][:2] == [4, 0]
    assert sorted(info["running_nodes"]) == sorted(nodename(n) for n in NODES)


def test_ha_mode_is_refused_with_a_clear_message_and_nothing_changes():
    _, before = api("policies")
    result = ansible_playbook("playbooks/policy.yml", "-e", "@playbooks/policies/ha-fed.yml")
    assert result.returncode != 0
    output = " ".join(result.stdout.split())
    assert "removed classic queue mirroring" in output
    assert "quorum queues" in output
    _, after = api("policies")
    assert after == before


def test_site_applies_the_quorum_policy():
    _, policies = api("policies")
    by_name = {p["name"]: p for p in policies}
    assert by_name["quorum-defaults"]["apply-to"] == "quorum_queues"
    assert by_name["quorum-defaults"]["definition"] == {"delivery-limit": 20}
    assert not [p for p in policies if "ha-mode" in p["definition"]]


def test_queue_declared_by_a_client_is_a_quorum_queue_with_members_on_every_node(queue_name):
    with amqp_connection("rabbit-2") as connection:
        connection.channel().queue_declare(queue_name, durable=True)
    queue = next(q for q in cluster_info(gather=["queues"])["queues"] if q["name"] == queue_name)
    assert queue["type"] == "quorum"
    assert queue["members"] == sorted(nodename(n) for n in NODES)
