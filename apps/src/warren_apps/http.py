"""A small HTTP/1.1 server on asyncio streams: keep-alive, Content-Length bodies, and limits
enforced before a body is read. Enough for the apps' few endpoints, with no dependency."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Awaitable, Callable
from urllib.parse import unquote

log = logging.getLogger(__name__)

MAX_HEADER_LINE = 8192
MAX_HEADERS = 100


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload) -> "Response":
        return cls(status, json.dumps(payload).encode() + b"\n")

    @classmethod
    def error(cls, status: int, reason: str) -> "Response":
        return cls.json(status, {"error": HTTPStatus(status).phrase, "reason": reason})

    @classmethod
    def text(cls, status: int, text: str, content_type="text/plain; charset=utf-8") -> "Response":
        return cls(status, text.encode(), content_type)


Handler = Callable[[Request], Awaitable[Response]]


class HTTPError(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


class Server:
    """Serves ``handler``; ``max_body(request_without_body)`` gives the allowed body size."""

    def __init__(self, handler: Handler, max_body: Callable[[Request], int]):
        self.handler = handler
        self.max_body = max_body
        self._server: asyncio.base_events.Server | None = None
        self._connections: set[asyncio.Task] = set()
        # Connections waiting for their next request, which a close may end at once.
        self._idle: set[asyncio.Task] = set()
        self._closing = False

    async def start(self, host: str, port: int) -> int:
        self._server = await asyncio.start_server(self._serve, host, port, limit=MAX_HEADER_LINE,
                                                  reuse_address=True)
        return self._server.sockets[0].getsockname()[1]

    async def close(self, grace: float = 0.0):
        """Stop accepting and close idle connections at once; give the requests in progress up
        to ``grace`` seconds to be answered (each with Connection: close), then cut them."""
        self._closing = True
        if self._server is not None:
            self._server.close()
        for task in list(self._idle):
            task.cancel()
        busy = self._connections - self._idle
        if busy and grace > 0:
            await asyncio.wait(busy, timeout=grace)
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        task = asyncio.current_task()
        self._connections.add(task)
        try:
            while not self._closing:
                self._idle.add(task)
                try:
                    request = await self._read_head(reader)
                except HTTPError as e:
                    await self._write(writer, Response.error(e.status, e.reason), keep_alive=False)
                    return
                finally:
                    self._idle.discard(task)
                if request is None:
                    return
                keep_alive = _keep_alive(request)
                try:
                    request.body = await self._read_body(request, reader, writer)
                except HTTPError as e:
                    # The unread body would be taken for the next request: close afterwards.
                    await self._write(writer, Response.error(e.status, e.reason), keep_alive=False)
                    return
                try:
                    response = await self.handler(request)
                except HTTPError as e:
                    response = Response.error(e.status, e.reason)
                except Exception:  # noqa: BLE001 - one bad request must not stop the server
                    log.exception("request failed", extra={"path": request.path})
                    response = Response.error(500, "internal error; see the publisher's log")
                await self._write(writer, response, keep_alive and not self._closing)
                if not keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(task)
            self._idle.discard(task)
            writer.close()

    async def _read_head(self, reader) -> Request | None:
        try:
            line = await reader.readline()
        except (asyncio.LimitOverrunError, ValueError):
            raise HTTPError(414, "request line too long") from None
        if not line:
            return None
        try:
            method, target, version = line.decode("latin-1").split()
        except ValueError:
            raise HTTPError(400, "malformed request line") from None
        if not version.startswith("HTTP/1."):
            raise HTTPError(505, "only HTTP/1.x is supported")
        headers = {"_version": version}
        for _ in range(MAX_HEADERS + 1):
            try:
                line = await reader.readline()
            except (asyncio.LimitOverrunError, ValueError):
                raise HTTPError(431, "header line too long") from None
            if line in (b"\r\n", b"\n", b""):
                break
            name, sep, value = line.decode("latin-1").partition(":")
            if not sep:
                raise HTTPError(400, "malformed header")
            headers[name.strip().lower()] = value.strip()
        else:
            raise HTTPError(431, "too many headers")
        path, _, query = target.partition("?")
        return Request(method.upper(), unquote(path), query, headers)

    async def _read_body(self, request, reader, writer) -> bytes:
        if "chunked" in request.headers.get("transfer-encoding", "").lower():
            raise HTTPError(411, "send the body with a Content-Length, not chunked")
        try:
            length = int(request.headers.get("content-length", "0"))
        except ValueError:
            raise HTTPError(400, "Content-Length is not a number") from None
        if length < 0:
            raise HTTPError(400, "negative Content-Length")
        limit = self.max_body(request)
        if length > limit:
            raise HTTPError(413, "body of %d bytes is larger than the limit of %d bytes"
                            % (length, limit))
        if length and request.headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return await reader.readexactly(length) if length else b""

    @staticmethod
    async def _write(writer, response: Response, keep_alive: bool):
        head = ["HTTP/1.1 %d %s" % (response.status, HTTPStatus(response.status).phrase),
                "Content-Type: " + response.content_type,
                "Content-Length: %d" % len(response.body),
                "Connection: " + ("keep-alive" if keep_alive else "close")]
        head.extend("%s: %s" % item for item in response.headers.items())
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body)
        await writer.drain()


def _keep_alive(request: Request) -> bool:
    connection = request.headers.get("connection", "").lower()
    if request.headers["_version"] == "HTTP/1.0":
        return connection == "keep-alive"
    return connection != "close"
