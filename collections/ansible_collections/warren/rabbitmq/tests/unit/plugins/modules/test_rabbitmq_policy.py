from __future__ import annotations

import json

from ansible_collections.warren.rabbitmq.plugins.modules import rabbitmq_policy

LOGIN = dict(login_user="admin", login_password="secret")
NODES = ["rabbit@rabbit-1", "rabbit@rabbit-2", "rabbit@rabbit-3"]
HA_FED = dict(LOGIN, name="ha-fed", pattern=".*", apply_to="queues", priority=1,
              definition={"federation-upstream-set": "all", "ha-mode": "nodes",
                          "ha-params": NODES, "ha-sync-mode": "automatic"})


def test_creates_the_policy(broker, run_module):
    result, failed = run_module(rabbitmq_policy, HA_FED)
    assert not failed and result["changed"]
    stored = broker.policies[("/", "ha-fed")]
    assert stored["apply-to"] == "queues" and stored["priority"] == 1
    assert stored["definition"]["ha-params"] == NODES
    assert result["version"] == "3.10.8"


def test_second_run_changes_nothing(broker, run_module):
    run_module(rabbitmq_policy, HA_FED)
    broker.writes.clear()
    result, _ = run_module(rabbitmq_policy, HA_FED)
    assert not result["changed"] and broker.writes == []


def test_the_brokers_own_representation_is_not_a_change(broker, run_module):
    """The API returns what it stored; strings for integers and reordered keys are equal."""
    broker.policies[("/", "limits")] = {
        "vhost": "/", "name": "limits", "pattern": "^q\\.", "apply-to": "queues", "priority": 2,
        "definition": {"message-ttl": 60000, "max-length": 100}}
    args = dict(LOGIN, name="limits", pattern="^q\\.", apply_to="queues", priority=2,
                definition={"max-length": "100", "message-ttl": "60000"})
    result, _ = run_module(rabbitmq_policy, args)
    assert not result["changed"] and broker.writes == []


def test_a_changed_definition_is_written_and_diffed(broker, run_module):
    first = dict(HA_FED, definition={"ha-mode": "all"})
    run_module(rabbitmq_policy, first)
    result, _ = run_module(rabbitmq_policy, HA_FED, diff=True)
    assert result["changed"]
    before, after = json.loads(result["diff"]["before"]), json.loads(result["diff"]["after"])
    assert before["definition"] == {"ha-mode": "all"}
    assert after["definition"]["ha-sync-mode"] == "automatic"
    assert broker.policies[("/", "ha-fed")]["definition"]["ha-sync-mode"] == "automatic"


def test_check_mode_reports_without_writing(broker, run_module):
    result, _ = run_module(rabbitmq_policy, HA_FED, check_mode=True, diff=True)
    assert result["changed"] and result["diff"]["before"] == ""
    assert broker.writes == [] and not broker.policies


def test_absent_deletes_then_does_nothing(broker, run_module):
    run_module(rabbitmq_policy, HA_FED)
    result, _ = run_module(rabbitmq_policy, dict(LOGIN, name="ha-fed", state="absent"))
    assert result["changed"] and not broker.policies and result["policy"] is None
    result, _ = run_module(rabbitmq_policy, dict(LOGIN, name="ha-fed", state="absent"))
    assert not result["changed"]


def test_ha_mode_on_4x_is_refused_before_any_write(broker, run_module):
    broker.version = "4.0.5"
    result, failed = run_module(rabbitmq_policy, HA_FED)
    assert failed
    assert "removed classic queue mirroring" in result["msg"] and "quorum" in result["msg"]
    assert broker.writes == []


def test_unknown_node_in_ha_params_is_refused_before_any_write(broker, run_module):
    args = dict(HA_FED, definition={"ha-mode": "nodes", "ha-params": ["rabbit@elsewhere"]})
    result, failed = run_module(rabbitmq_policy, args)
    assert failed and "rabbit@elsewhere" in result["msg"] and broker.writes == []


def test_quorum_apply_to_on_3_10_is_refused(broker, run_module):
    args = dict(LOGIN, name="q", pattern=".*", apply_to="quorum_queues",
                definition={"delivery-limit": 5})
    result, failed = run_module(rabbitmq_policy, args)
    assert failed and "needs RabbitMQ 3.12" in result["msg"] and broker.writes == []


def test_federation_key_without_the_plugin_is_refused(broker, run_module):
    broker.plugins = ["rabbitmq_management"]
    result, failed = run_module(rabbitmq_policy, HA_FED)
    assert failed and "rabbitmq_federation" in result["msg"] and broker.writes == []


def test_missing_vhost_is_explained(broker, run_module):
    result, failed = run_module(rabbitmq_policy, dict(HA_FED, vhost="nope"))
    assert failed and "'nope' does not exist" in result["msg"]


def test_pattern_and_definition_are_required_when_present(broker, run_module):
    result, failed = run_module(rabbitmq_policy, dict(LOGIN, name="x"))
    assert failed and "pattern" in result["msg"]


def test_api_errors_are_clear(broker, run_module):
    broker.fail_with = 401
    result, failed = run_module(rabbitmq_policy, HA_FED)
    assert failed and "refused the credentials" in result["msg"]
    broker.fail_with = "refused"
    result, failed = run_module(rabbitmq_policy, HA_FED)
    assert failed and "Cannot reach" in result["msg"]


def test_a_node_that_has_not_reported_its_plugins_yet_does_not_block(broker, run_module, monkeypatch):
    original = broker.route

    def route(method, parts, body):
        status, payload = original(method, parts, body)
        if parts[0] == "nodes":
            payload[1]["enabled_plugins"] = []
        return status, payload

    monkeypatch.setattr(broker, "route", route)
    # As after the wait for nodes that have just started: the node still reports nothing.
    monkeypatch.setattr(rabbitmq_policy, "PLUGINS_WAIT", 0)
    result, failed = run_module(rabbitmq_policy, HA_FED)
    assert not failed and result["changed"]


def test_nodes_that_have_just_started_are_waited_for_until_they_report_plugins(
        broker, run_module, monkeypatch):
    from ansible_collections.warren.rabbitmq.plugins.module_utils import cluster
    original = broker.route
    silent_reads = []

    def route(method, parts, body):
        status, payload = original(method, parts, body)
        if parts[0] == "nodes" and len(silent_reads) < 2:
            silent_reads.append(parts)
            for node in payload:
                node["enabled_plugins"] = []
        return status, payload

    monkeypatch.setattr(broker, "route", route)
    monkeypatch.setattr(cluster.time, "sleep", lambda seconds: None)
    result, failed = run_module(rabbitmq_policy, HA_FED)
    assert not failed and result["changed"] and len(silent_reads) == 2


def test_a_plugin_still_unreported_after_the_wait_is_refused(broker, run_module, monkeypatch):
    original = broker.route

    def route(method, parts, body):
        status, payload = original(method, parts, body)
        if parts[0] == "nodes":
            for node in payload:
                node["enabled_plugins"] = []
        return status, payload

    monkeypatch.setattr(broker, "route", route)
    monkeypatch.setattr(rabbitmq_policy, "PLUGINS_WAIT", 0)
    result, failed = run_module(rabbitmq_policy, HA_FED)
    assert failed and "rabbitmq_federation" in result["msg"] and broker.writes == []
