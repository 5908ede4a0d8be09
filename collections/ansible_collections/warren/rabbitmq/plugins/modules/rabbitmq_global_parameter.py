#!/usr/bin/python
# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: rabbitmq_global_parameter
short_description: Set or delete a RabbitMQ global runtime parameter
version_added: 0.4.0
description:
  - A global parameter is a named JSON value stored in the cluster's metadata, such as
    C(cluster_name). warren's migration keeps its progress in one, on the new cluster.
options:
  name:
    description: Name of the parameter.
    type: str
    required: true
  value:
    description: The value, any JSON. Required with O(state=present).
    type: raw
  state:
    description: C(present) sets the value; C(absent) deletes the parameter.
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
  diff_mode:
    support: full
    details: The value before and after.
author:
  - warren maintainers
"""

EXAMPLES = r"""
- name: Record a step of a procedure in the cluster itself
  warren.rabbitmq.rabbitmq_global_parameter:
    name: my-procedure
    value: {step: 3}
    login_user: admin
    login_password: "{{ vault_rabbitmq_admin_password }}"
"""

RETURN = r"""
previous:
  description: The value before the task, null when the parameter did not exist.
  returned: always
  type: raw
"""

import json

from ansible_collections.warren.rabbitmq.plugins.module_utils.api import path
from ansible_collections.warren.rabbitmq.plugins.module_utils.module import RabbitMQModule


def run(module, client):
    p = module.params
    resource = path("global-parameters", p["name"])
    current = (client.get(resource, missing_ok=True) or {}).get("value")
    wanted = p["value"] if p["state"] == "present" else None
    changed = current != wanted
    if changed and not module.check_mode:
        if wanted is None:
            client.delete(resource)
        else:
            client.put(resource, {"name": p["name"], "value": wanted})
    return dict(changed=changed, previous=current, diff=dict(before=_text(current), after=_text(wanted)))


def _text(value):
    return "" if value is None else json.dumps(value, indent=2, sort_keys=True) + "\n"


def main():
    RabbitMQModule(dict(
        name=dict(type="str", required=True),
        value=dict(type="raw"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), required_if=[("state", "present", ("value",))]).run(run)


if __name__ == "__main__":
    main()
