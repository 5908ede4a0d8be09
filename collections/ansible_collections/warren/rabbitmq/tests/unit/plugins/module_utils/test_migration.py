from __future__ import annotations

import pytest

from ansible_collections.warren.rabbitmq.plugins.module_utils.migration import (
    MigrationError, effective_policy, missing_definitions, translate_definitions)

HA_FED = {"vhost": "/", "name": "ha-fed", "pattern": ".*", "apply-to": "queues", "priority": 1,
          "definition": {"ha-mode": "nodes", "ha-params": ["rabbit@rabbit-1", "rabbit@rabbit-2"],
                         "ha-sync-mode": "automatic", "federation-upstream-set": "all"}}
ONLY_MIRRORING = {"vhost": "/", "name": "mirror", "pattern": "^m\\.", "apply-to": "all",
                  "priority": 5, "definition": {"ha-mode": "all"}}


def export(**overrides):
    """A 3.10 export like the tutorial's cluster's."""
    definitions = {
        "rabbit_version": "3.10.8",
        "users": [{"name": "publisher", "password_hash": "aGFzaA==", "tags": [],
                   "hashing_algorithm": "rabbit_password_hashing_sha256", "limits": {}}],
        "vhosts": [{"name": "/", "limits": [], "metadata": {"description": "Default", "tags": []}}],
        "permissions": [{"user": "publisher", "vhost": "/", "configure": "^publisher$",
                         "write": "^publisher$", "read": "^$"}],
        "topic_permissions": [],
        "parameters": [{"vhost": "/", "component": "federation-upstream", "name": "dc2",
                        "value": {"uri": "amqp://dc2"}}],
        "global_parameters": [{"name": "cluster_name", "value": "blue"},
                              {"name": "internal_cluster_id", "value": "rabbitmq-cluster-id-x"}],
        "policies": [HA_FED],
        "queues": [{"name": "publisher", "vhost": "/", "durable": True, "auto_delete": False,
                    "arguments": {"x-queue-mode": "lazy", "x-message-ttl": 60000}}],
        "exchanges": [{"name": "events", "vhost": "/", "type": "topic", "durable": True,
                       "auto_delete": False, "internal": False, "arguments": {}}],
        "bindings": [{"source": "events", "vhost": "/", "destination": "publisher",
                      "destination_type": "queue", "routing_key": "#", "arguments": {}}],
    }
    definitions.update(overrides)
    return definitions


def test_the_tutorials_cluster_becomes_quorum_queues_with_everything_else_kept():
    source = export()
    result, notes = translate_definitions(source)
    [queue] = result["queues"]
    assert queue["arguments"] == {"x-message-ttl": 60000, "x-queue-type": "quorum"}
    [policy] = result["policies"]
    assert policy["definition"] == {"federation-upstream-set": "all"}
    assert result["users"] == source["users"]
    assert result["permissions"] == source["permissions"]
    assert result["exchanges"] == source["exchanges"] and result["bindings"] == source["bindings"]
    assert result["parameters"] == source["parameters"]
    assert result["global_parameters"] == []
    assert result["vhosts"][0]["metadata"] == {"description": "Default", "tags": [],
                                               "default_queue_type": "quorum"}
    assert "queue publisher: mirrored classic -> quorum" in notes
    assert "policy ha-fed: dropped ha-mode, ha-params, ha-sync-mode" in notes
    # The export itself is left as it was.
    assert source["queues"][0]["arguments"]["x-queue-mode"] == "lazy"


def test_a_policy_that_only_mirrored_is_not_carried_over():
    result, notes = translate_definitions(export(policies=[HA_FED, ONLY_MIRRORING]))
    assert [p["name"] for p in result["policies"]] == ["ha-fed"]
    assert "policy mirror: only mirrored, not carried over" in notes


def test_queues_no_mirroring_policy_applies_to_stay_classic_without_v1_arguments():
    policy = dict(HA_FED, pattern="^orders\\.")
    queues = [{"name": "cache", "vhost": "/", "durable": True, "auto_delete": True,
               "arguments": {"x-queue-version": 1}},
              {"name": "orders.new", "vhost": "/", "durable": True, "auto_delete": False,
               "arguments": {}}]
    result, notes = translate_definitions(export(policies=[policy], queues=queues))
    by_name = {q["name"]: q for q in result["queues"]}
    assert by_name["cache"]["arguments"] == {} and by_name["cache"]["auto_delete"]
    assert by_name["orders.new"]["arguments"] == {"x-queue-type": "quorum"}
    assert "queue cache: stays classic" in notes and "queue cache: dropped x-queue-version" in notes


def test_the_highest_priority_policy_decides_and_exchanges_only_policies_do_not_mirror():
    low = dict(HA_FED, priority=0)
    high = {"vhost": "/", "name": "ttl", "pattern": ".*", "apply-to": "queues", "priority": 9,
            "definition": {"message-ttl": 1000}}
    exchanges_only = dict(ONLY_MIRRORING, pattern=".*", **{"apply-to": "exchanges"})
    queue = {"name": "publisher", "vhost": "/"}
    assert effective_policy(queue, [low, high, exchanges_only])["name"] == "ttl"
    result, _ = translate_definitions(export(policies=[low, high]))
    assert "x-queue-type" not in result["queues"][0]["arguments"]
    assert effective_policy(dict(queue, vhost="other"), [low]) is None


@pytest.mark.parametrize("change, reason", [
    ({"durable": False}, "not durable"),
    ({"auto_delete": True}, "auto-delete"),
    ({"arguments": {"x-max-priority": 10}}, "x-max-priority"),
    ({"arguments": {"x-overflow": "reject-publish-dlx"}}, "reject-publish-dlx"),
])
def test_a_mirrored_queue_without_a_quorum_equivalent_is_refused_unless_kept_classic(change, reason):
    queue = dict({"name": "jobs", "vhost": "batch", "durable": True, "auto_delete": False,
                  "arguments": {}}, **change)
    policy = dict(HA_FED, vhost="batch")
    with pytest.raises(MigrationError) as raised:
        translate_definitions(export(policies=[policy], queues=[queue]))
    assert "batch/jobs: it" in str(raised.value) and reason in str(raised.value)
    assert "keep_classic" in str(raised.value)
    result, _ = translate_definitions(export(policies=[policy], queues=[queue]),
                                      keep_classic=["batch/jobs"])
    assert "x-queue-type" not in result["queues"][0]["arguments"]


def test_dynamic_shovels_are_refused_and_the_migrations_own_are_not_carried():
    shovel = {"vhost": "/", "component": "shovel", "name": "to-archive", "value": {}}
    own = {"vhost": "/", "component": "shovel", "name": "warren-migrate-publisher", "value": {}}
    with pytest.raises(MigrationError, match="dynamic shovel\\(s\\) to-archive"):
        translate_definitions(export(parameters=[shovel, own]))
    result, _ = translate_definitions(export(parameters=[own]))
    assert result["parameters"] == []


def test_streams_are_refused_as_a_shovel_never_empties_them():
    stream = {"name": "events", "vhost": "audit", "durable": True, "auto_delete": False,
              "arguments": {"x-queue-type": "stream"}}
    source = export()
    with pytest.raises(MigrationError, match=r"stream\(s\) audit/events"):
        translate_definitions(dict(source, queues=source["queues"] + [stream]))


def test_an_empty_export_gives_empty_definitions():
    result, notes = translate_definitions({})
    assert all(value == [] for value in result.values()) and notes == []


def test_a_policy_left_pointing_at_no_federation_upstream_is_not_carried_over():
    result, notes = translate_definitions(export(parameters=[]))
    assert result["policies"] == []
    assert "policy ha-fed: only mirrored (no federation upstream is defined), not carried over" in notes


def test_only_what_the_target_lacks_is_imported_and_what_it_has_stays():
    wanted, _ = translate_definitions(export())
    target_user = dict(wanted["users"][0], password_hash="b3RoZXI=")
    current = {"users": [target_user], "vhosts": wanted["vhosts"],
               "queues": [dict(wanted["queues"][0], arguments={"x-queue-type": "quorum",
                                                               "x-message-ttl": "60000"})]}
    missing = missing_definitions(wanted, current)
    assert "users" not in missing and "vhosts" not in missing and "queues" not in missing
    assert missing["exchanges"] == wanted["exchanges"] and missing["bindings"] == wanted["bindings"]
    assert missing_definitions(wanted, wanted) == {}


def test_a_queue_of_another_type_on_the_target_is_a_conflict_named_before_any_import():
    wanted, _ = translate_definitions(export())
    current = {"queues": [dict(wanted["queues"][0], arguments={"x-queue-type": "classic"})]}
    with pytest.raises(MigrationError, match=r"queues publisher \(vhost /\) \(arguments: .*classic.* on the target"):
        missing_definitions(wanted, current)
