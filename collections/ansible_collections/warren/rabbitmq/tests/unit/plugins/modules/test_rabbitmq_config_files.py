from __future__ import annotations

import os

import pytest

from ansible_collections.warren.rabbitmq.plugins.modules import rabbitmq_config_files as config_files


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


def _mode_and_owner(path):
    st = os.stat(path)
    return st.st_mode & 0o7777, st.st_uid, st.st_gid


def test_parents_that_exist_are_never_changed(tmp_path, args, run_module):
    # Like /etc: a parent the module did not create, here owned by another user.
    parent = tmp_path / "etc"
    parent.mkdir()
    os.chmod(parent, 0o711)
    if os.geteuid() == 0:
        os.chown(parent, 4242, 4343)
    before = _mode_and_owner(parent)
    args.update(directory=str(parent / "warren" / "rabbit-1"), owner=999 if os.geteuid() == 0
                else os.getuid(), group=999 if os.geteuid() == 0 else os.getgid())
    for _ in range(2):
        result, failed = run_module(config_files, args)
        assert not failed
        assert _mode_and_owner(parent) == before
    assert _mode_and_owner(tmp_path) != (0o750, args["owner"], args["group"])


def test_missing_parents_are_created_with_the_parents_mode(tmp_path, args, run_module):
    args.update(directory=str(tmp_path / "a" / "b" / "node"), parents_mode="0711")
    run_module(config_files, args)
    for created in (tmp_path / "a", tmp_path / "a" / "b"):
        assert _mode_and_owner(created) == (0o711, os.geteuid(), os.getegid())
    assert _mode_and_owner(tmp_path / "a" / "b" / "node")[0] == 0o750
    assert _mode_and_owner(tmp_path / "a" / "b" / "node" / "conf.d")[0] == 0o750


def test_a_shared_directory_is_left_as_it_is(tmp_path, args, run_module):
    shared = tmp_path / "system"
    shared.mkdir()
    os.chmod(shared, 0o775)
    args.update(directory=str(shared), manage_directory=False, directory_mode="0700")
    result, _ = run_module(config_files, args)
    assert result["changed"]
    assert _mode_and_owner(shared)[0] == 0o775
    # Directories below it are the module's.
    assert _mode_and_owner(shared / "conf.d")[0] == 0o700
    result, _ = run_module(config_files, args)
    assert not result["changed"]


def test_check_mode_changes_no_existing_directory(tmp_path, args, run_module):
    base = tmp_path / "node"
    base.mkdir()
    os.chmod(base, 0o777)
    args["directory"] = str(base)
    result, _ = run_module(config_files, args, check_mode=True)
    assert result["changed"]
    assert _mode_and_owner(base)[0] == 0o777 and os.listdir(base) == []


def test_a_secret_is_never_readable_by_others_while_written(args, run_module, monkeypatch):
    seen = []
    from ansible.module_utils import basic

    original = basic.AnsibleModule.atomic_move

    def watching(self, src, dest, **kwargs):
        seen.append(os.stat(src).st_mode & 0o777)
        return original(self, src, dest, **kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "atomic_move", watching)
    args["secret_files"] = [dict(path="cookie", content="S3CR3TCOOKIE")]
    run_module(config_files, args)
    assert seen and all(mode & 0o077 == 0 or mode == 0o440 for mode in seen)
    assert os.stat(os.path.join(args["directory"], "cookie")).st_mode & 0o777 == 0o400


def test_a_file_may_have_an_owner_of_its_own(args, run_module):
    uid = 4242 if os.geteuid() == 0 else os.getuid()
    args["secret_files"] = [dict(path="password", content="pw", owner=uid, group=uid)]
    run_module(config_files, args)
    path = os.path.join(args["directory"], "password")
    assert _mode_and_owner(path) == (0o400, uid, uid)
    assert _mode_and_owner(os.path.join(args["directory"], "rabbitmq.conf"))[1] == args["owner"]
    result, _ = run_module(config_files, args)
    assert not result["changed"]
