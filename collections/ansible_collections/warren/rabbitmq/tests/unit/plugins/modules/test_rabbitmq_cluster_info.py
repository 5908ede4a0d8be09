from __future__ import annotations

from ansible_collections.warren.rabbitmq.plugins.modules import rabbitmq_cluster_info

LOGIN = dict(login_user="admin", login_password="secret")


def test_reports_the_cluster_and_never_changes_anything(broker, run_module):
    for check_mode in (False, True):
        result, failed = run_module(rabbitmq_cluster_info, dict(LOGIN, gather=["policies"]),
                                    check_mode=check_mode, diff=True)
        assert not failed and not result["changed"] and "diff" not in result
        assert result["running_nodes"] == ["rabbit@rabbit-1", "rabbit@rabbit-2", "rabbit@rabbit-3"]
        assert result["policies"] == []
    assert broker.writes == []


def test_an_unreachable_api_is_a_failure_that_says_what_to_check(broker, run_module):
    broker.fail_with = "refused"
    result, failed = run_module(rabbitmq_cluster_info, LOGIN)
    assert failed and "Cannot reach the RabbitMQ management API" in result["msg"]
    assert "secret" not in repr(result)
