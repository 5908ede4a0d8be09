"""HTTP load from wrk (C, epoll): N clients POSTing for a fixed time, each on one keep-alive
connection or on a new connection per request. A load generator in Python would take a good
part of the two cores from the publisher and the broker it measures."""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# wrk's own summary, as JSON: its latencies are in microseconds.
_SCRIPT = """
local body = io.open(%s, "rb"):read("*a")
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "text/plain"
%s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "not_ok": %%d, "socket_errors": %%d, "p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass
class LoadResult:
    requests: int
    not_ok: int  # answers other than 2xx/3xx
    socket_errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    per_request: int = 1

    @property
    def messages_per_second(self) -> float:
        """Messages confirmed (answered 200) per second."""
        return (self.requests - self.not_ok) * self.per_request / self.seconds


def run_load(port: int, path: str, clients: int, seconds: float, body: bytes = b"",
             per_request: int = 1, keep_alive: bool = True) -> LoadResult:
    """``keep_alive=False``: a new TCP connection per request, as many HTTP clients do; the
    latency then includes the connection's set-up."""
    with tempfile.TemporaryDirectory() as scratch:
        body_file, script = Path(scratch, "body"), Path(scratch, "post.lua")
        body_file.write_bytes(body)
        script.write_text(_SCRIPT % (json.dumps(str(body_file)),
                                     "" if keep_alive else 'wrk.headers["Connection"] = "close"'))
        out = subprocess.run(
            ["wrk", "--threads", "1", "--connections", str(clients), "--duration",
             "%ds" % round(seconds), "--timeout", "30s", "--script", str(script),
             "http://127.0.0.1:%d%s" % (port, path)],
            check=True, capture_output=True, text=True, timeout=seconds + 60).stdout
    summary = json.loads(out.strip().splitlines()[-1])
    return LoadResult(summary["requests"], summary["not_ok"], summary["socket_errors"],
                      summary["duration_us"] / 1e6, summary["p50_us"] / 1000,
                      summary["p99_us"] / 1000, per_request)
