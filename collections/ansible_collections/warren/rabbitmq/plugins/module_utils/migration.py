# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Pure logic of a blue-green migration: a 3.x cluster's definitions (GET /api/definitions)
translated for a 4.x cluster. Classic mirroring does not exist there, so the queues it
mirrored become quorum queues and the policy keys that asked for it go; everything else is
carried over as it is, user password hashes included. Cases with no faithful translation are
refused with the names of what to change, before anything is written. No I/O here."""

from __future__ import annotations

import copy
import re

from ansible_collections.warren.rabbitmq.plugins.module_utils.policy import (
    CLASSIC_MIRRORING_KEYS, CLASSIC_V1_KEYS)

# Queue arguments that only classic queues (or their removed v1 storage) understand.
CLASSIC_ONLY_ARGUMENTS = ("x-queue-mode", "x-queue-version", "x-queue-master-locator")
# The cluster's identity stays the target's own.
IDENTITY_PARAMETERS = ("cluster_name", "internal_cluster_id")
# Dynamic shovels whose names start so are the migration's own.
MIGRATION_SHOVEL_PREFIX = "warren-migrate-"
# Policy keys that act only through the federation upstreams the cluster defines.
FEDERATION_KEYS = ("federation-upstream-set", "federation-upstream")


class MigrationError(ValueError):
    """The definitions cannot be carried over as they are; the message says what to change."""


def effective_policy(queue, policies):
    """The policy RabbitMQ applies to a classic queue: the highest-priority match."""
    matching = [p for p in policies
                if p.get("vhost") == queue["vhost"]
                and p.get("apply-to", "all") in ("all", "queues", "classic_queues")
                and re.search(p["pattern"], queue["name"])]
    return max(matching, key=lambda p: (int(p.get("priority") or 0), p["name"]), default=None)


def _is_classic(queue):
    return (queue.get("arguments") or {}).get("x-queue-type", "classic") == "classic"


def _mirrored(queue, policies):
    policy = effective_policy(queue, policies)
    return _is_classic(queue) and policy is not None and "ha-mode" in policy["definition"]


def _quorum_refusal(queue):
    """Why a mirrored queue cannot become a quorum queue, or None."""
    arguments = queue.get("arguments") or {}
    if not queue.get("durable", True):
        return "it is not durable (quorum queues always are)"
    if queue.get("auto_delete"):
        return "it is auto-delete (quorum queues never are)"
    if "x-max-priority" in arguments:
        return "it has x-max-priority (quorum queues have two fixed priority levels instead)"
    if arguments.get("x-overflow") == "reject-publish-dlx":
        return "its x-overflow is reject-publish-dlx (quorum queues know drop-head and reject-publish)"
    return None


def translate_definitions(export, keep_classic=()):
    """Definitions for a 4.x cluster from a 3.x export, and a list of notes saying what changed.

    ``keep_classic`` names queues (``vhost/name`` or ``name`` for the default vhost) to leave
    classic - unreplicated - instead of making them quorum queues.
    """
    policies = export.get("policies") or []
    result = {key: copy.deepcopy(export.get(key) or [])
              for key in ("users", "vhosts", "permissions", "topic_permissions", "exchanges",
                          "bindings")}
    notes = []

    shovels = [p["name"] for p in export.get("parameters") or []
               if p.get("component") == "shovel" and not p["name"].startswith(MIGRATION_SHOVEL_PREFIX)]
    if shovels:
        raise MigrationError(
            "The cluster runs the dynamic shovel(s) %s. Carried over, they would run on both "
            "clusters and copy their messages twice: delete them on the old cluster (or move "
            "them yourself after the switch), then run again." % ", ".join(sorted(shovels)))
    # The migration manages its own shovels; they are never definitions to carry.
    result["parameters"] = [p for p in copy.deepcopy(export.get("parameters") or [])
                            if not (p.get("component") == "shovel"
                                    and p["name"].startswith(MIGRATION_SHOVEL_PREFIX))]
    result["global_parameters"] = [p for p in copy.deepcopy(export.get("global_parameters") or [])
                                   if p["name"] not in IDENTITY_PARAMETERS]

    for vhost in result["vhosts"]:
        metadata = vhost.setdefault("metadata", {})
        if metadata.get("default_queue_type") in (None, "", "undefined", "classic"):
            metadata["default_queue_type"] = "quorum"
            notes.append("vhost %s: queues declared without a type are quorum queues" % vhost["name"])

    streams = sorted(q["name"] if q["vhost"] == "/" else "%s/%s" % (q["vhost"], q["name"])
                     for q in export.get("queues") or []
                     if (q.get("arguments") or {}).get("x-queue-type") == "stream")
    if streams:
        raise MigrationError(
            "The cluster has the stream(s) %s. A stream keeps its messages once they are read, "
            "so a shovel would never empty it and the old cluster would never drain: move the "
            "streams' consumers and publishers yourself (or delete the streams), then run "
            "again." % ", ".join(streams))

    refused, result["queues"] = [], []
    for queue in copy.deepcopy(export.get("queues") or []):
        label = queue["name"] if queue["vhost"] == "/" else "%s/%s" % (queue["vhost"], queue["name"])
        arguments = queue.setdefault("arguments", {})
        dropped = [a for a in CLASSIC_ONLY_ARGUMENTS if a in arguments]
        for argument in dropped:
            del arguments[argument]
        if _mirrored(queue, policies) and label not in keep_classic:
            reason = _quorum_refusal(queue)
            if reason:
                refused.append("%s: %s" % (label, reason))
                continue
            arguments["x-queue-type"] = "quorum"
            notes.append("queue %s: mirrored classic -> quorum" % label)
        elif dropped:
            notes.append("queue %s: stays classic" % label)
        if dropped:
            notes.append("queue %s: dropped %s" % (label, ", ".join(dropped)))
        result["queues"].append(queue)
    if refused:
        raise MigrationError(
            "These mirrored queues have no quorum equivalent: %s. Change them on the old "
            "cluster, or name them in keep_classic to carry them over as classic queues "
            "without replicas." % "; ".join(refused))

    upstreams = any(p.get("component") == "federation-upstream" for p in result["parameters"])
    result["policies"] = []
    for policy in copy.deepcopy(policies):
        removed = [k for k in CLASSIC_MIRRORING_KEYS + CLASSIC_V1_KEYS
                   if k in policy["definition"]]
        for key in removed:
            del policy["definition"][key]
        if removed and not policy["definition"]:
            notes.append("policy %s: only mirrored, not carried over" % policy["name"])
            continue
        # The tutorial's ha-fed keeps federation-upstream-set: all, which does nothing without
        # upstreams - and carried over, it would tie with the new cluster's own policies.
        if removed and not upstreams and set(policy["definition"]) <= set(FEDERATION_KEYS):
            notes.append("policy %s: only mirrored (no federation upstream is defined), not "
                         "carried over" % policy["name"])
            continue
        if removed:
            notes.append("policy %s: dropped %s" % (policy["name"], ", ".join(removed)))
        result["policies"].append(policy)
    return result, notes


# How each kind of definition is identified, and the properties that must match when the
# target already has it. Kinds without properties are never compared: what exists stays.
_IDENTITY = {
    "users": ("name",),
    "vhosts": ("name",),
    "permissions": ("user", "vhost"),
    "topic_permissions": ("user", "vhost", "exchange"),
    "parameters": ("vhost", "component", "name"),
    "global_parameters": ("name",),
    "policies": ("vhost", "name"),
    "queues": ("vhost", "name"),
    "exchanges": ("vhost", "name"),
    "bindings": ("vhost", "source", "destination", "destination_type", "routing_key", "arguments"),
}
# A queue or exchange cannot be redeclared with other properties.
_IMMUTABLE = {
    "queues": ("durable", "auto_delete", "arguments"),
    "exchanges": ("type", "durable", "auto_delete", "internal", "arguments"),
}
KINDS = tuple(_IDENTITY)


def _key(kind, item):
    return tuple(repr(item.get(field)) if field == "arguments" else item.get(field)
                 for field in _IDENTITY[kind])


def label(kind, item):
    """A definition as people name it, e.g. 'queues publisher (vhost /)'."""
    names = " ".join(str(item.get(f)) for f in _IDENTITY[kind] if f not in ("vhost", "arguments"))
    return "%s %s%s" % (kind, names, " (vhost %s)" % item["vhost"] if "vhost" in _IDENTITY[kind] else "")


def missing_definitions(wanted, current):
    """What of ``wanted`` the ``current`` definitions lack, as a definitions document.

    Nothing that exists is changed: a user, policy or parameter of the target stays as the
    target has it. A queue or exchange that exists with other properties cannot be, so it is
    a conflict: MigrationError names each one before anything is imported.
    """
    missing, conflicts = {}, []
    for kind in KINDS:
        have = {_key(kind, item): item for item in current.get(kind) or []}
        for item in wanted.get(kind) or []:
            existing = have.get(_key(kind, item))
            if existing is None:
                missing.setdefault(kind, []).append(item)
                continue
            differing = [f for f in _IMMUTABLE.get(kind, ())
                         if _property(item, f) != _property(existing, f)]
            if differing:
                conflicts.append("%s (%s: %s on the target, %s wanted)" % (
                    label(kind, item), differing[0], _property(existing, differing[0]),
                    _property(item, differing[0])))
    if conflicts:
        raise MigrationError(
            "These exist on the target with other properties, and a queue or exchange cannot "
            "be changed in place: %s. Delete them on the target (they must be empty) or change "
            "them on the source, then run again; nothing was imported." % "; ".join(conflicts))
    return missing


def _property(item, field):
    """A property as RabbitMQ compares it: no arguments are {}, "2" is 2."""
    value = item.get(field)
    if field == "arguments":
        return {k: int(v) if isinstance(v, str) and v.lstrip("-").isdigit() else v
                for k, v in sorted((value or {}).items())}
    return value
