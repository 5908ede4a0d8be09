from __future__ import annotations

import pytest

from ansible_collections.warren.rabbitmq.plugins.module_utils.policy import (
    PolicyError, check, comparable, normalize_definition)

NODES = ["rabbit@rabbit-1", "rabbit@rabbit-2", "rabbit@rabbit-3"]
PLUGINS = ["rabbitmq_federation", "rabbitmq_management"]
V3 = (3, 10, 8)
V4 = (4, 0, 5)


def test_integer_values_given_as_strings_compare_equal():
    a = comparable({"pattern": ".*", "apply-to": "queues", "priority": "1",
                    "definition": {"max-length": "10", "ha-mode": "exactly", "ha-params": "2"}})
    b = comparable({"pattern": ".*", "apply-to": "queues", "priority": 1,
                    "definition": {"ha-params": 2, "ha-mode": "exactly", "max-length": 10}})
    assert a == b


def test_node_lists_compare_regardless_of_order():
    a = comparable({"pattern": ".*", "definition": {"ha-mode": "nodes", "ha-params": NODES}})
    b = comparable({"pattern": ".*", "definition": {"ha-mode": "nodes",
                                                    "ha-params": list(reversed(NODES))}})
    assert a == b


def test_a_real_difference_is_seen():
    a = comparable({"pattern": ".*", "definition": {"ha-mode": "all"}})
    b = comparable({"pattern": ".*", "definition": {"ha-mode": "all", "ha-sync-mode": "automatic"}})
    assert a != b


def test_missing_apply_to_and_priority_take_the_broker_defaults():
    assert comparable({"pattern": "x", "definition": {"a": 1}}) == comparable(
        {"pattern": "x", "apply-to": "all", "priority": 0, "definition": {"a": 1}})


def test_non_integer_for_an_integer_key_is_refused():
    with pytest.raises(PolicyError, match="max-length must be an integer"):
        normalize_definition({"max-length": "ten"})
    with pytest.raises(PolicyError):
        normalize_definition({"delivery-limit": True})


def test_tutorial_policy_passes_on_3x():
    check(".*", {"federation-upstream-set": "all", "ha-mode": "nodes", "ha-params": NODES,
           "ha-sync-mode": "automatic"}, "queues", V3, NODES, PLUGINS)


@pytest.mark.parametrize("key", ["ha-mode", "ha-params", "ha-sync-mode", "ha-sync-batch-size",
                                 "ha-promote-on-shutdown", "ha-promote-on-failure",
                                 "queue-master-locator"])
def test_classic_mirroring_keys_are_refused_on_4x(key):
    with pytest.raises(PolicyError) as raised:
        check(".*", {key: "all"}, "queues", V4, NODES, PLUGINS)
    message = str(raised.value)
    assert "4.0.5 removed classic queue mirroring" in message and key in message
    assert "quorum queues" in message


@pytest.mark.parametrize("definition, refused", [
    ({"queue-mode": "lazy"}, "queue-mode"),
    ({"queue-version": 1}, "queue-version=1"),
    ({"queue-version": "1", "max-length": 10}, "queue-version=1"),
])
def test_classic_queue_v1_keys_are_refused_on_4_3_and_accepted_before(definition, refused):
    with pytest.raises(PolicyError) as raised:
        check(".*", normalize_definition(definition), "queues", (4, 3, 6), NODES, PLUGINS)
    assert "4.3.6 removed the first classic queue storage" in str(raised.value)
    assert "Remove %s" % refused in str(raised.value)
    check(".*", normalize_definition(definition), "queues", V3, NODES, PLUGINS)


def test_classic_queue_version_2_passes_on_4_3():
    check(".*", {"queue-version": 2}, "queues", (4, 3, 6), NODES, PLUGINS)


@pytest.mark.parametrize("definition, words", [
    ({"ha-mode": "all", "ha-params": 2}, "takes no ha-params"),
    ({"ha-mode": "exactly"}, "positive integer"),
    ({"ha-mode": "exactly", "ha-params": 0}, "positive integer"),
    ({"ha-mode": "nodes", "ha-params": []}, "non-empty list"),
    ({"ha-mode": "nodes", "ha-params": "rabbit@rabbit-1"}, "non-empty list"),
    ({"ha-mode": "nodes", "ha-params": ["rabbit@rabbit-9"]}, "rabbit@rabbit-9 that are not in the cluster"),
    ({"ha-mode": "sometimes"}, "ha-mode must be one of"),
    ({"ha-params": 2}, "need ha-mode"),
    ({"ha-mode": "all", "ha-sync-mode": "eventually"}, "ha-sync-mode must be one of"),
    ({"ha-mode": "all", "ha-promote-on-failure": "never"}, "ha-promote-on-failure must be one of"),
])
def test_bad_mirroring_combinations_are_refused_on_3x(definition, words):
    with pytest.raises(PolicyError, match=words):
        check(".*", normalize_definition(definition), "queues", V3, NODES, PLUGINS)


def test_mirroring_on_something_other_than_classic_queues_is_refused():
    with pytest.raises(PolicyError, match="classic queues only"):
        check(".*", {"ha-mode": "all"}, "exchanges", V3, NODES, PLUGINS)


@pytest.mark.parametrize("apply_to", ["classic_queues", "quorum_queues", "streams"])
def test_apply_to_values_newer_than_the_broker_are_refused(apply_to):
    with pytest.raises(PolicyError, match="needs RabbitMQ 3.12"):
        check(".*", {"max-length": 10}, apply_to, V3, NODES, PLUGINS)
    check(".*", {"max-length": 10}, apply_to, V4, NODES, PLUGINS)


def test_keys_of_a_disabled_plugin_are_refused():
    with pytest.raises(PolicyError, match="rabbitmq_federation"):
        check(".*", {"federation-upstream-set": "all"}, "queues", V3, NODES, ["rabbitmq_management"])


def test_empty_definition_is_refused():
    with pytest.raises(PolicyError, match="definition is empty"):
        check(".*", {}, "queues", V3, NODES, PLUGINS)


@pytest.mark.parametrize("pattern", ["(unclosed", "*.orders", "[a-"])
def test_a_pattern_that_is_not_a_regular_expression_is_refused(pattern):
    with pytest.raises(PolicyError, match="is not a valid regular expression"):
        check(pattern, {"max-length": 10}, "queues", V3, NODES, PLUGINS)


@pytest.mark.parametrize("typo, meant", [("max-lenght", "max-length"),
                                         ("message-tll", "message-ttl"),
                                         ("ha-sync-mdoe", "ha-sync-mode")])
def test_a_misspelled_key_is_refused_with_the_key_meant(typo, meant):
    with pytest.raises(PolicyError, match="%s is not a policy key RabbitMQ knows: did you mean %s"
                       % (typo, meant)):
        check(".*", {typo: 10, "ha-mode": "all"} if typo.startswith("ha") else {typo: 10},
              "queues", V3, NODES, PLUGINS)


def test_a_key_unknown_but_unlike_any_known_one_is_left_to_the_broker():
    check(".*", {"x-custom-plugin-setting": 1}, "queues", V3, NODES, PLUGINS)
