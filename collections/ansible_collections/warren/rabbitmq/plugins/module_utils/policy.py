# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Pure policy logic: normalisation for comparison, and the version-aware checks that run
before anything is written. No I/O here, so it is unit-tested on its own."""

from __future__ import annotations

import difflib
import re

# Keys of classic queue mirroring, which RabbitMQ 4.0 removed.
CLASSIC_MIRRORING_KEYS = (
    "ha-mode", "ha-params", "ha-sync-mode", "ha-sync-batch-size",
    "ha-promote-on-shutdown", "ha-promote-on-failure", "queue-master-locator",
)

# Keys of the first classic queue storage (CQv1), which RabbitMQ 4.3 removed; queue-version
# 2 still names the current one.
CLASSIC_V1_KEYS = ("queue-mode", "queue-version")

# Definition keys whose values are integers; "2" and 2 mean the same to the user.
INTEGER_KEYS = (
    "message-ttl", "expires", "max-length", "max-length-bytes", "delivery-limit",
    "ha-sync-batch-size", "max-in-memory-length", "max-in-memory-bytes",
    "initial-cluster-size", "target-group-size", "stream-max-segment-size-bytes",
    "consumer-timeout",
)

# Definition keys that only mean something when a plugin is enabled.
PLUGIN_KEYS = {
    "federation-upstream-set": "rabbitmq_federation",
    "federation-upstream": "rabbitmq_federation",
}

# apply-to values and the first release that knows them.
APPLY_TO_SINCE = {
    "all": (0,), "queues": (0,), "exchanges": (0,),
    "classic_queues": (3, 12), "quorum_queues": (3, 12), "streams": (3, 12),
}

# Policy keys the broker and its bundled plugins know (3.10 to 4.x). A key that is not among
# them but close to one is a typo; others pass through to the broker, which judges them.
KNOWN_KEYS = (
    "alternate-exchange", "dead-letter-exchange", "dead-letter-routing-key",
    "dead-letter-strategy", "delivery-limit", "expires", "max-length", "max-length-bytes",
    "max-age", "message-ttl", "overflow", "queue-mode", "queue-version", "queue-leader-locator",
    "max-in-memory-length", "max-in-memory-bytes", "initial-cluster-size", "target-group-size",
    "stream-max-segment-size-bytes", "stream-filter-size-bytes", "consumer-timeout",
    "federation-upstream-set", "federation-upstream", "shovel",
) + CLASSIC_MIRRORING_KEYS

HA_MODES = ("all", "exactly", "nodes")
_CHOICES = {
    "ha-sync-mode": ("manual", "automatic"),
    "ha-promote-on-shutdown": ("always", "when-synced"),
    "ha-promote-on-failure": ("always", "when-synced"),
}


class PolicyError(ValueError):
    """The policy cannot be applied as given; the message says what to change."""


def _as_int(key, value):
    if isinstance(value, bool):
        raise PolicyError("%s must be an integer, not %r." % (key, value))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise PolicyError("%s must be an integer, not %r." % (key, value))


def normalize_definition(definition):
    """The definition with integer values coerced, so that equal meanings compare equal."""
    result = {}
    for key, value in (definition or {}).items():
        if key in INTEGER_KEYS:
            value = _as_int(key, value)
        elif key == "ha-params" and definition.get("ha-mode") == "exactly":
            value = _as_int(key, value)
        result[key] = value
    return result


def comparable(policy):
    """A policy reduced to what decides whether it must be written."""
    if policy is None:
        return None
    definition = normalize_definition(policy.get("definition"))
    if definition.get("ha-mode") == "nodes" and isinstance(definition.get("ha-params"), list):
        definition["ha-params"] = sorted(definition["ha-params"])
    return {
        "pattern": policy.get("pattern"),
        "apply-to": policy.get("apply-to") or "all",
        "priority": int(policy.get("priority") or 0),
        "definition": definition,
    }


def _version_text(version):
    return ".".join(str(p) for p in version)


def check(pattern, definition, apply_to, version, cluster_nodes, enabled_plugins):
    """Raise PolicyError when the broker would refuse the policy or it cannot do what it says.

    ``definition`` is normalised; ``version`` a tuple such as (3, 10, 8); ``cluster_nodes``
    the names of the cluster's members; ``enabled_plugins`` those enabled on every running node.
    """
    try:
        re.compile(pattern)
    except re.error as e:
        raise PolicyError("pattern %r is not a valid regular expression (%s at position %s): "
                          "fix it, e.g. '^orders\\.' for the queues whose names start with "
                          "'orders.'." % (pattern, e.msg, e.pos)) from None
    if not definition:
        raise PolicyError("definition is empty: give at least one policy key, e.g. "
                          "{'max-length': 10000}.")
    for key in definition:
        close = [] if key in KNOWN_KEYS else difflib.get_close_matches(key, KNOWN_KEYS, 1, 0.8)
        if close:
            raise PolicyError("%s is not a policy key RabbitMQ knows: did you mean %s?"
                              % (key, close[0]))

    since = APPLY_TO_SINCE[apply_to]
    if tuple(version) < since:
        raise PolicyError(
            "apply_to=%s needs RabbitMQ %s or later; this cluster runs %s, which knows only "
            "all, queues and exchanges. Use apply_to=queues." % (
                apply_to, _version_text(since), _version_text(version)))

    mirroring = [k for k in CLASSIC_MIRRORING_KEYS if k in definition]
    if mirroring and tuple(version) >= (4, 0):
        raise PolicyError(
            "RabbitMQ %s removed classic queue mirroring, so the policy keys %s are refused. "
            "Use quorum queues for replicated queues instead: declare them with "
            "x-queue-type=quorum or make quorum the virtual host's default queue type, and "
            "replace the ha-* keys with quorum queue settings such as delivery-limit or "
            "initial-cluster-size (apply_to=quorum_queues)."
            % (_version_text(version), ", ".join(mirroring)))
    if mirroring:
        _check_classic_mirroring(definition, apply_to, cluster_nodes)

    # 4.3 accepts these keys in a policy but does nothing with them: refusing them says so.
    classic_v1 = ["queue-mode"] if "queue-mode" in definition else []
    if str(definition.get("queue-version")) == "1":
        classic_v1.append("queue-version=1")
    if classic_v1 and tuple(version) >= (4, 3):
        raise PolicyError(
            "RabbitMQ %s removed the first classic queue storage (CQv1), so %s would have no "
            "effect: every classic queue uses version 2, which keeps messages on disk as lazy "
            "queues did. Remove %s from the definition."
            % (_version_text(version), ", ".join(classic_v1), " and ".join(classic_v1)))

    missing = sorted({PLUGIN_KEYS[k] for k in definition if k in PLUGIN_KEYS}
                     - set(enabled_plugins))
    if missing:
        keys = sorted(k for k in definition if PLUGIN_KEYS.get(k) in missing)
        raise PolicyError(
            "The policy key(s) %s need the plugin(s) %s, which are not enabled on every "
            "running node. Enable them (rabbitmq_node_plugins) or remove the key(s)."
            % (", ".join(keys), ", ".join(missing)))


def _check_classic_mirroring(definition, apply_to, cluster_nodes):
    mode = definition.get("ha-mode")
    params = definition.get("ha-params")
    if mode is None:
        raise PolicyError("ha-* keys need ha-mode (all, exactly or nodes).")
    if mode not in HA_MODES:
        raise PolicyError("ha-mode must be one of all, exactly, nodes; not %r." % (mode,))
    if apply_to in ("exchanges", "quorum_queues", "streams"):
        raise PolicyError("Classic mirroring applies to classic queues only; apply_to=%s "
                          "would match none. Use apply_to=queues." % apply_to)
    if mode == "all" and "ha-params" in definition:
        raise PolicyError("ha-mode=all mirrors on every node and takes no ha-params: remove "
                          "ha-params, or use ha-mode=exactly or nodes.")
    if mode == "exactly" and (not isinstance(params, int) or params < 1):
        raise PolicyError("ha-mode=exactly needs ha-params: the number of replicas as a "
                          "positive integer (e.g. 2), not %r." % (params,))
    if mode == "nodes":
        if not isinstance(params, list) or not params or not all(isinstance(p, str) for p in params):
            raise PolicyError("ha-mode=nodes needs ha-params: a non-empty list of node names "
                              "such as rabbit@rabbit-1, not %r." % (params,))
        unknown = [p for p in params if p not in cluster_nodes]
        if unknown:
            raise PolicyError("ha-params names node(s) %s that are not in the cluster (%s). "
                              "Use the cluster's node names." % (
                                  ", ".join(unknown), ", ".join(sorted(cluster_nodes))))
    for key, choices in _CHOICES.items():
        if key in definition and definition[key] not in choices:
            raise PolicyError("%s must be one of %s, not %r." % (
                key, ", ".join(choices), definition[key]))
