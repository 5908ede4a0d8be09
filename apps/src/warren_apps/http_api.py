"""The HTTP side the apps share, on aiohttp: answers and refusals as JSON, the Prometheus
exposition, and a server that lets the requests in hand finish when it stops."""

from __future__ import annotations

from http import HTTPStatus

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


def answer(payload, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status)


def refusal(status: int, reason: str) -> web.Response:
    return answer({"error": HTTPStatus(status).phrase, "reason": reason}, status)


def application(routes, registry: CollectorRegistry, endpoints: str, client_max_size: int = 1024,
                observers=()) -> web.Application:
    """An aiohttp application serving ``routes`` beside GET /healthz and GET /metrics (from
    ``registry``), whose own refusals (no such route, wrong method, a body too large) read like
    the apps' others; ``endpoints`` lists what is served, for the 404. ``observers`` are
    middlewares that see every answer, refusals included."""

    async def healthz(_request):
        return answer({"status": "ok"})

    async def metrics(_request):
        return web.Response(body=generate_latest(registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})

    @web.middleware
    async def refusals_as_json(request, handler):
        try:
            return await handler(request)
        except web.HTTPNotFound:
            return refusal(404, "no such endpoint: " + endpoints)
        except web.HTTPMethodNotAllowed as e:
            return refusal(405, "use " + " or ".join(sorted(e.allowed_methods - {"HEAD"})))
        except web.HTTPException as e:
            if e.status < 400:
                raise
            return refusal(e.status, e.text)

    app = web.Application(middlewares=[*observers, refusals_as_json],
                          client_max_size=client_max_size)
    app.add_routes([*routes, web.get("/healthz", healthz), web.get("/metrics", metrics)])
    return app


class Server:
    """Serves an application; ``stop`` stops listening and closes idle connections at once, and
    gives the requests in progress up to ``grace`` seconds to be answered before it cuts them."""

    def __init__(self, app: web.Application, grace: float = 0.0):
        # No access log: one line per request would cost the publisher more than its work.
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     shutdown_timeout=grace)

    async def start(self, host: str, port: int) -> int:
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, reuse_address=True)
        await site.start()
        return self._runner.addresses[0][1]

    async def stop(self):
        await self._runner.cleanup()
