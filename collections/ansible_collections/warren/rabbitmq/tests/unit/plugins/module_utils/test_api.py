from __future__ import annotations

import pytest

from ansible_collections.warren.rabbitmq.plugins.modules import rabbitmq_vhost
from ansible_collections.warren.rabbitmq.plugins.module_utils.api import (
    ApiError, RabbitMQClient, parse_version, path)


@pytest.mark.parametrize("text, expected", [
    ("3.10.8", (3, 10, 8)), ("4.0.5", (4, 0, 5)), ("3.13.0-rc.1", (3, 13, 0)), ("4.1", (4, 1)),
    ("", (0,)),
])
def test_parse_version(text, expected):
    assert parse_version(text) == expected


def test_path_quotes_each_segment():
    assert path("vhosts", "/") == "vhosts/%2F"
    assert path("policies", "a b", "ha/fed") == "policies/a%20b/ha%2Ffed"


@pytest.mark.parametrize("failure, words", [
    (401, ["refused the credentials", "login_user and login_password"]),
    (403, ["administrator"]),
    (500, ["HTTP 500"]),
    ("refused", ["Cannot reach", "login_host/login_port"]),
])
def test_failures_become_clear_messages(broker, run_module, failure, words):
    broker.fail_with = failure
    result, failed = run_module(rabbitmq_vhost, dict(name="x", login_user="admin",
                                                     login_password="secret"))
    assert failed
    for word in words:
        assert word in result["msg"]
    assert "secret" not in result["msg"]


def test_404_is_an_error_unless_allowed(broker):
    client = RabbitMQClient(login_user="admin", login_password="secret")
    assert client.get("vhosts/nope", missing_ok=True) is None
    with pytest.raises(ApiError) as raised:
        client.get("vhosts/nope")
    assert raised.value.status == 404 and "Not found" in str(raised.value)


def test_version_from_overview(broker):
    broker.version = "4.0.5"
    assert RabbitMQClient().version() == (4, 0, 5)
