import json
import os
from pathlib import Path

import pytest
from testkit import PROJECT_DIR

REPORTS = []


@pytest.fixture
def migration_reports():
    return REPORTS


def pytest_terminal_summary(terminalreporter):
    if REPORTS:
        path = Path(os.environ.get("WARREN_MIGRATION_REPORT",
                                   PROJECT_DIR / "build" / "migration.json"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(REPORTS, indent=2) + "\n")
        terminalreporter.section("blue-green migration under load")
        for figures in REPORTS:
            for name, value in figures.items():
                terminalreporter.write_line(f"{name.replace('_', ' '):<30} {value}")
        terminalreporter.write_line(f"figures written to {path}")
