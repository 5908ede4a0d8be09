from __future__ import annotations

from ansible_collections.warren.rabbitmq.plugins.modules import rabbitmq_vhost

LOGIN = dict(login_user="admin", login_password="secret")


def test_creates_then_changes_nothing(broker, run_module):
    result, failed = run_module(rabbitmq_vhost, dict(LOGIN, name="billing", description="Bills"))
    assert not failed and result["changed"]
    assert broker.vhosts["billing"]["description"] == "Bills"
    broker.writes.clear()
    result, _ = run_module(rabbitmq_vhost, dict(LOGIN, name="billing", description="Bills"))
    assert not result["changed"] and broker.writes == []


def test_existing_description_is_kept_when_not_given(broker, run_module):
    result, _ = run_module(rabbitmq_vhost, dict(LOGIN, name="/"))
    assert not result["changed"]
    assert result["vhost"]["description"] == "Default virtual host"


def test_check_mode_and_diff(broker, run_module):
    result, _ = run_module(rabbitmq_vhost, dict(LOGIN, name="new"), check_mode=True, diff=True)
    assert result["changed"] and "new" not in broker.vhosts
    assert result["diff"] == {"before": {}, "after": {"name": "new", "description": "",
                                                      "default_queue_type": None}}


def test_absent(broker, run_module):
    broker.vhosts["old"] = {"name": "old", "description": ""}
    result, _ = run_module(rabbitmq_vhost, dict(LOGIN, name="old", state="absent"))
    assert result["changed"] and "old" not in broker.vhosts
    result, _ = run_module(rabbitmq_vhost, dict(LOGIN, name="old", state="absent"))
    assert not result["changed"]


def test_default_queue_type_is_set_then_kept(broker, run_module):
    result, _ = run_module(rabbitmq_vhost, dict(LOGIN, name="/", default_queue_type="quorum"))
    assert result["changed"]
    assert broker.vhosts["/"]["default_queue_type"] == "quorum"
    assert broker.vhosts["/"]["description"] == "Default virtual host"
    result, _ = run_module(rabbitmq_vhost, dict(LOGIN, name="/", description="Apps"))
    assert result["changed"] and broker.vhosts["/"]["default_queue_type"] == "quorum"
    broker.writes.clear()
    result, _ = run_module(rabbitmq_vhost, dict(LOGIN, name="/", default_queue_type="quorum"))
    assert not result["changed"] and broker.writes == []
