"""The chaos report's timeline and the charts drawn from figures (pure logic: no deployment)."""

import json

import pytest
from chaos.report import FaultResult, Report, binned, write_json
from testkit.plots import latency_chart, throughput_chart

PNG = b"\x89PNG\r\n\x1a\n"


def test_confirms_are_counted_per_bin_and_outside_ones_ignored():
    assert binned([10.0, 10.05, 10.15, 10.31, 9.9, 11.0], start=10.0, end=10.35) == [2, 1, 0, 1]
    assert binned([], start=5.0, end=5.0) == [0]


def test_a_chaos_report_is_written_as_json_with_a_timeline_chart_per_queue_type(tmp_path):
    fault = FaultResult(fault="kill queue leader", node="rabbit-2", unavailable_s=0.4,
                        started_at_s=1.0, undone_at_s=3.0, healed_at_s=9.5)
    reports = [Report(queue_type=t, queue="publisher", faults=[fault],
                      confirms_timeline=[5, 6, 0, 0, 7] * 30) for t in ("classic", "quorum")]
    charts = write_json(reports, tmp_path / "chaos.json")
    assert [c.name for c in charts] == ["chaos-classic.png", "chaos-quorum.png"]
    for chart in charts:
        assert chart.read_bytes().startswith(PNG)
    written = json.loads((tmp_path / "chaos.json").read_text())
    assert written[1]["faults"][0]["undone_at_s"] == 3.0
    assert written[1]["confirms_timeline"][:5] == [5, 6, 0, 0, 7]


@pytest.mark.parametrize("draw, data", [
    (throughput_chart, {"publisher": {1: 250.0, 8: 650.0}, "baseline": {1: 150.0, 8: 280.0}}),
    (latency_chart, {"1 client": {"p50": 3.9, "p99": 8.1}, "8 clients": {"p50": 12.0, "p99": 30.5}}),
])
def test_charts_are_png_files(tmp_path, draw, data):
    path = draw(data, tmp_path / "sub" / "chart.png")
    assert path.read_bytes().startswith(PNG) and path.stat().st_size > 5000
