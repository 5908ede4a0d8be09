"""PNG charts of what the benchmarks and the chaos run measured, next to their JSON."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402


def _save(figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def throughput_chart(series: dict[str, dict[int, float]], path: Path,
                     title: str = "Publisher throughput") -> Path:
    """Requests (or messages) per second against concurrent clients, one line per series."""
    figure, axes = plt.subplots(figsize=(7, 4.2))
    for label, points in series.items():
        clients = sorted(points)
        axes.plot(clients, [points[c] for c in clients], marker="o", label=label)
    axes.set_xscale("log", base=2)
    ticks = sorted({c for points in series.values() for c in points})
    axes.set_xticks(ticks, [str(c) for c in ticks])
    axes.set_xlabel("concurrent clients (confirms in flight)")
    axes.set_ylabel("per second")
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    axes.legend()
    return _save(figure, path)


def latency_chart(latencies: dict[str, dict[str, float]], path: Path,
                  title: str = "Publisher latency") -> Path:
    """Latency percentiles in milliseconds: one group of bars per measurement."""
    labels = list(latencies)
    percentiles = sorted({p for values in latencies.values() for p in values})
    figure, axes = plt.subplots(figsize=(7, 4.2))
    width = 0.8 / max(len(percentiles), 1)
    for i, percentile in enumerate(percentiles):
        axes.bar([x + i * width for x in range(len(labels))],
                 [latencies[label].get(percentile, 0) for label in labels], width,
                 label=percentile)
    axes.set_xticks([x + width * (len(percentiles) - 1) / 2 for x in range(len(labels))])
    axes.set_xticklabels(labels, rotation=15, ha="right")
    axes.set_ylabel("milliseconds")
    axes.set_title(title)
    axes.grid(True, axis="y", alpha=0.3)
    axes.legend()
    return _save(figure, path)


def chaos_timeline(queue_type: str, bin_s: float, confirms: list[int], faults: list[dict],
                   path: Path) -> Path:
    """Confirms per bin over the run; each fault shaded dark while it lasted and light until
    the cluster was whole again."""
    figure, axes = plt.subplots(figsize=(11, 4))
    axes.plot([i * bin_s for i in range(len(confirms))], confirms, linewidth=0.8)
    top = max(confirms, default=1) or 1
    for fault in faults:
        axes.axvspan(fault["started_at_s"], fault["undone_at_s"], color="tab:red", alpha=0.25)
        axes.axvspan(fault["undone_at_s"], fault["healed_at_s"], color="tab:red", alpha=0.08)
        axes.axvline(fault["started_at_s"], color="tab:red", linewidth=0.8)
        axes.text(fault["started_at_s"], top * 1.9, " " + fault["fault"], rotation=90,
                  fontsize=7, va="top", ha="right")
    axes.set_ylim(0, top * 2)
    axes.set_xlabel("seconds")
    axes.set_ylabel(f"confirms per {bin_s * 1000:.0f} ms")
    axes.set_title(f"Chaos run, {queue_type} queue: confirms through the publisher; "
                   "red while a fault lasts, light red until the cluster is whole")
    axes.grid(True, alpha=0.3)
    return _save(figure, path)
