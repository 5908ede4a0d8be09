"""Shared by the testinfra tests of every molecule scenario (pytest.ini puts tests/ on the path)."""

import uuid

import pytest
from testkit import NODES, api, container_logs


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test carries the nodes' logs, so a red CI run says why."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        report.sections.append(("containers' logs", container_logs(NODES)))


@pytest.fixture
def queue_name():
    """A fresh queue name; the queue is deleted after the test."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    api(f"queues/%2F/{name}", method="DELETE")
