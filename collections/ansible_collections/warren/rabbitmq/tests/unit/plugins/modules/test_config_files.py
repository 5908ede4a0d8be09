from __future__ import annotations

import os

import pytest

from ansible_collections.warren.rabbitmq.plugins.modules import config_files


@pytest.fixture
def args(tmp_path):
    return dict(directory=str(tmp_path / "node" / "etc"), owner=os.getuid(), group=os.getgid(),
                files=[dict(path="rabbitmq.conf", content="a = 1\n"),
                       dict(path="conf.d/10-peers.conf", content="p = 2\n", mode="0400")])


def test_writes_files_and_directories(args, run_module):
    result, failed = run_module(config_files, args)
    assert not failed and result["changed"]
    assert sorted(result["changed_files"]) == ["conf.d/10-peers.conf", "rabbitmq.conf"]
    base = args["directory"]
    with open(os.path.join(base, "rabbitmq.conf")) as f:
        assert f.read() == "a = 1\n"
    assert os.stat(os.path.join(base, "conf.d/10-peers.conf")).st_mode & 0o777 == 0o400
    assert os.stat(os.path.join(base, "rabbitmq.conf")).st_mode & 0o777 == 0o440
    assert os.stat(base).st_mode & 0o777 == 0o750


def test_second_run_changes_nothing(args, run_module):
    run_module(config_files, args)
    result, _ = run_module(config_files, args)
    assert not result["changed"] and result["changed_files"] == []


def test_reports_only_the_changed_file_with_a_diff(args, run_module):
    run_module(config_files, args)
    args["files"][0]["content"] = "a = 3\n"
    result, _ = run_module(config_files, args, diff=True)
    assert result["changed_files"] == ["rabbitmq.conf"]
    assert result["diff"][0]["before"] == "a = 1\n" and result["diff"][0]["after"] == "a = 3\n"


def test_mode_drift_is_repaired(args, run_module):
    run_module(config_files, args)
    os.chmod(os.path.join(args["directory"], "rabbitmq.conf"), 0o644)
    result, _ = run_module(config_files, args)
    assert result["changed_files"] == ["rabbitmq.conf"]


def test_check_mode_writes_nothing(args, run_module):
    result, _ = run_module(config_files, args, check_mode=True)
    assert result["changed"] and not os.path.exists(args["directory"])


def test_paths_must_stay_inside_the_directory(args, run_module):
    args["files"][0]["path"] = "../escape"
    result, failed = run_module(config_files, args)
    assert failed and "must stay inside" in result["msg"]


def test_secret_files_are_written_but_never_shown(args, run_module):
    args["secret_files"] = [dict(path="cookie", content="S3CR3TCOOKIE")]
    result, _ = run_module(config_files, args, diff=True)
    path = os.path.join(args["directory"], "cookie")
    with open(path) as f:
        assert f.read() == "S3CR3TCOOKIE"
    assert os.stat(path).st_mode & 0o777 == 0o400
    assert "cookie" in result["changed_files"]
    assert "S3CR3TCOOKIE" not in repr(result)
    args["secret_files"][0]["content"] = "N3WCOOKIE"
    result, _ = run_module(config_files, args, diff=True)
    assert result["changed_files"] == ["cookie"] and "N3WCOOKIE" not in repr(result)
