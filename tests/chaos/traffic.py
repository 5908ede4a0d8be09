"""Traffic through the deployed apps, as their users see it.

Publishers POST /publish/<id> to the deployed publisher, each id unique to the run; only a
200 means "confirmed". What the deployed consumer received comes from its log, one
"Received a message: <id>" line per delivery, with the time it logged it: from its container's
log, or from its unit's journal on the app host when the container is replaced during the run.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections import Counter
from datetime import datetime

from testkit import PUBLISHER_ADDRESS, docker_exec, run

RECEIVED = "Received a message: "


def container_id(name: str) -> str:
    result = run("docker", "inspect", "--format", "{{.Id}}", name, check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


class HttpTraffic:
    """Continuous confirmed publishing through the publisher; deliveries read from the consumer."""

    def __init__(self, publishers: int = 4, consumer: str = "consumer", app_host: str = ""):
        """``app_host``: read the deliveries from the journal of the consumer's unit there."""
        self.prefix = "chaos-%s-" % uuid.uuid4().hex[:8]
        self.publishers = publishers
        self.consumer = consumer
        self.app_host = app_host
        self.started = 0.0
        self.confirmed: dict[str, float] = {}
        self.confirm_times: list[float] = []
        self.failures: list[float] = []
        self.statuses: Counter = Counter()
        self.received: dict[str, int] = {}
        self.delivery_times: list[float] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._consumer_id = ""

    def start(self):
        self.started = time.time()
        self._consumer_id = container_id(self.consumer)
        self._threads = [threading.Thread(target=self._publish_forever, args=(w,), daemon=True)
                         for w in range(self.publishers)]
        for thread in self._threads:
            thread.start()

    def stop_publishing(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def _publish_forever(self, worker: int):
        connection, n = None, 0
        while not self._stop.is_set():
            message = "%s%d-%d" % (self.prefix, worker, n)
            n += 1
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(*PUBLISHER_ADDRESS, timeout=30)
                connection.request("POST", "/publish/" + message)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as e:
                status = type(e).__name__
                connection.close()
                connection = None
            now = time.time()
            if status == 200:
                self.confirmed[message] = now
                self.confirm_times.append(now)
            else:
                self.failures.append(now)
                self.statuses[status] += 1
                time.sleep(0.05)

    def read_consumer_log(self):
        """Every delivery of this run's messages the consumer logged, with its time."""
        if self.app_host:
            log = docker_exec(self.app_host, "journalctl", f"--unit=warren-{self.consumer}.service",
                              "--output=cat", "--no-pager", f"--since=@{int(self.started) - 1}",
                              timeout=120).stdout
        else:
            log = self._container_log()
        received: dict[str, int] = {}
        times = []
        for line in log.splitlines():
            if self.prefix not in line:
                continue
            entry = json.loads(line)
            message = entry["msg"][len(RECEIVED):]
            received[message] = received.get(message, 0) + 1
            times.append(datetime.fromisoformat(entry["ts"].replace("Z", "+00:00")).timestamp())
        self.received, self.delivery_times = received, times

    def _container_log(self) -> str:
        if container_id(self.consumer) != self._consumer_id:
            raise RuntimeError("the consumer container was replaced during the run: the log of "
                               "the one that received the earlier messages is gone")
        return run("docker", "logs", self.consumer, timeout=120).stdout

    def drain(self, timeout: float = 180):
        """Wait until the consumer logged every confirmed message (or the time is up)."""
        deadline = time.monotonic() + timeout
        while True:
            self.read_consumer_log()
            if set(self.confirmed) <= set(self.received) or time.monotonic() > deadline:
                break
            time.sleep(2)
        # What is still on its way (duplicates, unconfirmed publishes) arrives too.
        time.sleep(2)
        self.read_consumer_log()

    def lost(self) -> list[str]:
        return sorted(set(self.confirmed) - set(self.received))
