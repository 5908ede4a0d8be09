# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

import base64
import hashlib
import os

DOCUMENTATION = r"""
name: rabbitmq_password_hash
short_description: Hash a password the way RabbitMQ stores it
version_added: 0.1.0
description:
  - Returns base64(salt + H(salt + password)) with a random 4-byte salt, the format of
    C(password_hash) in RabbitMQ definitions and in the management API.
  - Lets a user be created from definitions without the password itself ever being written.
options:
  _input:
    description: The password.
    type: str
    required: true
  algorithm:
    description: Hash function, matching the C(hashing_algorithm) RabbitMQ is told.
    type: str
    choices: [sha256, sha512]
    default: sha256
  salt_from:
    description:
      - Derive the salt from this text instead of drawing it at random, so the same inputs
        give the same hash (for files that must not change on every run, such as a
        Kubernetes Secret). Give something unique per user, e.g. its name and password.
    type: str
author:
  - warren maintainers
"""

EXAMPLES = r"""
- name: Definitions with an administrator
  ansible.builtin.set_fact:
    definitions:
      users:
        - name: admin
          password_hash: "{{ vault_rabbitmq_admin_password | warren.rabbitmq.rabbitmq_password_hash }}"
          hashing_algorithm: rabbit_password_hashing_sha256
          tags: [administrator]
"""

RETURN = r"""
_value:
  description: The salted hash, base64-encoded.
  type: str
"""

_ALGORITHMS = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}


def rabbitmq_password_hash(password, algorithm="sha256", salt_from=None):
    if salt_from is None:
        salt = os.urandom(4)
    else:
        salt = hashlib.sha256(str(salt_from).encode("utf-8")).digest()[:4]
    digest = _ALGORITHMS[algorithm](salt + str(password).encode("utf-8")).digest()
    return base64.b64encode(salt + digest).decode("ascii")


class FilterModule:
    def filters(self):
        return {"rabbitmq_password_hash": rabbitmq_password_hash}
