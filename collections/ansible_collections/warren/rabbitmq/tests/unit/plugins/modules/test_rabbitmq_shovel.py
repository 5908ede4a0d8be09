from __future__ import annotations

from ansible_collections.warren.rabbitmq.plugins.modules import rabbitmq_shovel


def test_the_definition_never_shows_a_password():
    value = {"src-uri": ["amqp://admin:s3cr%2Ft@rabbit-1:5672/%2F", "amqps://admin:x@rabbit-2:5671"],
             "dest-uri": ["amqp://"], "src-queue": "publisher"}
    shown = rabbitmq_shovel.redacted(value)
    assert shown["src-uri"] == ["amqp://admin:********@rabbit-1:5672/%2F",
                                "amqps://admin:********@rabbit-2:5671"]
    assert shown["dest-uri"] == ["amqp://"] and shown["src-queue"] == "publisher"
