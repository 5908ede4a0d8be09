#!/usr/bin/python
# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: rabbitmq_queue
short_description: Declare or delete a RabbitMQ queue through the management API
version_added: 0.2.0
description:
  - Declares a durable queue of a given type with the given arguments, or deletes one.
  - A queue's type, durability and arguments cannot change once it exists. When an existing
    queue differs, the module fails and says what differs instead of deleting it, since deleting a
    queue deletes its messages. Settings that may change belong in a policy
    (M(warren.rabbitmq.rabbitmq_policy)).
  - Deleting refuses a queue that holds messages unless O(if_empty=false).
options:
  name:
    description: Name of the queue.
    type: str
    required: true
  vhost:
    description: Virtual host of the queue.
    type: str
    default: /
  type:
    description: Queue type.
    type: str
    choices: [classic, quorum, stream]
    default: quorum
  durable:
    description: Whether the queue survives a restart of its nodes. Quorum queues and streams are always durable.
    type: bool
    default: true
  arguments:
    description: Optional queue arguments (C(x-*)), besides the type.
    type: dict
    default: {}
  if_empty:
    description: With O(state=absent), delete the queue only when it holds no message.
    type: bool
    default: true
  state:
    description: Whether the queue exists.
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
- name: Keep a quorum queue for the messages the app queue gives up on
  warren.rabbitmq.rabbitmq_queue:
    name: publisher.dead
    type: quorum
    login_user: admin
    login_password: "{{ vault_rabbitmq_admin_password }}"

- name: Delete a queue, but only if it is empty
  warren.rabbitmq.rabbitmq_queue:
    name: old-orders
    state: absent
    login_user: admin
    login_password: "{{ vault_rabbitmq_admin_password }}"
"""

RETURN = r"""
queue:
  description: The queue after the task, or null when it is absent.
  returned: always
  type: dict
  sample: {"name": "publisher.dead", "vhost": "/", "type": "quorum", "durable": true, "arguments": {}}
messages:
  description: Messages the queue held before the task (null when it did not exist).
  returned: always
  type: int
"""

from ansible_collections.warren.rabbitmq.plugins.module_utils.api import path
from ansible_collections.warren.rabbitmq.plugins.module_utils.module import RabbitMQModule


class QueueError(ValueError):
    """The queue exists with other properties, or is not empty."""


def _view(queue, vhost):
    if queue is None:
        return None
    arguments = dict(queue.get("arguments") or {})
    kind = arguments.pop("x-queue-type", None) or queue.get("type") or "classic"
    return {"name": queue["name"], "vhost": vhost, "type": kind,
            "durable": bool(queue.get("durable")), "arguments": arguments}


def run(module, client):
    p = module.params
    api_path = path("queues", p["vhost"], p["name"])
    client.require_vhost(p["vhost"])
    current = client.get(api_path, missing_ok=True)
    before = _view(current, p["vhost"])
    messages = None if current is None else current.get("messages") or 0

    if p["state"] == "absent":
        after = None
        if before is not None and p["if_empty"] and messages:
            raise QueueError("queue %s in vhost %s holds %d message(s): consume or move them "
                             "first, or delete it with if_empty=false (the messages are lost)."
                             % (p["name"], p["vhost"], messages))
    else:
        after = {"name": p["name"], "vhost": p["vhost"], "type": p["type"],
                 "durable": p["durable"] or p["type"] != "classic", "arguments": p["arguments"]}
        if before is not None and before != after:
            differences = ", ".join("%s is %r, not %r" % (k, before[k], after[k])
                                    for k in ("type", "durable", "arguments") if before[k] != after[k])
            raise QueueError(
                "queue %s in vhost %s exists with other properties (%s). A queue's type, "
                "durability and arguments cannot change; nothing was changed. Move its messages "
                "to a new queue, or put changeable settings in a policy." % (
                    p["name"], p["vhost"], differences))

    changed = before != after
    if changed and not module.check_mode:
        if after is None:
            client.delete(api_path + ("?if-empty=true" if p["if_empty"] else ""))
        else:
            client.put(api_path, {"durable": after["durable"], "auto_delete": False,
                                    "arguments": dict(after["arguments"], **{"x-queue-type": after["type"]})})
    return dict(changed=changed, queue=after, messages=messages,
                diff=dict(before=before or {}, after=after or {}))


def main():
    RabbitMQModule(dict(
        name=dict(type="str", required=True),
        vhost=dict(type="str", default="/"),
        type=dict(type="str", default="quorum", choices=["classic", "quorum", "stream"]),
        durable=dict(type="bool", default=True),
        arguments=dict(type="dict", default={}),
        if_empty=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )).run(run, errors=(QueueError,))


if __name__ == "__main__":
    main()
