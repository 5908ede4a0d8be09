"""Shared by the testinfra tests of every molecule scenario (pytest.ini puts tests/ on the path)."""

import pytest
from testkit import NODES, container_logs


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test carries the nodes' logs, so a red CI run says why."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        report.sections.append(("containers' logs", container_logs(NODES)))
