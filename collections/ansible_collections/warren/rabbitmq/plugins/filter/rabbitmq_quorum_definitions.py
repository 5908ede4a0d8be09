# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.warren.rabbitmq.plugins.module_utils.migration import (
    MigrationError, translate_definitions)

DOCUMENTATION = r"""
name: rabbitmq_quorum_definitions
short_description: Translate a RabbitMQ 3.x cluster's definitions for RabbitMQ 4
version_added: 0.4.0
description:
  - Takes the definitions of a 3.x cluster (C(GET /api/definitions)) and returns them as a
    4.x cluster can load them, classic queue mirroring being gone there.
  - Queues a mirroring policy applied to become quorum queues; other classic queues stay
    classic; classic-only arguments and the policies' mirroring and classic v1 keys are
    dropped; a policy left with nothing that acts is not carried over; virtual hosts get
    quorum as their default queue type. Users keep their password hashes.
  - Fails, naming each case, where there is no faithful translation - a mirrored queue that is
    transient, auto-delete, has x-max-priority or x-overflow reject-publish-dlx (unless kept
    classic), or a dynamic shovel that would then run on both clusters.
options:
  _input:
    description: The 3.x definitions.
    type: dict
    required: true
  keep_classic:
    description: Mirrored queues to carry over as classic queues without replicas instead,
      as C(vhost/name), or C(name) in the default virtual host.
    type: list
    elements: str
    default: []
author:
  - warren maintainers
"""

EXAMPLES = r"""
- name: Show what a migration would change in the definitions
  ansible.builtin.debug:
    msg: "{{ (old.definitions | warren.rabbitmq.rabbitmq_quorum_definitions).notes }}"
"""

RETURN = r"""
_value:
  description: C(definitions), the translated document, and C(notes), a line per change.
  type: dict
"""


def rabbitmq_quorum_definitions(export, keep_classic=()):
    try:
        definitions, notes = translate_definitions(export, keep_classic=tuple(keep_classic))
    except MigrationError as e:
        raise AnsibleFilterError(str(e)) from None
    return {"definitions": definitions, "notes": notes}


class FilterModule:
    def filters(self):
        return {"rabbitmq_quorum_definitions": rabbitmq_quorum_definitions}
