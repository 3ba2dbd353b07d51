"""The aiohttp Bot API client: what PTB needs from a request object (status and body back,
network trouble as PTB's errors, so retries apply). Uploads and ordinary calls are covered
by every Telegram test, which all go through it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.http import AiohttpRequest
from tests.telegram.conftest import RunningBot, free_port


@pytest.fixture
async def slow_server() -> AsyncIterator[str]:
    """A real HTTP server: /slow answers after a second, /echo returns the form it got."""

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.json_response({"ok": True})

    async def echo(request: web.Request) -> web.Response:
        form = await request.post()
        return web.json_response({"ok": True, "result": {k: str(v) for k, v in form.items()}}, status=201)

    app = web.Application()
    app.router.add_post("/slow", slow)
    app.router.add_post("/echo", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_status_and_body_come_back(slow_server: str) -> None:
    request = AiohttpRequest()
    await request.initialize()
    try:
        data = RequestData([RequestParameter("chat_id", 7, None), RequestParameter("text", "hé", None)])
        status, body = await request.do_request(f"{slow_server}/echo", "POST", data)
    finally:
        await request.shutdown()
    assert status == 201
    assert AiohttpRequest.parse_json_payload(body)["result"] == {"chat_id": "7", "text": "hé"}


async def test_a_slow_answer_is_a_timeout(slow_server: str) -> None:
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"{slow_server}/slow", "POST", read_timeout=0.1)
    finally:
        await request.shutdown()


async def test_nobody_listening_is_a_network_error() -> None:
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.do_request(f"http://127.0.0.1:{free_port()}/x", "POST")
    finally:
        await request.shutdown()


async def test_the_bot_talks_through_it(polling_bot: RunningBot) -> None:
    runner = polling_bot.runner
    assert runner is not None and isinstance(runner.application.bot.request, AiohttpRequest)
