"""What a chaos run measured: per fault and in total, as a table and as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class FaultResult:
    fault: str
    node: str
    seconds: float = 0.0
    unavailable_s: float = 0.0
    consumer_gap_s: float = 0.0
    failed_publishes: int = 0
    healed_s: float = 0.0
    note: str = ""
    # Seconds since the traffic started, for the timeline: the fault began, was undone (the
    # node started, unpaused, reconnected), and the cluster was whole again.
    started_at_s: float = 0.0
    undone_at_s: float = 0.0
    healed_at_s: float = 0.0


@dataclass
class Report:
    queue_type: str
    queue: str
    published_confirmed: int = 0
    consumed_unique: int = 0
    deliveries: int = 0
    lost: int = 0
    duplicates: int = 0
    failed_publishes: int = 0
    statuses: dict = field(default_factory=dict)
    faults: list = field(default_factory=list)
    lost_sample: list = field(default_factory=list)
    # Confirms per bin of TIMELINE_BIN_S seconds since the traffic started.
    confirms_timeline: list = field(default_factory=list)


TIMELINE_BIN_S = 0.1


def binned(times, start, end, bin_s=TIMELINE_BIN_S):
    """How many of ``times`` fall in each bin of ``bin_s`` seconds from ``start`` to ``end``."""
    counts = [0] * max(int((end - start) / bin_s) + 1, 1)
    for t in times:
        if start <= t <= end:
            counts[int((t - start) / bin_s)] += 1
    return counts


def max_gap(times, start, end):
    """Longest stretch in [start, end] without an event."""
    inside = sorted(t for t in list(times) if start <= t <= end)
    points = [start] + inside + [end]
    return max(b - a for a, b in zip(points, points[1:]))


def table(reports) -> str:
    lines = ["%-9s %-32s %-9s %10s %10s %7s %8s  %s" % (
        "queue", "fault", "node", "no-confirm", "no-deliver", "failed", "healed", "note")]
    for r in reports:
        for f in r.faults:
            f = f if isinstance(f, dict) else asdict(f)
            lines.append("%-9s %-32s %-9s %9.2fs %9.2fs %7d %7.1fs  %s" % (
                r.queue_type, f["fault"], f["node"], f["unavailable_s"], f["consumer_gap_s"],
                f["failed_publishes"], f["healed_s"], f["note"]))
    lines.append("")
    for r in reports:
        lines.append("%-9s confirmed %7d  consumed %7d  lost %d  duplicates %d  failed publishes %d %s"
                     % (r.queue_type, r.published_confirmed, r.consumed_unique, r.lost,
                        r.duplicates, r.failed_publishes, r.statuses))
    return "\n".join(lines)


def write_json(reports, path: Path):
    """The figures as JSON, and a timeline chart per queue type beside it (<name>-<type>.png)."""
    from testkit.plots import chaos_timeline

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(r) for r in reports], indent=2) + "\n")
    charts = []
    for r in reports:
        faults = [f if isinstance(f, dict) else asdict(f) for f in r.faults]
        charts.append(chaos_timeline(r.queue_type, TIMELINE_BIN_S, r.confirms_timeline, faults,
                                     path.with_name(f"{path.stem}-{r.queue_type}.png")))
    return charts
