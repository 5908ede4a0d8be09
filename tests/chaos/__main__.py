"""python -m chaos [classic] [quorum]: run the chaos driver against the local deployment
(make up first) and print its table. The quorum run redeploys the apps on a quorum queue and
restores the default deployment afterwards."""

import argparse
import os
from pathlib import Path

from chaos.deployments import deploy, undeploy
from chaos.report import table, write_json
from chaos.run import run_chaos

parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
parser.add_argument("queue_types", nargs="*", help="classic and/or quorum (default: both)")
parser.add_argument("--hold", type=float, default=8.0, help="seconds a kill or pause lasts")
parser.add_argument("--json", default=os.environ.get("WARREN_CHAOS_REPORT", "build/chaos.json"))
options = parser.parse_args()
if set(options.queue_types) - {"classic", "quorum"}:
    parser.error("queue types are classic and quorum")
reports = []
for queue_type in options.queue_types or ["classic", "quorum"]:
    queue = deploy(queue_type)
    try:
        reports.append(run_chaos(queue_type, queue, hold=options.hold))
    finally:
        undeploy(queue_type)
print(table(reports))
charts = write_json(reports, Path(options.json))
print("\nfigures written to", options.json, "and", ", ".join(str(c) for c in charts))
raise SystemExit(1 if any(r.lost for r in reports) else 0)
