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
    its type, its leader (or master) and its mirrors or members, or all its definitions.
  - Read-only. Roles and tests use it instead of parsing command-line output.
options:
  gather:
    description:
      - Which optional parts to read besides the version and the nodes. Each one costs
        a request; queues can be many.
    type: list
    elements: str
    choices: [connections, definitions, policies, queues]
    default: []
  vhost:
    description: Only read the policies and queues of this virtual host; all when omitted.
    type: str
extends_documentation_fragment:
  - warren.rabbitmq.login
  - warren.rabbitmq.attributes
  - warren.rabbitmq.attributes.actiongroup_api
attributes:
  check_mode:
    support: full
    details: Reads only, so it runs the same in check mode.
  diff_mode:
    support: none
    details: Changes nothing, so there is nothing to show.
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
       enabled_plugins: [rabbitmq_management], disk_free: 52613349376,
       disk_free_limit: 1000000000}
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
connections:
  description: Client connections, each with C(name), C(user), C(vhost) and the
    C(connection_name) the client gave.
  returned: when O(gather) contains C(connections)
  type: list
  elements: dict
definitions:
  description: The cluster's definitions (C(GET /api/definitions)), password hashes included;
    register them with C(no_log).
  returned: when O(gather) contains C(definitions)
  type: dict
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
    bytes: {description: Size of the messages' bodies, ready and unacknowledged., type: int}
"""

from ansible_collections.warren.rabbitmq.plugins.module_utils.cluster import read_cluster
from ansible_collections.warren.rabbitmq.plugins.module_utils.module import RabbitMQModule

def run(module, client):
    return dict(changed=False, **read_cluster(client, module.params["gather"], module.params["vhost"]))


def main():
    RabbitMQModule(dict(
        gather=dict(type="list", elements="str", default=[],
                    choices=["connections", "definitions", "policies", "queues"]),
        vhost=dict(type="str"),
    )).run(run)


if __name__ == "__main__":
    main()
