"""No confirmed message is lost while nodes are killed, paused, partitioned and restarted."""

import pytest
from chaos import run_chaos


@pytest.mark.parametrize("queue_type", ["classic", "quorum"])
def test_no_confirmed_message_is_lost(queue_type, chaos_reports):
    report = run_chaos(queue_type)
    chaos_reports.append(report)
    assert report.published_confirmed > 1000, "too little traffic to prove anything"
    assert len(report.faults) == 4
    assert report.lost == 0, f"{report.lost} confirmed message(s) never consumed: {report.lost_sample}"
    partition = next(f for f in report.faults if f.fault == "network partition")
    assert "pause_minority" in partition.note
