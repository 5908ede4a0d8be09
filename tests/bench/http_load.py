"""A small HTTP load generator on asyncio: N keep-alive clients for a fixed time."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    clients: int
    seconds: float
    statuses: dict = field(default_factory=dict)
    latencies: list = field(default_factory=list)
    messages: int = 0

    @property
    def requests(self):
        return sum(self.statuses.values())

    def percentile(self, p):
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


async def _client(port, request: bytes, per_request: int, deadline, result: LoadResult):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status == 200:
                result.messages += per_request
    finally:
        writer.close()


def run_load(port: int, path: str, clients: int, seconds: float, body: bytes = b"",
             per_request: int = 1) -> LoadResult:
    request = (b"POST %s HTTP/1.1\r\nHost: bench\r\nContent-Type: text/plain\r\n"
               b"Content-Length: %d\r\n\r\n" % (path.encode(), len(body))) + body
    result = LoadResult(clients, seconds)

    async def main():
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(_client(port, request, per_request, deadline, result)
                               for _ in range(clients)))

    asyncio.run(main())
    return result
