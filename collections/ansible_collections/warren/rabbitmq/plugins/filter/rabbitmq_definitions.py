# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

from ansible_collections.warren.rabbitmq.plugins.filter.rabbitmq_password_hash import (
    rabbitmq_password_hash)

DOCUMENTATION = r"""
name: rabbitmq_definitions
short_description: Turn users and virtual hosts into RabbitMQ definitions
version_added: 0.1.0
description:
  - Builds the C(vhosts), C(users), C(permissions), C(policies) and C(queues) of a RabbitMQ
    definitions document, the
    format of C(rabbitmqctl import_definitions) and of definitions loaded at boot.
  - Passwords become salted hashes (see P(warren.rabbitmq.rabbitmq_password_hash#filter));
    the definitions never contain a password.
options:
  _input:
    description:
      - Users, each with C(name), C(password), C(tags) (list) and C(permissions), a list of
        C(vhost), C(configure), C(write), C(read) (default C(/), C(^$), C(^$), C(^$)).
    type: list
    elements: dict
    required: true
  vhosts:
    description: Virtual hosts to declare.
    type: list
    elements: str
    default: []
  policies:
    description: Policies, each with the options of M(warren.rabbitmq.rabbitmq_policy)
      (C(name), C(pattern), C(definition), C(priority), C(apply_to), C(vhost)).
    type: list
    elements: dict
    default: []
  queues:
    description: Durable queues, each with C(name), C(vhost) (default C(/)), C(type) (default
      C(quorum)) and C(arguments).
    type: list
    elements: dict
    default: []
  stable:
    description:
      - Salt each password hash from the user's name and password, so the same users give
        the same definitions on every run. Otherwise salts are random.
    type: bool
    default: false
author:
  - warren maintainers
"""

EXAMPLES = r"""
- name: Definitions for the apps' users
  ansible.builtin.copy:
    dest: /etc/rabbitmq/definitions.json
    content: "{{ users | warren.rabbitmq.rabbitmq_definitions(vhosts=['/']) | to_json }}"
    mode: "0400"
"""

RETURN = r"""
_value:
  description: A dictionary with C(vhosts), C(users), C(permissions) and C(policies).
  type: dict
"""


def rabbitmq_definitions(users, vhosts=(), policies=(), queues=(), stable=False):
    definitions = {"vhosts": [{"name": v} for v in vhosts], "users": [], "permissions": [],
                   "policies": [_policy(p) for p in policies if p.get("state", "present") == "present"],
                   "queues": [_queue(q) for q in queues]}
    for user in users:
        salt_from = (user["name"] + "\0" + user["password"]) if stable else None
        definitions["users"].append({
            "name": user["name"],
            "password_hash": rabbitmq_password_hash(user["password"], salt_from=salt_from),
            "hashing_algorithm": "rabbit_password_hashing_sha256",
            "tags": list(user.get("tags") or []),
        })
        for grant in user.get("permissions") or []:
            definitions["permissions"].append({
                "user": user["name"], "vhost": grant.get("vhost", "/"),
                "configure": grant.get("configure", "^$"), "write": grant.get("write", "^$"),
                "read": grant.get("read", "^$"),
            })
    return definitions


def _policy(policy):
    return {"vhost": policy.get("vhost", "/"), "name": policy["name"], "pattern": policy["pattern"],
            "apply-to": policy.get("apply_to", "all"), "priority": int(policy.get("priority", 0)),
            "definition": policy["definition"]}


def _queue(queue):
    arguments = dict(queue.get("arguments") or {}, **{"x-queue-type": queue.get("type", "quorum")})
    return {"vhost": queue.get("vhost", "/"), "name": queue["name"], "durable": True,
            "auto_delete": False, "arguments": arguments}


class FilterModule:
    def filters(self):
        return {"rabbitmq_definitions": rabbitmq_definitions}
