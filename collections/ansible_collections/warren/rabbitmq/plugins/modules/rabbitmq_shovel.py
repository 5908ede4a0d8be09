#!/usr/bin/python
# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: rabbitmq_shovel
short_description: Declare or delete a dynamic shovel from one queue to another
version_added: 0.4.0
description:
  - A dynamic shovel (a runtime parameter of the C(rabbitmq_shovel) plugin) that moves every
    message of a queue to a queue of another cluster or of the same one, over AMQP 0-9-1,
    with the messages' properties (C(message_id) included) as they are.
  - Both queues must exist (pre-declared topology). The shovel never declares them, so it
    never clashes with their arguments.
  - The URIs carry credentials. The module never returns them, and the diff shows them with
    the password replaced.
options:
  name:
    description: Name of the shovel.
    type: str
    required: true
  vhost:
    description: Virtual host the shovel belongs to.
    type: str
    default: /
  state:
    description: C(present) declares (or changes) the shovel; C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  source_uris:
    description:
      - AMQP URIs of the nodes to consume from, tried in turn, e.g.
        C(amqp://user:password@rabbit-1:5672/%2F). C(amqp://) is the cluster the shovel runs on.
      - Required with O(state=present).
    type: list
    elements: str
  source_queue:
    description: The queue to move messages from. Required with O(state=present).
    type: str
  destination_uris:
    description:
      - AMQP URIs to publish to, tried in turn; C(amqp://) is the cluster the shovel runs on.
      - C([amqp://]) when omitted.
    type: list
    elements: str
  destination_queue:
    description: The queue to move messages to; the source queue's name when omitted.
    type: str
  ack_mode:
    description:
      - C(on-confirm) removes a message from the source only once the destination confirmed
        it, so none is lost, and some may arrive twice after a reconnection. C(on-publish) and
        C(no-ack) are faster and can lose messages.
    type: str
    choices: [on-confirm, on-publish, no-ack]
    default: on-confirm
  prefetch_count:
    description: Messages in flight between the source and the destination.
    type: int
    default: 1000
  reconnect_delay:
    description: Seconds between attempts to reconnect after a failure.
    type: int
    default: 1
extends_documentation_fragment:
  - warren.rabbitmq.login
  - warren.rabbitmq.attributes
  - warren.rabbitmq.attributes.actiongroup_api
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The shovel's definition before and after, with passwords replaced.
author:
  - warren maintainers
"""

EXAMPLES = r"""
- name: Move the messages of the old cluster's queue to the new cluster
  warren.rabbitmq.rabbitmq_shovel:
    name: move-publisher
    source_uris: ["amqp://admin:{{ vault_rabbitmq_admin_password | urlencode }}@old-rabbit-1:5672/%2F"]
    source_queue: publisher
    login_host: new-rabbit-1
    login_user: admin
    login_password: "{{ vault_rabbitmq_admin_password }}"
  no_log: true
"""

RETURN = r"""
state:
  description: The shovel's state as the cluster reports it (C(running), C(starting),
    C(terminated)), or C(absent).
  returned: always
  type: str
  sample: running
"""

import re

from ansible_collections.warren.rabbitmq.plugins.module_utils.api import path
from ansible_collections.warren.rabbitmq.plugins.module_utils.module import RabbitMQModule

_PASSWORD = re.compile(r"(amqps?://[^:@/]*:)[^@]*@")


def redacted(value):
    """The definition with the password of every URI replaced."""
    return {k: [_PASSWORD.sub(r"\1********@", u) for u in v] if k.endswith("-uri") else v
            for k, v in value.items()}


def _wanted(params):
    return {
        "src-protocol": "amqp091", "src-uri": list(params["source_uris"]),
        "src-queue": params["source_queue"], "src-predeclared": True,
        "dest-protocol": "amqp091", "dest-uri": list(params["destination_uris"] or ["amqp://"]),
        "dest-queue": params["destination_queue"] or params["source_queue"],
        "dest-predeclared": True,
        "ack-mode": params["ack_mode"], "src-prefetch-count": params["prefetch_count"],
        "reconnect-delay": params["reconnect_delay"], "src-delete-after": "never",
    }


def _normalised(value):
    if value is None:
        return None
    return {k: [v] if k.endswith("-uri") and isinstance(v, str) else v for k, v in value.items()}


def _state(client, vhost, name):
    for shovel in client.get(path("shovels", vhost), missing_ok=True) or []:
        if shovel.get("name") == name:
            return shovel.get("state", "starting")
    return "starting"


def run(module, client):
    p = module.params
    resource = path("parameters", "shovel", p["vhost"], p["name"])
    current = _normalised((client.get(resource, missing_ok=True) or {}).get("value"))
    wanted = _wanted(p) if p["state"] == "present" else None
    changed = current != wanted
    if changed and not module.check_mode:
        if wanted is None:
            client.delete(resource)
        else:
            client.put(resource, {"value": wanted})
    state = "absent" if wanted is None else _state(client, p["vhost"], p["name"])
    return dict(changed=changed, state=state,
                diff=dict(before=redacted(current) if current else {},
                          after=redacted(wanted) if wanted else {}))


def main():
    RabbitMQModule(dict(
        name=dict(type="str", required=True),
        vhost=dict(type="str", default="/"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        source_uris=dict(type="list", elements="str", no_log=True),
        source_queue=dict(type="str"),
        # No default: Ansible cannot hide a no_log list default in its output.
        destination_uris=dict(type="list", elements="str", no_log=True),
        destination_queue=dict(type="str"),
        ack_mode=dict(type="str", default="on-confirm", choices=["on-confirm", "on-publish", "no-ack"]),
        prefetch_count=dict(type="int", default=1000),
        reconnect_delay=dict(type="int", default=1),
    ), required_if=[("state", "present", ("source_uris", "source_queue"))]).run(run)


if __name__ == "__main__":
    main()
