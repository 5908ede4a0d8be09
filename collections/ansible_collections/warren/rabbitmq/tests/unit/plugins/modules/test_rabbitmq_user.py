from __future__ import annotations

from ansible_collections.warren.rabbitmq.plugins.modules import rabbitmq_user

LOGIN = dict(login_user="admin", login_password="secret")
PUBLISHER = dict(LOGIN, name="publisher", password="p4ss", tags=[],
                 permissions=[dict(vhost="/", configure="^publisher$",
                                   write="^(publisher|amq\\.default)$", read="^$")])


def test_password_matches_the_stored_salted_hash():
    from fake_broker import hash_password
    stored = hash_password("right")
    assert rabbitmq_user.password_matches("right", stored, "rabbit_password_hashing_sha256")
    assert not rabbitmq_user.password_matches("wrong", stored, "rabbit_password_hashing_sha256")
    assert not rabbitmq_user.password_matches("right", stored, "unknown_algorithm")


def test_creates_a_user_with_its_permissions(broker, run_module):
    result, failed = run_module(rabbitmq_user, PUBLISHER)
    assert not failed and result["changed"] and result["password_changed"]
    assert broker.users["publisher"]["tags"] == []
    assert broker.permissions[("publisher", "/")]["configure"] == "^publisher$"
    assert "p4ss" not in repr(result)


def test_second_run_changes_nothing(broker, run_module):
    run_module(rabbitmq_user, PUBLISHER)
    broker.writes.clear()
    result, failed = run_module(rabbitmq_user, PUBLISHER)
    assert not failed and not result["changed"] and not result["password_changed"]
    assert broker.writes == []


def test_tags_given_as_string_on_the_broker_compare_equal(broker, run_module):
    broker.add_user("ops", "pw", tags=["monitoring", "management"])
    broker.users["ops"]["tags"] = "monitoring,management"
    result, _ = run_module(rabbitmq_user, dict(LOGIN, name="ops", tags=["management", "monitoring"]))
    assert not result["changed"]


def test_changed_password_is_set_and_never_shown(broker, run_module):
    run_module(rabbitmq_user, PUBLISHER)
    result, _ = run_module(rabbitmq_user, dict(PUBLISHER, password="n3w"), diff=True)
    assert result["changed"] and result["password_changed"]
    assert "n3w" not in repr(result["diff"])
    assert rabbitmq_user.password_matches("n3w", broker.users["publisher"]["password_hash"],
                                          "rabbit_password_hashing_sha256")


def test_tag_change_keeps_the_password(broker, run_module):
    broker.add_user("ops", "pw")
    result, _ = run_module(rabbitmq_user, dict(LOGIN, name="ops", tags=["monitoring"]))
    assert result["changed"] and not result["password_changed"]
    assert rabbitmq_user.password_matches("pw", broker.users["ops"]["password_hash"],
                                          "rabbit_password_hashing_sha256")


def test_update_password_on_create_leaves_an_existing_password(broker, run_module):
    broker.add_user("publisher", "old")
    result, _ = run_module(rabbitmq_user, dict(PUBLISHER, update_password="on_create"))
    assert not result["password_changed"]
    assert rabbitmq_user.password_matches("old", broker.users["publisher"]["password_hash"],
                                          "rabbit_password_hashing_sha256")


def test_check_mode_reports_without_writing(broker, run_module):
    result, _ = run_module(rabbitmq_user, PUBLISHER, check_mode=True, diff=True)
    assert result["changed"]
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["permissions"][0]["vhost"] == "/"
    assert broker.writes == [] and "publisher" not in broker.users


def test_permissions_in_unlisted_vhosts_are_kept(broker, run_module):
    broker.vhosts["other"] = {"name": "other", "description": ""}
    run_module(rabbitmq_user, PUBLISHER)
    broker.permissions[("publisher", "other")] = dict(user="publisher", vhost="other",
                                                      configure=".*", write=".*", read=".*")
    result, _ = run_module(rabbitmq_user, PUBLISHER)
    assert not result["changed"]
    assert [p["vhost"] for p in result["user"]["permissions"]] == ["/", "other"]


def test_absent_deletes_and_then_does_nothing(broker, run_module):
    broker.add_user("guest", "guest", tags=["administrator"])
    result, _ = run_module(rabbitmq_user, dict(LOGIN, name="guest", state="absent"), diff=True)
    assert result["changed"] and "guest" not in broker.users
    assert result["diff"]["before"]["name"] == "guest"
    result, _ = run_module(rabbitmq_user, dict(LOGIN, name="guest", state="absent"))
    assert not result["changed"]


def test_creating_without_a_password_is_refused(broker, run_module):
    result, failed = run_module(rabbitmq_user, dict(LOGIN, name="nobody"))
    assert failed and "give a password" in result["msg"]


def test_permissions_in_a_missing_vhost_are_refused_before_any_write(broker, run_module):
    args = dict(PUBLISHER, permissions=[dict(vhost="nope")])
    result, failed = run_module(rabbitmq_user, args)
    assert failed and "'nope' does not exist" in result["msg"]
    assert broker.writes == []
