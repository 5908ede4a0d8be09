"""The ha-fed policy on RabbitMQ 3.10: applied by site.yml, mirrors synchronised on every node,
and the ad-hoc policy playbook is idempotent, honours check mode and shows a diff."""

import json

import pika
from testkit import (NODES, amqp_connection, ansible_playbook, cluster_info, docker_exec,
                     nodename, recap_changed, wait_until)

ALL_NODES = sorted(nodename(n) for n in NODES)


def policies():
    listing = docker_exec("rabbit-1", "rabbitmqctl", "--quiet", "list_policies",
                          "--formatter", "json").stdout
    result = {}
    for policy in json.loads(listing):
        definition = policy["definition"]
        if isinstance(definition, str):
            definition = json.loads(definition)
        result[policy["name"]] = dict(policy, definition=definition)
    return result


def policy_playbook(*args):
    result = ansible_playbook("playbooks/set_policy.yml", *args)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    return result


def test_site_applies_the_ha_fed_policy():
    ha_fed = policies()["ha-fed"]
    assert ha_fed["pattern"] == ".*"
    assert ha_fed["apply-to"] == "queues"
    assert int(ha_fed["priority"]) == 1
    assert ha_fed["definition"]["ha-mode"] == "nodes"
    assert sorted(ha_fed["definition"]["ha-params"]) == ALL_NODES
    assert ha_fed["definition"]["ha-sync-mode"] == "automatic"
    assert ha_fed["definition"]["federation-upstream-set"] == "all"
    # Only a mirror holding every message may take over, whatever happened to the master.
    assert ha_fed["definition"]["ha-promote-on-failure"] == "when-synced"
    assert ha_fed["definition"]["ha-promote-on-shutdown"] == "when-synced"


def test_new_queue_has_synchronised_mirrors_on_all_nodes(queue_name):
    with amqp_connection("rabbit-1") as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.queue_declare(queue_name, durable=True)
        for i in range(10):
            channel.basic_publish("", queue_name, f"m{i}".encode(),
                                  pika.BasicProperties(delivery_mode=2))

    def synchronised():
        queue = next(q for q in cluster_info(gather=["queues"])["queues"]
                     if q["name"] == queue_name)
        replicas = sorted([queue["leader"], *queue["synchronised_mirrors"]])
        return queue if replicas == ALL_NODES else None

    queue = wait_until(synchronised, timeout=60, what="mirrors synchronised on every node")
    assert queue["type"] == "classic"


def test_policy_playbook_is_idempotent_honours_check_mode_and_shows_a_diff():
    # site.yml's policies, applied again, change nothing.
    result = ansible_playbook("playbooks/policies.yml")
    assert result.returncode == 0 and recap_changed(result.stdout) == 0, result.stdout[-3000:]

    # The tutorial's first policy drops ha-sync-mode and the promotion safeguards: check mode
    # reports it, with a diff, and leaves the broker alone.
    before = policies()["ha-fed"]
    result = policy_playbook("-e", "@playbooks/policy_examples/ha-fed.yml", "--check", "--diff")
    assert recap_changed(result.stdout) == 1
    assert '-    "ha-sync-mode": "automatic"' in result.stdout
    assert '-    "ha-promote-on-failure": "when-synced"' in result.stdout
    assert policies()["ha-fed"] == before

    try:
        result = policy_playbook("-e", "@playbooks/policy_examples/ha-fed.yml")
        assert recap_changed(result.stdout) == 1
        assert "ha-sync-mode" not in policies()["ha-fed"]["definition"]
        result = policy_playbook("-e", "@playbooks/policy_examples/ha-fed.yml")
        assert recap_changed(result.stdout) == 0
    finally:
        ansible_playbook("playbooks/policies.yml")
    assert policies()["ha-fed"] == before
