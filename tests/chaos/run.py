"""One chaos run against a deployed configuration: faults one after another, each bounded in
time, the cluster healing after each; then the queue is drained and confirmed messages
compared with consumed ones."""

from __future__ import annotations

import time

from chaos.cluster import Faults, wait_replicas_in_sync, wait_whole
from chaos.report import FaultResult, Report, binned, max_gap
from chaos.traffic import HttpTraffic


def run_chaos(queue_type: str, queue: str, hold: float = 8.0, settle: float = 3.0,
              log=print) -> Report:
    wait_whole()
    wait_replicas_in_sync(queue)
    traffic = HttpTraffic()
    report = Report(queue_type=queue_type, queue=queue)
    faults = Faults(queue, hold)
    traffic.start()
    began = time.time()
    try:
        time.sleep(settle)
        for name, inject in faults.all():
            failed_before = len(traffic.failures)
            started = time.time()
            log(f"[{queue_type}] {name} ...")
            node, note = inject()
            injected = time.time()
            wait_whole()
            wait_replicas_in_sync(queue)
            healed = time.time()
            time.sleep(settle)
            traffic.read_consumer_log()
            end = time.time()
            result = FaultResult(
                fault=name, node=node, seconds=round(injected - started, 1),
                unavailable_s=round(max_gap(traffic.confirm_times, started, end), 2),
                consumer_gap_s=round(max_gap(traffic.delivery_times, started, end), 2),
                failed_publishes=len(traffic.failures) - failed_before,
                healed_s=round(healed - started, 1), note=note,
                started_at_s=round(started - began, 2), undone_at_s=round(injected - began, 2),
                healed_at_s=round(healed - began, 2))
            report.faults.append(result)
            log(f"[{queue_type}]   {result}")
    finally:
        traffic.stop_publishing()
        report.confirms_timeline = binned(traffic.confirm_times, began, time.time())
    traffic.drain()

    lost = traffic.lost()
    report.published_confirmed = len(traffic.confirmed)
    report.consumed_unique = len(traffic.received)
    report.deliveries = sum(traffic.received.values())
    report.lost = len(lost)
    report.lost_sample = lost[:20]
    report.duplicates = report.deliveries - report.consumed_unique
    report.failed_publishes = len(traffic.failures)
    report.statuses = {str(k): v for k, v in traffic.statuses.items()}
    return report
