"""Forged and broken webhook requests get a clear refusal (never a 500 or a traceback), idle
and half-open connections are closed, and a 200 means the update's turn is committed."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import socket
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.telegram.webhook import MAX_UPDATE_BYTES, WebhookServer
from tests.telegram.conftest import SECRET, WEBHOOK_PATH, RunningBot, free_port

HEADER = "X-Telegram-Bot-Api-Secret-Token"
JSON = {HEADER: SECRET, "Content-Type": "application/json"}
CHAT = 4242


def url_of(bot: RunningBot) -> str:
    assert bot.runner is not None and bot.runner.webhook is not None
    return f"http://127.0.0.1:{bot.runner.webhook.port}{WEBHOOK_PATH}"


def start_update(update_id: int = 900, chat_id: int = CHAT) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Eve"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 0,
            "text": "/start",
            "from": user,
            "chat": {"id": chat_id, "type": "private", "first_name": "Eve"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as response:
        return response.status, await response.text()


def confused(update: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    forged = json.loads(json.dumps(update))
    *parents, last = path.split(".")
    target = forged
    for key in parents:
        target = target[key]
    target[last] = value
    return forged


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.set_level(logging.DEBUG)
    return caplog.records


async def test_only_json_within_the_size_limit_is_read(webhook_bot: RunningBot) -> None:
    url, body = url_of(webhook_bot), json.dumps(start_update()).encode()
    assert (await post(url, body, {HEADER: SECRET, "Content-Type": "text/plain"}))[0] == 415
    assert (await post(url, body, {HEADER: SECRET}))[0] == 415  # no content type at all
    huge = json.dumps({**start_update(), "padding": "x" * MAX_UPDATE_BYTES}).encode()
    assert (await post(url, huge, JSON))[0] == 413
    await webhook_bot.fake.idle()
    assert await webhook_bot.store.load_chat(CHAT) is None


async def test_deeply_nested_json_is_a_400_without_a_traceback(
    webhook_bot: RunningBot, errors: list[logging.LogRecord]
) -> None:
    url = url_of(webhook_bot)
    for body in (
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 30_000 + b"1" + b"}" * 30_000,
        json.dumps(
            confused(start_update(), "message.reply_to_message", json.loads('{"x":' * 40 + "1" + "}" * 40))
        ).encode(),
    ):
        status, text = await post(url, body, JSON)
        assert (status, text) == (400, "not an update")
    assert not [r for r in errors if r.levelno >= logging.ERROR or r.exc_info]
    assert await webhook_bot.store.load_chat(CHAT) is None


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("update_id", "900"),
        ("update_id", True),
        ("message", ["not", "a", "message"]),
        ("message.chat.id", "4242"),
        ("message.chat", None),
        ("message.text", 12),
        ("message.from", {"id": 1}),
        ("message.message_id", 1.5),
        ("message.date", "today"),
    ],
)
async def test_type_confused_updates_are_refused_before_any_handler(
    webhook_bot: RunningBot, errors: list[logging.LogRecord], path: str, value: Any
) -> None:
    body = json.dumps(confused(start_update(), path, value)).encode()
    assert await post(url_of(webhook_bot), body, JSON) == (400, "not an update")
    await webhook_bot.fake.idle()
    assert await webhook_bot.store.load_chat(CHAT) is None
    assert webhook_bot.fake.calls_of("sendMessage") == []
    assert not [r for r in errors if r.levelno >= logging.ERROR or r.exc_info]


async def test_a_forged_callback_query_is_refused(webhook_bot: RunningBot) -> None:
    user = {"id": CHAT, "is_bot": False, "first_name": "Eve"}
    query = {"id": "q1", "from": user, "chat_instance": "c", "data": ["not", "text"]}
    body = json.dumps({"update_id": 901, "callback_query": query}).encode()
    assert await post(url_of(webhook_bot), body, JSON) == (400, "not an update")


async def test_the_200_comes_after_the_turn_is_committed(webhook_bot: RunningBot) -> None:
    """A writer holds the database: the turn cannot commit, so no 200 may come yet."""
    url, body = url_of(webhook_bot), json.dumps(start_update()).encode()
    blocker = sqlite3.connect(webhook_bot.store.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    answered: list[int] = []

    async def deliver() -> None:
        answered.append((await post(url, body, JSON))[0])

    delivery = asyncio.create_task(deliver())
    await asyncio.sleep(0.5)  # ample time for a premature 200
    premature = list(answered)
    blocker.execute("ROLLBACK")
    blocker.close()
    await delivery
    assert premature == [] and answered == [200]
    record = await webhook_bot.store.load_chat(CHAT)
    assert record is not None and record.session is not None


@pytest.fixture
async def short_timeouts(webhook_bot: RunningBot) -> AsyncIterator[int]:
    """A second webhook server on the same application, with timeouts of half a second."""
    assert webhook_bot.runner is not None
    port = free_port()
    server = WebhookServer(
        dataclasses.replace(webhook_bot.settings, webhook_port=port),
        webhook_bot.runner.application,
        webhook_bot.store,
        idle_seconds=0.5,
        body_seconds=0.5,
    )
    await server.start()
    yield server.port
    await server.stop()


def closed_within(sock: socket.socket, seconds: float) -> bytes | None:
    """What the server sent before closing, or None if it kept the connection open."""
    sock.settimeout(seconds)
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except TimeoutError:
        return None
    return received


async def test_idle_and_half_open_connections_are_closed(short_timeouts: int) -> None:
    def probe(opening: bytes) -> bytes | None:
        with socket.create_connection(("127.0.0.1", short_timeouts)) as sock:
            sock.sendall(opening)
            return closed_within(sock, 10)

    loop = asyncio.get_running_loop()
    assert await loop.run_in_executor(None, probe, b"") == b""  # said nothing: closed
    partial = b"POST " + WEBHOOK_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n"  # headers never end
    assert await loop.run_in_executor(None, probe, partial) == b""
    stalled = (
        b"POST "
        + WEBHOOK_PATH.encode()
        + b" HTTP/1.1\r\nHost: x\r\n"
        + f"Content-Type: application/json\r\n{HEADER}: {SECRET}\r\n".encode()
        + b'Content-Length: 500\r\n\r\n{"update_id"'
    )
    answer = await loop.run_in_executor(None, probe, stalled)
    assert answer is not None and answer.startswith(b"HTTP/1.1 408")
