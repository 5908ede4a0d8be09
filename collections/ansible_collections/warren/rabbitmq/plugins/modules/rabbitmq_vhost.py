#!/usr/bin/python
# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: rabbitmq_vhost
short_description: Manage RabbitMQ virtual hosts through the management API
version_added: 0.1.0
description:
  - Creates, updates or deletes a virtual host of a RabbitMQ cluster.
  - Talks to the management HTTP API, so it runs anywhere that reaches the API.
options:
  name:
    description: Name of the virtual host.
    type: str
    required: true
  description:
    description: Free-text description shown in the management UI.
    type: str
  default_queue_type:
    description:
      - Type of the queues declared in this virtual host without an C(x-queue-type) argument.
      - When omitted, the current setting is left as it is.
    type: str
    choices: [classic, quorum, stream]
  state:
    description: Whether the virtual host exists. Deleting one deletes its queues and messages.
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
author:
  - warren maintainers
"""

EXAMPLES = r"""
- name: Keep a virtual host for the billing apps, with replicated queues by default
  warren.rabbitmq.rabbitmq_vhost:
    name: billing
    description: Billing events
    default_queue_type: quorum
    login_user: admin
    login_password: "{{ vault_rabbitmq_admin_password }}"
"""

RETURN = r"""
vhost:
  description: The virtual host after the task, or null when it is absent.
  returned: always
  type: dict
  sample: {"name": "billing", "description": "Billing events", "default_queue_type": "quorum"}
"""

from ansible_collections.warren.rabbitmq.plugins.module_utils.api import path
from ansible_collections.warren.rabbitmq.plugins.module_utils.module import RabbitMQModule


def _view(vhost):
    if vhost is None:
        return None
    queue_type = vhost.get("default_queue_type")
    return {"name": vhost["name"], "description": vhost.get("description") or "",
            "default_queue_type": None if queue_type in (None, "", "undefined") else queue_type}


def run(module, client):
    name = module.params["name"]
    wanted_state = module.params["state"]
    before = _view(client.get(path("vhosts", name), missing_ok=True))

    if wanted_state == "absent":
        after = None
    else:
        after = {"name": name, "description": "", "default_queue_type": None}
        after.update(before or {})
        for key in ("description", "default_queue_type"):
            if module.params[key] is not None:
                after[key] = module.params[key]

    changed = before != after
    if changed and not module.check_mode:
        if after is None:
            client.delete(path("vhosts", name))
        else:
            body = {"description": after["description"]}
            if after["default_queue_type"]:
                body["default_queue_type"] = after["default_queue_type"]
            client.put(path("vhosts", name), body)
    return dict(changed=changed, vhost=after,
                diff=dict(before=before or {}, after=after or {}))


def main():
    RabbitMQModule(dict(
        name=dict(type="str", required=True),
        description=dict(type="str"),
        default_queue_type=dict(type="str", choices=["classic", "quorum", "stream"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )).run(run)


if __name__ == "__main__":
    main()
