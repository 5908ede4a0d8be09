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
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(r) for r in reports], indent=2) + "\n")
