#!/usr/bin/python
# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: rabbitmq_cluster_info
short_description: Read the state of a RabbitMQ cluster through the management API
version_added: 0.1.0
description:
  - Returns the cluster's version, its nodes and which of them run, network partitions,
    resource alarms, enabled plugins and, on request, its policies and, for each queue,
    its type, its leader (or master) and its mirrors or members.
  - Read-only. Roles and tests use it instead of parsing command-line output.
options:
  gather:
    description:
      - Which optional parts to read besides the version and the nodes. Each one costs
        a request; queues can be many.
    type: list
    elements: str
    choices: [policies, queues]
    default: []
  vhost:
    description: Only read the policies and queues of this virtual host; all when omitted.
    type: str
extends_documentation_fragment:
  - warren.rabbitmq.login
attributes:
  check_mode:
    support: full
    description: Reads only, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to show.
author:
  - warren maintainers
"""

EXAMPLES = r"""
- name: Read the cluster state
  warren.rabbitmq.rabbitmq_cluster_info:
    login_user: admin
    login_password: "{{ vault_rabbitmq_admin_password }}"
  register: cluster

- name: Stop when a node is down or partitioned
  ansible.builtin.assert:
    that:
      - cluster.running_nodes | length == groups['rabbitmq'] | length
      - cluster.partitions | length == 0

- name: Read the queues and where their replicas are
  warren.rabbitmq.rabbitmq_cluster_info:
    gather: [queues]
    login_user: admin
    login_password: "{{ vault_rabbitmq_admin_password }}"
  register: cluster
"""

RETURN = r"""
version:
  description: RabbitMQ version of the node that answered.
  returned: always
  type: str
  sample: "3.10.8"
version_info:
  description: O(version) as integers, for comparisons.
  returned: always
  type: list
  elements: int
  sample: [3, 10, 8]
cluster_name:
  description: Name of the cluster.
  returned: always
  type: str
node:
  description: Name of the node that answered.
  returned: always
  type: str
  sample: rabbit@rabbit-1
nodes:
  description: Every cluster member with its state.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: rabbit@rabbit-1, running: true, partitions: [], alarms: [],
       enabled_plugins: [rabbitmq_management]}
running_nodes:
  description: Names of the members that run.
  returned: always
  type: list
  elements: str
partitions:
  description: For each member that sees a partition, the members it cannot reach.
  returned: always
  type: dict
  sample: {"rabbit@rabbit-3": ["rabbit@rabbit-1", "rabbit@rabbit-2"]}
alarms:
  description: Resource alarms in effect, one entry per node and resource.
  returned: always
  type: list
  elements: dict
  sample: [{node: rabbit@rabbit-2, resource: memory}]
plugins:
  description: Plugins enabled on every running member.
  returned: always
  type: list
  elements: str
policies:
  description: Policies, as the API returns them.
  returned: when O(gather) contains C(policies)
  type: list
  elements: dict
queues:
  description: Queues with their type and replicas.
  returned: when O(gather) contains C(queues)
  type: list
  elements: dict
  contains:
    vhost: {description: Virtual host., type: str}
    name: {description: Queue name., type: str}
    type: {description: classic, quorum or stream., type: str}
    state: {description: running, down, ..., type: str}
    leader: {description: Node of the leader (quorum, stream) or master (classic)., type: str}
    members:
      description: Nodes holding a replica, leader included (quorum and stream queues).
      type: list
      elements: str
    mirrors:
      description: Nodes holding a mirror besides the master (classic mirrored queues).
      type: list
      elements: str
    synchronised_mirrors:
      description: Mirrors that hold every message of the master.
      type: list
      elements: str
    messages: {description: Messages ready and unacknowledged., type: int}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.warren.rabbitmq.plugins.module_utils.api import (
    LOGIN_ARGUMENT_SPEC, ApiError, RabbitMQClient, parse_version, path)

_NODE_COLUMNS = "name,running,partitions,mem_alarm,disk_free_alarm,enabled_plugins"
_QUEUE_COLUMNS = ("name,vhost,type,state,node,leader,members,online,slave_nodes,"
                  "synchronised_slave_nodes,messages")


def _node(raw):
    alarms = [r for r, flag in (("memory", raw.get("mem_alarm")),
                                ("disk", raw.get("disk_free_alarm"))) if flag]
    return {"name": raw["name"], "running": bool(raw.get("running")),
            "partitions": sorted(raw.get("partitions") or []), "alarms": alarms,
            "enabled_plugins": sorted(raw.get("enabled_plugins") or [])}


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
    }


def read_cluster(client, gather=(), vhost=None):
    overview = client.get("overview?columns=rabbitmq_version,cluster_name,node")
    nodes = sorted((_node(n) for n in client.get("nodes?columns=" + _NODE_COLUMNS)),
                   key=lambda n: n["name"])
    running = [n for n in nodes if n["running"]]
    plugins = sorted(set.intersection(*(set(n["enabled_plugins"]) for n in running))
                     if running else set())
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
    if "policies" in gather:
        info["policies"] = client.get("policies" + scope)
    if "queues" in gather:
        raw = client.get("queues%s?columns=%s" % (scope, _QUEUE_COLUMNS))
        info["queues"] = sorted((_queue(q) for q in raw), key=lambda q: (q["vhost"], q["name"]))
    return info


def main():
    argument_spec = dict(
        gather=dict(type="list", elements="str", default=[], choices=["policies", "queues"]),
        vhost=dict(type="str"),
    )
    argument_spec.update(LOGIN_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        info = read_cluster(RabbitMQClient.from_module(module), module.params["gather"],
                            module.params["vhost"])
    except ApiError as e:
        module.fail_json(msg=str(e), status=e.status)
    module.exit_json(changed=False, **info)


if __name__ == "__main__":
    main()
