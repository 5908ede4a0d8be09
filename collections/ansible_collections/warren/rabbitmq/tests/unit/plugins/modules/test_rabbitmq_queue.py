from __future__ import annotations

from ansible_collections.warren.rabbitmq.plugins.modules import rabbitmq_queue

LOGIN = dict(login_user="admin", login_password="secret")
DEAD = dict(LOGIN, name="publisher.dead")


def test_declares_a_quorum_queue_then_changes_nothing(broker, run_module):
    result, failed = run_module(rabbitmq_queue, DEAD)
    assert not failed and result["changed"]
    assert broker.writes == [("PUT", "queues/%2F/publisher.dead",
                              {"durable": True, "auto_delete": False,
                               "arguments": {"x-queue-type": "quorum"}})]
    broker.writes.clear()
    result, _ = run_module(rabbitmq_queue, DEAD)
    assert not result["changed"] and broker.writes == []
    assert result["queue"] == {"name": "publisher.dead", "vhost": "/", "type": "quorum",
                               "durable": True, "arguments": {}}


def test_check_mode_declares_nothing_and_diff_only_in_diff_mode(broker, run_module):
    result, _ = run_module(rabbitmq_queue, DEAD, check_mode=True)
    assert result["changed"] and broker.queues == [] and "diff" not in result
    result, _ = run_module(rabbitmq_queue, DEAD, check_mode=True, diff=True)
    assert result["diff"]["before"] == {} and result["diff"]["after"]["type"] == "quorum"


def test_a_queue_of_another_type_is_refused_not_replaced(broker, run_module):
    run_module(rabbitmq_queue, dict(DEAD, type="classic"))
    broker.writes.clear()
    result, failed = run_module(rabbitmq_queue, DEAD)
    assert failed and "type is 'classic', not 'quorum'" in result["msg"]
    assert "nothing was changed" in result["msg"] and broker.writes == []


def test_a_queue_with_messages_is_not_deleted_unless_asked(broker, run_module):
    run_module(rabbitmq_queue, DEAD)
    broker.queues[0]["messages"] = 3
    result, failed = run_module(rabbitmq_queue, dict(DEAD, state="absent"))
    assert failed and "holds 3 message(s)" in result["msg"] and broker.queues
    result, failed = run_module(rabbitmq_queue, dict(DEAD, state="absent", if_empty=False))
    assert not failed and result["changed"] and result["messages"] == 3 and broker.queues == []
    result, _ = run_module(rabbitmq_queue, dict(DEAD, state="absent"))
    assert not result["changed"]


def test_a_missing_vhost_is_named(broker, run_module):
    result, failed = run_module(rabbitmq_queue, dict(DEAD, vhost="nowhere"))
    assert failed and "virtual host 'nowhere' does not exist" in result["msg"]
