import os
from pathlib import Path

import pytest
from chaos.deployments import deploy, undeploy
from chaos.report import table, write_json
from testkit import PROJECT_DIR

REPORTS = []


@pytest.fixture(scope="module", params=["classic", "quorum"])
def deployment(request):
    """(queue type, the apps' queue) of the deployed configuration, deployed by site.yml;
    the default one is back afterwards."""
    queue = deploy(request.param)
    yield request.param, queue
    undeploy(request.param)


@pytest.fixture
def chaos_reports():
    return REPORTS


def pytest_terminal_summary(terminalreporter):
    if REPORTS:
        path = Path(os.environ.get("WARREN_CHAOS_REPORT", PROJECT_DIR / "build" / "chaos.json"))
        charts = write_json(REPORTS, path)
        terminalreporter.section("what survives what")
        terminalreporter.write_line(table(REPORTS))
        terminalreporter.write_line(f"figures written to {path}, charts: "
                                    + ", ".join(str(c) for c in charts))
