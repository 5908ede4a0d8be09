#!/usr/bin/python
# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: rabbitmq_policy
short_description: Manage RabbitMQ policies, checked against the broker's version before any write
version_added: 0.1.0
description:
  - Creates, updates or deletes a policy in a virtual host through the management HTTP API.
  - The current and the wanted policy are compared after normalisation (integer values given
    as strings, key order, the priority as an integer), so a re-run never reports a false change.
  - Before anything is written, the policy is checked against the cluster, with a message
    that says what to change; RabbitMQ 4.0 and later refuse the classic mirroring keys
    (C(ha-mode), C(ha-params), C(ha-sync-mode), C(ha-sync-batch-size), C(ha-promote-on-shutdown),
    C(ha-promote-on-failure), C(queue-master-locator)), and the message points to quorum queues;
    on 3.x, C(ha-mode)/C(ha-params) combinations are validated (C(all) takes no parameters,
    C(exactly) a positive integer, C(nodes) names of nodes that are in the cluster); a pattern
    that is not a regular expression, and a key that looks like a misspelling of a known one
    (C(max-lenght)), are refused;
    O(apply_to) values the broker does not know yet are refused (C(classic_queues),
    C(quorum_queues) and C(streams) need 3.12); keys that need a plugin that is not enabled on
    every running node (C(federation-upstream-set) needs C(rabbitmq_federation)) are refused.
    Nodes that have just started report their plugins only after a few seconds; the module
    waits up to 30 seconds for them.
options:
  name:
    description: Name of the policy.
    type: str
    required: true
  vhost:
    description: Virtual host of the policy.
    type: str
    default: /
  pattern:
    description:
      - Regular expression matching the names of the queues or exchanges it applies to.
      - Required when O(state=present).
    type: str
  definition:
    description:
      - 'The policy keys and their values, e.g. C({"ha-mode": "all"}).'
      - Required when O(state=present).
    type: dict
  priority:
    description: Among policies matching the same object, the highest priority wins.
    type: int
    default: 0
  apply_to:
    description: Which objects the policy applies to.
    type: str
    choices: [all, queues, exchanges, classic_queues, quorum_queues, streams]
    default: all
  state:
    description: Whether the policy exists.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - warren.rabbitmq.login
  - warren.rabbitmq.attributes
  - warren.rabbitmq.attributes.actiongroup_api
attributes:
  check_mode:
    support: full
    details: Runs every check before it reports what would change.
  diff_mode:
    support: full
    details: The policy before and after, as JSON.
author:
  - warren maintainers
"""

EXAMPLES = r"""
- name: Mirror every queue on the three nodes, synchronised automatically (RabbitMQ 3.x)
  warren.rabbitmq.rabbitmq_policy:
    name: ha-fed
    pattern: ".*"
    apply_to: queues
    priority: 1
    definition:
      federation-upstream-set: all
      ha-mode: nodes
      ha-params: [rabbit@rabbit-1, rabbit@rabbit-2, rabbit@rabbit-3]
      ha-sync-mode: automatic
    login_user: admin
    login_password: "{{ vault_rabbitmq_admin_password }}"

- name: Give up on a message after 20 deliveries (quorum queues, RabbitMQ 3.12 or later)
  warren.rabbitmq.rabbitmq_policy:
    name: quorum-defaults
    pattern: ".*"
    apply_to: quorum_queues
    definition:
      delivery-limit: 20
    login_user: admin
    login_password: "{{ vault_rabbitmq_admin_password }}"

- name: Remove a policy
  warren.rabbitmq.rabbitmq_policy:
    name: ha-fed
    state: absent
    login_user: admin
    login_password: "{{ vault_rabbitmq_admin_password }}"
"""

RETURN = r"""
policy:
  description: The policy after the task (normalised), or null when it is absent.
  returned: always
  type: dict
  sample:
    name: ha-fed
    vhost: /
    pattern: ".*"
    apply-to: queues
    priority: 1
    definition: {ha-mode: all, ha-sync-mode: automatic}
previous:
  description: The policy before the task, or null when there was none.
  returned: always
  type: dict
version:
  description: RabbitMQ version the policy was checked against (when O(state=present)).
  returned: when O(state=present)
  type: str
  sample: "3.10.8"
"""

import json

from ansible_collections.warren.rabbitmq.plugins.module_utils.api import path
from ansible_collections.warren.rabbitmq.plugins.module_utils.cluster import read_cluster
from ansible_collections.warren.rabbitmq.plugins.module_utils.module import RabbitMQModule
from ansible_collections.warren.rabbitmq.plugins.module_utils.policy import (
    PolicyError, check, comparable, normalize_definition)

# Seconds to wait for nodes that have just started to report their plugins, so that a
# policy applied right after a deployment is checked against them instead of refused.
PLUGINS_WAIT = 30


def _full(name, vhost, policy):
    return None if policy is None else dict(comparable(policy), name=name, vhost=vhost)


def _json(policy):
    return "" if policy is None else json.dumps(policy, indent=2, sort_keys=True) + "\n"


def run(module, client):
    p = module.params
    name, vhost = p["name"], p["vhost"]
    api_path = path("policies", vhost, name)
    client.require_vhost(vhost)
    current = client.get(api_path, missing_ok=True)
    before = _full(name, vhost, current)
    result = {}

    if p["state"] == "absent":
        after = None
    else:
        definition = normalize_definition(p["definition"])
        cluster = read_cluster(client, plugins_wait=PLUGINS_WAIT)
        result["version"] = cluster["version"]
        check(p["pattern"], definition, p["apply_to"], tuple(cluster["version_info"]),
              [n["name"] for n in cluster["nodes"]], cluster["plugins"])
        wanted = {"pattern": p["pattern"], "apply-to": p["apply_to"], "priority": p["priority"],
                  "definition": definition}
        after = _full(name, vhost, wanted)

    changed = comparable(before) != comparable(after)
    if changed and not module.check_mode:
        if after is None:
            client.delete(api_path)
        else:
            client.put(api_path, wanted)
    result.update(changed=changed, policy=after, previous=before,
                  diff=dict(before=_json(before), after=_json(after),
                            before_header="policy %s in vhost %s" % (name, vhost),
                            after_header="policy %s in vhost %s" % (name, vhost)))
    return result


def main():
    module = RabbitMQModule(dict(
        name=dict(type="str", required=True),
        vhost=dict(type="str", default="/"),
        pattern=dict(type="str"),
        definition=dict(type="dict"),
        priority=dict(type="int", default=0),
        apply_to=dict(type="str", default="all",
                      choices=["all", "queues", "exchanges", "classic_queues",
                               "quorum_queues", "streams"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), required_if=[("state", "present", ("pattern", "definition"))])
    module.run(run, errors=(PolicyError,),
               error_prefix="Policy %s not applied: " % module.params["name"])


if __name__ == "__main__":
    main()
