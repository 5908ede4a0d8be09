# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The state of a cluster as read through the management API, shared by the modules that
need it (rabbitmq_cluster_info, rabbitmq_policy)."""

from __future__ import annotations

import time

from ansible_collections.warren.rabbitmq.plugins.module_utils.api import parse_version, path

_NODE_COLUMNS = ("name,running,partitions,mem_alarm,disk_free_alarm,enabled_plugins,disk_free,"
                 "disk_free_limit")
_QUEUE_COLUMNS = ("name,vhost,type,state,node,leader,members,online,slave_nodes,"
                  "synchronised_slave_nodes,messages,message_bytes")


def _node(raw):
    alarms = [r for r, flag in (("memory", raw.get("mem_alarm")),
                                ("disk", raw.get("disk_free_alarm"))) if flag]
    return {"name": raw["name"], "running": bool(raw.get("running")),
            "partitions": sorted(raw.get("partitions") or []), "alarms": alarms,
            "enabled_plugins": sorted(raw.get("enabled_plugins") or []),
            "disk_free": raw.get("disk_free") or 0, "disk_free_limit": raw.get("disk_free_limit") or 0}


def _queue(raw):
    kind = raw.get("type") or "classic"
    leader = raw.get("leader") or raw.get("node")
    return {
        "vhost": raw["vhost"], "name": raw["name"], "type": kind,
        "state": raw.get("state", "unknown"), "leader": leader,
        "members": sorted(raw.get("members") or ([] if kind == "classic" else [leader])),
        "mirrors": sorted(raw.get("slave_nodes") or []),
        "synchronised_mirrors": sorted(raw.get("synchronised_slave_nodes") or []),
        "messages": raw.get("messages") or 0,
        "bytes": raw.get("message_bytes") or 0,
    }


def _read_nodes(client, plugins_wait):
    """The nodes, polled for up to plugins_wait seconds until every running node reports its
    plugins: a node that has just started reports none for a few seconds, before its
    management agent sends its first statistics."""
    deadline = time.monotonic() + plugins_wait
    while True:
        nodes = sorted((_node(n) for n in client.get("nodes?columns=" + _NODE_COLUMNS)),
                       key=lambda n: n["name"])
        silent = [n for n in nodes if n["running"] and not n["enabled_plugins"]]
        if not silent or time.monotonic() >= deadline:
            return nodes
        time.sleep(1)


def read_cluster(client, gather=(), vhost=None, plugins_wait=0):
    overview = client.get("overview?columns=rabbitmq_version,cluster_name,node")
    nodes = _read_nodes(client, plugins_wait)
    running = [n for n in nodes if n["running"]]
    # A node still silent after plugins_wait tells nothing about its plugins.
    reporting = [set(n["enabled_plugins"]) for n in running if n["enabled_plugins"]]
    plugins = sorted(set.intersection(*reporting) if reporting else set())
    info = {
        "version": overview.get("rabbitmq_version", ""),
        "version_info": list(parse_version(overview.get("rabbitmq_version", "0"))),
        "cluster_name": overview.get("cluster_name", ""),
        "node": overview.get("node", ""),
        "nodes": nodes,
        "running_nodes": [n["name"] for n in running],
        "partitions": {n["name"]: n["partitions"] for n in nodes if n["partitions"]},
        "alarms": [{"node": n["name"], "resource": a} for n in nodes for a in n["alarms"]],
        "plugins": plugins,
    }
    scope = "" if vhost is None else "/" + path(vhost)
    if "connections" in gather:
        info["connections"] = sorted(
            ({"name": c.get("name", ""), "user": c.get("user", ""), "vhost": c.get("vhost", ""),
              "connection_name": (c.get("client_properties") or {}).get("connection_name", "")}
             for c in client.get("connections%s?columns=name,user,vhost,client_properties" % scope)),
            key=lambda c: c["name"])
    if "definitions" in gather:
        info["definitions"] = client.get("definitions" + scope)
    if "policies" in gather:
        info["policies"] = client.get("policies" + scope)
    if "queues" in gather:
        raw = client.get("queues%s?columns=%s" % (scope, _QUEUE_COLUMNS))
        info["queues"] = sorted((_queue(q) for q in raw), key=lambda q: (q["vhost"], q["name"]))
    return info
