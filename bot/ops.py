"""The operator's HTTP paths: `/healthz` (alive), `/readyz` (ready for traffic), `/metrics`.

In webhook mode the webhook server adds them to its own routes; in polling mode `OpsServer`
serves them alone on METRICS_LISTEN:METRICS_PORT. Ready means the database answers and the
Bot API answered within the last two minutes; when nothing was sent for longer, /readyz asks
the API once itself (`probe_api`, a getMe) before saying no.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from bot import metrics

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
PROBE_TIMEOUT = 5.0


@dataclass
class Probes:
    """What /readyz asks: the database, and (when the API is quiet) the API itself."""

    database: Callable[[], Awaitable[bool]]
    probe_api: Callable[[], Awaitable[object]] | None = None


class OpsRoutes:
    def __init__(self, probes: Probes) -> None:
        self.probes = probes

    def add_to(self, app: web.Application) -> None:
        app.router.add_get(HEALTH_PATH, self.health)
        app.router.add_get(READY_PATH, self.ready)
        app.router.add_get(METRICS_PATH, self.metrics)

    async def health(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def ready(self, request: web.Request) -> web.Response:
        if not await self.probes.database():
            return web.Response(status=503, text="database unavailable")
        if not metrics.api_reached_within() and not await self._probe_api():
            return web.Response(status=503, text="Bot API not reached recently")
        return web.Response(text="ready")

    async def _probe_api(self) -> bool:
        if self.probes.probe_api is None:
            return False
        try:
            await asyncio.wait_for(self.probes.probe_api(), PROBE_TIMEOUT)
        except Exception as error:  # a probe answers, it never raises
            log.warning("readiness: the Bot API did not answer (%s)", error.__class__.__name__)
            return False
        return metrics.api_reached_within()

    async def metrics(self, request: web.Request) -> web.Response:
        body, content_type = metrics.exposition()
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response


class OpsServer:
    """The ops paths on their own port (polling mode)."""

    def __init__(self, listen: str, port: int, probes: Probes) -> None:
        self.listen = listen
        self.port = port
        self.routes = OpsRoutes(probes)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        self.routes.add_to(app)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
