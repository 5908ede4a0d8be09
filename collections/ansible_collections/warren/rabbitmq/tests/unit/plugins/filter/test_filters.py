from __future__ import annotations

from ansible_collections.warren.rabbitmq.plugins.filter.rabbitmq_definitions import (
    rabbitmq_definitions)
from ansible_collections.warren.rabbitmq.plugins.filter.rabbitmq_password_hash import (
    rabbitmq_password_hash)
from ansible_collections.warren.rabbitmq.plugins.modules.rabbitmq_user import password_matches

USERS = [{"name": "admin", "password": "s3cret", "tags": ["administrator"],
          "permissions": [{"vhost": "/", "configure": ".*", "write": ".*", "read": ".*"}]},
         {"name": "publisher", "password": "p", "permissions": [{"configure": "^q$"}]}]


def test_hashes_are_what_rabbitmq_stores():
    stored = rabbitmq_password_hash("s3cret")
    assert password_matches("s3cret", stored, "rabbit_password_hashing_sha256")
    assert not password_matches("other", stored, "rabbit_password_hashing_sha256")


def test_random_salts_differ_and_stable_salts_repeat():
    assert rabbitmq_password_hash("x") != rabbitmq_password_hash("x")
    assert rabbitmq_password_hash("x", salt_from="a") == rabbitmq_password_hash("x", salt_from="a")
    assert rabbitmq_password_hash("x", salt_from="a") != rabbitmq_password_hash("x", salt_from="b")


def test_definitions_carry_hashes_not_passwords():
    definitions = rabbitmq_definitions(USERS, vhosts=["/"])
    assert "s3cret" not in repr(definitions)
    admin = definitions["users"][0]
    assert admin["tags"] == ["administrator"]
    assert password_matches("s3cret", admin["password_hash"], admin["hashing_algorithm"])
    assert definitions["permissions"][1] == {"user": "publisher", "vhost": "/", "configure": "^q$",
                                             "write": "^$", "read": "^$"}
    assert definitions["vhosts"] == [{"name": "/"}]


def test_stable_definitions_are_the_same_on_every_call():
    assert rabbitmq_definitions(USERS, stable=True) == rabbitmq_definitions(USERS, stable=True)
    assert rabbitmq_definitions(USERS) != rabbitmq_definitions(USERS)


def test_policies_in_the_definitions_format():
    definitions = rabbitmq_definitions([], policies=[
        {"name": "ha", "pattern": ".*", "apply_to": "queues", "priority": "1",
         "definition": {"ha-mode": "all"}},
        {"name": "gone", "state": "absent"}])
    assert definitions["policies"] == [{"vhost": "/", "name": "ha", "pattern": ".*",
                                        "apply-to": "queues", "priority": 1,
                                        "definition": {"ha-mode": "all"}}]
