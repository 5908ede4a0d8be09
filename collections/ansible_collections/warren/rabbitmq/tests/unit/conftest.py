"""Unit-test harness: modules run for real, with HTTP replaced at the module_utils boundary
(RabbitMQClient._open) by an in-memory fake of the management API (fake_broker.py)."""

from __future__ import annotations

import os

import pytest
from ansible.module_utils.testing import patch_module_args
from fake_broker import FakeBroker

from ansible_collections.warren.rabbitmq.plugins.module_utils import api as api_module


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super().__init__(result)
        self.result = result
        self.failed = failed


@pytest.fixture
def broker(monkeypatch):
    fake = FakeBroker()
    monkeypatch.setattr(api_module.RabbitMQClient, "_open",
                        lambda self, method, url, data: fake.open(method, url, data))
    return fake


@pytest.fixture
def run_module(monkeypatch):
    """run_module(module, args, check_mode=False, diff=False) -> (result, failed)."""
    from ansible.module_utils import basic

    def exit_json(self, **kwargs):
        raise ModuleExit(kwargs, failed=False)

    def fail_json(self, msg, **kwargs):
        raise ModuleExit(dict(kwargs, msg=msg), failed=True)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)

    def run(module, args, check_mode=False, diff=False):
        args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
        args.setdefault("_ansible_tmpdir", os.environ.get("TMPDIR", "/tmp"))
        with patch_module_args(args):
            with pytest.raises(ModuleExit) as raised:
                module.main()
        return raised.value.result, raised.value.failed

    return run
