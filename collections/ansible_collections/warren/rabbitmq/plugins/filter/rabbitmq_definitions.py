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
  - Builds the C(vhosts), C(users) and C(permissions) of a RabbitMQ definitions document, the
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
  description: A dictionary with C(vhosts), C(users) and C(permissions).
  type: dict
"""


def rabbitmq_definitions(users, vhosts=()):
    definitions = {"vhosts": [{"name": v} for v in vhosts], "users": [], "permissions": []}
    for user in users:
        definitions["users"].append({
            "name": user["name"],
            "password_hash": rabbitmq_password_hash(user["password"]),
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


class FilterModule:
    def filters(self):
        return {"rabbitmq_definitions": rabbitmq_definitions}
