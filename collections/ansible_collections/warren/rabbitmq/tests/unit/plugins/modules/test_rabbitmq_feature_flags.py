from __future__ import annotations

from ansible_collections.warren.rabbitmq.plugins.modules import rabbitmq_feature_flags

LOGIN = dict(login_user="admin", login_password="secret")


def test_enables_every_stable_flag_then_changes_nothing(broker, run_module):
    result, failed = run_module(rabbitmq_feature_flags, dict(LOGIN))
    assert not failed and result["changed"]
    assert result["enabled"] == ["rabbitmq_4.3.0", "track_qq_members_uids"]
    assert {n: f[0] for n, f in broker.feature_flags.items()} == {
        "khepri_db": "enabled", "rabbitmq_4.3.0": "enabled", "track_qq_members_uids": "enabled",
        "future_thing": "disabled"}
    assert result["feature_flags"]["future_thing"] == "disabled"
    broker.writes.clear()
    result, _ = run_module(rabbitmq_feature_flags, dict(LOGIN))
    assert not result["changed"] and result["enabled"] == [] and broker.writes == []


def test_check_mode_says_what_it_would_enable_and_diff_shows_the_states(broker, run_module):
    result, _ = run_module(rabbitmq_feature_flags, dict(LOGIN, names=["track_qq_members_uids"]),
                           check_mode=True, diff=True)
    assert result["changed"] and broker.writes == []
    assert result["diff"] == {"before": {"track_qq_members_uids": "disabled"},
                              "after": {"track_qq_members_uids": "enabled"}}
    assert broker.feature_flags["track_qq_members_uids"][0] == "disabled"


def test_flags_named_with_their_dependency_all_end_enabled(broker, run_module):
    result, _ = run_module(rabbitmq_feature_flags,
                           dict(LOGIN, names=["track_qq_members_uids", "rabbitmq_4.3.0"]))
    assert result["feature_flags"]["rabbitmq_4.3.0"] == "enabled"
    assert result["changed"]


def test_an_unknown_flag_is_refused_with_the_names_the_cluster_has(broker, run_module):
    result, failed = run_module(rabbitmq_feature_flags, dict(LOGIN, names=["khepri"]))
    assert failed and broker.writes == []
    assert "no feature flag 'khepri'" in result["msg"] and "khepri_db" in result["msg"]


def test_an_experimental_flag_is_refused_and_nothing_is_enabled(broker, run_module):
    result, failed = run_module(rabbitmq_feature_flags,
                                dict(LOGIN, names=["rabbitmq_4.3.0", "future_thing"]))
    assert failed and broker.writes == []
    assert "'future_thing' is experimental" in result["msg"]


def test_unavailable_flags_in_a_mixed_version_cluster_stop_before_anything(broker, run_module):
    broker.feature_flags["rabbitmq_4.3.0"][0] = "unavailable"
    result, failed = run_module(rabbitmq_feature_flags, dict(LOGIN))
    assert failed and broker.writes == []
    assert "rabbitmq_4.3.0 are unavailable" in result["msg"] and "Upgrade every node" in result["msg"]
