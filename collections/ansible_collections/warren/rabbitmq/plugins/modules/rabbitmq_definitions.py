#!/usr/bin/python
# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: rabbitmq_definitions
short_description: Add the definitions a RabbitMQ cluster lacks, through the management API
version_added: 0.4.0
description:
  - Compares a definitions document (the format of C(GET /api/definitions)) with the cluster's
    and imports only what the cluster lacks, in one request. A re-run imports nothing.
  - Never changes or deletes what exists. A user, permission, policy or parameter the cluster
    already has stays as it is, and is listed in RV(kept).
  - A queue or exchange that exists with other properties (type, durability, arguments)
    cannot be changed in place, so the module fails and names each one, before anything is
    imported.
options:
  definitions:
    description:
      - The wanted definitions, e.g. a 3.x export translated by
        P(warren.rabbitmq.rabbitmq_quorum_definitions#filter). Password hashes are imported as
        they are.
    type: dict
    required: true
extends_documentation_fragment:
  - warren.rabbitmq.login
  - warren.rabbitmq.attributes
  - warren.rabbitmq.attributes.actiongroup_api
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The names of the definitions the task adds; never a password hash.
author:
  - warren maintainers
"""

EXAMPLES = r"""
- name: Read the old cluster's definitions
  warren.rabbitmq.rabbitmq_cluster_info:
    gather: [definitions]
    login_host: old-rabbit-1
    login_user: admin
    login_password: "{{ vault_rabbitmq_admin_password }}"
  register: old
  no_log: true

- name: Carry them over to the new cluster, translated for RabbitMQ 4
  warren.rabbitmq.rabbitmq_definitions:
    definitions: "{{ (old.definitions | warren.rabbitmq.rabbitmq_quorum_definitions).definitions }}"
    login_host: new-rabbit-1
    login_user: admin
    login_password: "{{ vault_rabbitmq_admin_password }}"
"""

RETURN = r"""
added:
  description: What was imported (or would be, in check mode), by kind.
  returned: always
  type: dict
  sample: {"queues": ["queues publisher (vhost /)"], "users": ["users tutorial"]}
kept:
  description: Users, permissions, policies and parameters the cluster already had, left as
    they are even where the wanted ones differ.
  returned: always
  type: list
  elements: str
  sample: ["users admin"]
"""

from ansible_collections.warren.rabbitmq.plugins.module_utils.migration import (
    KINDS, MigrationError, label, missing_definitions)
from ansible_collections.warren.rabbitmq.plugins.module_utils.module import RabbitMQModule


def run(module, client):
    wanted = module.params["definitions"]
    current = client.get("definitions")
    missing = missing_definitions(wanted, current)
    if missing and not module.check_mode:
        client.request("POST", "definitions", missing)
    added = {kind: [label(kind, item) for item in items] for kind, items in missing.items()}
    missing_labels = {name for names in added.values() for name in names}
    kept = [label(kind, item) for kind in KINDS if kind not in ("queues", "exchanges", "bindings")
            for item in wanted.get(kind) or [] if label(kind, item) not in missing_labels]
    return dict(changed=bool(missing), added=added, kept=kept,
                diff=dict(before="", after="".join("+ %s\n" % n for n in sorted(missing_labels))))


def main():
    RabbitMQModule(dict(
        definitions=dict(type="dict", required=True),
    )).run(run, errors=(MigrationError,))


if __name__ == "__main__":
    main()
