"""A small round-robin load balancer in front of several bot replicas in webhook mode (for the
replica tests and `python -m bench --db postgresql`)."""

from __future__ import annotations

import itertools

import aiohttp
from aiohttp import web

from tests.telegram.conftest import free_port

HOOK = "/telegram/hook"


class Front:
    """A small load balancer: each POST goes to the next replica in turn; a replica that does
    not answer (killed) is skipped. With `redeliver`, each update is then sent once more, to
    the next replica, as Telegram does when it did not get (or believe) an answer."""

    def __init__(self, ports: list[int], redeliver: bool = False) -> None:
        self.ports = ports
        self.redeliver = redeliver
        self.turn = itertools.count()
        self.hits: dict[int, int] = dict.fromkeys(ports, 0)
        self.redelivered = 0
        self.port = free_port()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(HOOK, self.forward)
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _post(self, body: bytes, headers: dict[str, str]) -> web.Response | None:
        assert self._session is not None
        for _ in range(len(self.ports)):
            port = self.ports[next(self.turn) % len(self.ports)]
            try:
                async with self._session.post(
                    f"http://127.0.0.1:{port}{HOOK}", data=body, headers=headers
                ) as answer:
                    self.hits[port] += 1
                    return web.Response(status=answer.status, body=await answer.read())
            except aiohttp.ClientError:
                continue  # that replica is gone: the next one
        return None

    async def forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram")}
        headers["Content-Type"] = "application/json"
        answer = await self._post(body, headers)
        if answer is None:
            return web.Response(status=502, text="no replica answered")
        if self.redeliver and answer.status == 200:
            again = await self._post(body, headers)
            assert again is not None and again.status == 200
            self.redelivered += 1
        return answer
