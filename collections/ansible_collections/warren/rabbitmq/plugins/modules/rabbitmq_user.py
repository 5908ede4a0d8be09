#!/usr/bin/python
# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: rabbitmq_user
short_description: Manage RabbitMQ users, their tags and permissions through the management API
version_added: 0.1.0
description:
  - Creates, updates or deletes a user of a RabbitMQ cluster, with its tags and its
    permissions in the virtual hosts listed in O(permissions).
  - The password is compared with the stored salted hash, so an unchanged password never
    reports a change and is never sent again; it never appears in the output or the diff.
options:
  name:
    description: User name.
    type: str
    required: true
  password:
    description:
      - Password of the user. Required to create a user.
      - When omitted for an existing user, its password is left as it is.
    type: str
  update_password:
    description:
      - V(always) sets the password whenever it differs from the stored one;
        V(on_create) sets it only when the user is created.
    type: str
    choices: [always, on_create]
    default: always
  tags:
    description:
      - Tags of the user, such as C(administrator), C(monitoring), C(management).
      - When omitted, the tags of an existing user are left as they are.
    type: list
    elements: str
  permissions:
    description:
      - Permissions per virtual host. Virtual hosts not listed keep their permissions.
      - Each regular expression matches the names of the resources the user may configure,
        write to or read from; C(^$) matches none.
    type: list
    elements: dict
    default: []
    suboptions:
      vhost:
        description: Virtual host.
        type: str
        default: /
      configure:
        description: Resources the user may declare and delete.
        type: str
        default: ^$
      write:
        description: Resources the user may publish to or bind to.
        type: str
        default: ^$
      read:
        description: Resources the user may consume from or bind from.
        type: str
        default: ^$
  state:
    description: Whether the user exists.
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
    details: Tags and permissions before and after; never the password.
author:
  - warren maintainers
"""

EXAMPLES = r"""
- name: A publisher that may only declare and write to its queue
  warren.rabbitmq.rabbitmq_user:
    name: publisher
    password: "{{ vault_rabbitmq_publisher_password }}"
    tags: []
    permissions:
      - vhost: /
        configure: ^publisher$
        write: ^(publisher|amq\.default)$
        read: ^$
    login_user: admin
    login_password: "{{ vault_rabbitmq_admin_password }}"
  no_log: true

- name: No guest user
  warren.rabbitmq.rabbitmq_user:
    name: guest
    state: absent
    login_user: admin
    login_password: "{{ vault_rabbitmq_admin_password }}"
"""

RETURN = r"""
user:
  description: The user after the task (without any password), or null when it is absent.
  returned: always
  type: dict
  sample:
    name: publisher
    tags: []
    permissions:
      - {vhost: /, configure: ^publisher$, write: ^(publisher|amq\.default)$, read: ^$}
password_changed:
  description: Whether the password was (or in check mode would be) set.
  returned: always
  type: bool
"""

import base64
import hashlib

from ansible_collections.warren.rabbitmq.plugins.module_utils.api import ApiError, path
from ansible_collections.warren.rabbitmq.plugins.module_utils.module import RabbitMQModule

_HASHES = {
    "rabbit_password_hashing_sha256": hashlib.sha256,
    "rabbit_password_hashing_sha512": hashlib.sha512,
    "rabbit_password_hashing_md5": hashlib.md5,
}


def password_matches(password, password_hash, algorithm):
    """True when ``password`` is the one RabbitMQ stored as base64(salt + H(salt + password))."""
    digest = _HASHES.get(algorithm)
    if digest is None or not password_hash:
        return False
    raw = base64.b64decode(password_hash)
    salt, stored = raw[:4], raw[4:]
    return digest(salt + password.encode("utf-8")).digest() == stored


def _tags(value):
    if isinstance(value, str):
        value = value.split(",")
    return sorted(t.strip() for t in value or [] if t and t.strip())


def _permission(p):
    return {k: p[k] for k in ("vhost", "configure", "write", "read")}


def read_user(client, name):
    user = client.get(path("users", name), missing_ok=True)
    if user is None:
        return None
    perms = client.get(path("users", name, "permissions"), missing_ok=True) or []
    return {
        "name": user["name"],
        "tags": _tags(user.get("tags")),
        "permissions": sorted((_permission(p) for p in perms), key=lambda p: p["vhost"]),
        "_hash": user.get("password_hash", ""),
        "_algorithm": user.get("hashing_algorithm", ""),
    }


def _public(user):
    return {k: v for k, v in user.items() if not k.startswith("_")} if user else None


def run(module, client):
    p = module.params
    name = p["name"]
    before = read_user(client, name)

    if p["state"] == "absent":
        if before is not None and not module.check_mode:
            client.delete(path("users", name))
        return dict(changed=before is not None, user=None, password_changed=False,
                    diff=dict(before=_public(before) or {}, after={}))

    if before is None and p["password"] is None:
        raise ApiError("The user '%s' does not exist: give a password to create it." % name)

    wanted_perms = {q["vhost"]: _permission(q) for q in p["permissions"]}
    for vhost in wanted_perms:
        client.require_vhost(vhost)
    current_perms = {q["vhost"]: q for q in (before or {}).get("permissions", [])}
    merged_perms = dict(current_perms, **wanted_perms)

    tags = _tags(p["tags"]) if p["tags"] is not None else (before or {}).get("tags", [])
    after = {"name": name, "tags": tags,
             "permissions": sorted(merged_perms.values(), key=lambda q: q["vhost"])}

    if before is None:
        password_changed = True
    elif p["password"] is None or p["update_password"] == "on_create":
        password_changed = False
    else:
        password_changed = not password_matches(p["password"], before["_hash"], before["_algorithm"])

    user_changed = before is None or password_changed or before["tags"] != tags
    perms_to_set = [q for v, q in sorted(wanted_perms.items()) if current_perms.get(v) != q]

    if not module.check_mode:
        if user_changed:
            body = {"tags": ",".join(tags)}
            if password_changed:
                body["password"] = p["password"]
            else:
                # Keep the stored password: the API replaces it unless a hash is given.
                body["password_hash"] = before["_hash"]
                body["hashing_algorithm"] = before["_algorithm"]
            client.put(path("users", name), body)
        for q in perms_to_set:
            client.put(path("permissions", q["vhost"], name),
                       {"configure": q["configure"], "write": q["write"], "read": q["read"]})

    return dict(changed=user_changed or bool(perms_to_set), user=after,
                password_changed=password_changed,
                diff=dict(before=_public(before) or {}, after=after))


def main():
    RabbitMQModule(dict(
        name=dict(type="str", required=True),
        password=dict(type="str", no_log=True),
        update_password=dict(type="str", default="always", choices=["always", "on_create"], no_log=False),
        tags=dict(type="list", elements="str"),
        permissions=dict(type="list", elements="dict", default=[], options=dict(
            vhost=dict(type="str", default="/"),
            configure=dict(type="str", default="^$"),
            write=dict(type="str", default="^$"),
            read=dict(type="str", default="^$"),
        )),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )).run(run)


if __name__ == "__main__":
    main()
