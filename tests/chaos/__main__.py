"""python -m chaos [classic] [quorum]: run the chaos driver and print its table."""

import argparse
import os
from pathlib import Path

from chaos import run_chaos, table, write_json

parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
parser.add_argument("queue_types", nargs="*", help="classic and/or quorum (default: both)")
parser.add_argument("--hold", type=float, default=8.0, help="seconds a kill or pause lasts")
parser.add_argument("--json", default=os.environ.get("WARREN_CHAOS_REPORT", "build/chaos.json"))
options = parser.parse_args()
if set(options.queue_types) - {"classic", "quorum"}:
    parser.error("queue types are classic and quorum")
reports = [run_chaos(t, hold=options.hold) for t in options.queue_types or ["classic", "quorum"]]
print(table(reports))
write_json(reports, Path(options.json))
print("\nfigures written to", options.json)
raise SystemExit(1 if any(r.lost for r in reports) else 0)
