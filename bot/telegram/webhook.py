"""The bot's own HTTP server for webhook mode (aiohttp): the webhook path, and the ops paths
(`/healthz`, `/readyz`, `/metrics`, see bot/ops.py).

POST on the path of WEBHOOK_URL: the secret header is checked first (403), then the request
must be a small JSON object shaped like an update (415, 413, 400 otherwise: a forged or broken
body never reaches the handlers). Telegram gets its 200 only after the update's turn ran (and
so was committed); if the process dies before that, Telegram delivers the update again and
the turn's update id makes the second delivery harmless. Idle and half-open connections are
closed after a few seconds.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.ops import OpsRoutes, Probes
from bot.settings import Settings
from bot.storage import Store
from bot.telegram.handlers import ALLOWED_UPDATES
from bot.telegram.http import may_hold_surrogates, without_lone_surrogates

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 256 * 1024
"""Telegram's updates are a few KiB (a message is at most 4,096 characters plus entities)."""
MAX_DEPTH = 24
"""Nesting an update can have (a callback's message replying to a message is about 6)."""
IDLE_SECONDS = 15.0
"""A connection that sends no (complete) request for this long is closed."""
BODY_SECONDS = 10.0
"""Time to receive a request's body once its headers arrived."""


def webhook_path(webhook_url: str) -> str:
    return urlsplit(webhook_url).path or "/"


class WebhookServer:
    def __init__(
        self,
        settings: Settings,
        application: Application[Any, Any, Any, Any, Any, Any],
        store: Store,
        probes: Probes | None = None,
        *,
        idle_seconds: float = IDLE_SECONDS,
        body_seconds: float = BODY_SECONDS,
    ) -> None:
        assert settings.webhook_url, "webhook mode needs WEBHOOK_URL"
        self.settings = settings
        self.application = application
        self.store = store
        self.path = webhook_path(settings.webhook_url)
        self.idle_seconds = idle_seconds
        self.body_seconds = body_seconds
        self._secret = settings.webhook_secret.encode()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.ops = OpsRoutes(probes or Probes(database=store.ping, probe_api=application.bot.get_me))

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        app.router.add_post(self.path, self.receive)
        self.ops.add_to(app)
        return app

    async def start(self) -> None:
        # lingering_time=0: after refusing a request, do not wait for the rest of its body.
        self._runner = web.AppRunner(
            self.make_app(),
            access_log=None,
            handle_signals=False,
            keepalive_timeout=self.idle_seconds,
            lingering_time=0,
            shutdown_timeout=1.0,
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.webhook_listen, self.settings.webhook_port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def register(self) -> None:
        """Tell Telegram where to deliver updates (pending updates are kept)."""
        assert self.settings.webhook_url
        await self.application.bot.set_webhook(
            url=self.settings.webhook_url,
            secret_token=self.settings.webhook_secret,
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=False,
        )

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook request without the right secret")
            return web.Response(status=403, text="forbidden")
        if request.content_type != "application/json":
            return web.Response(status=415, text="send application/json")
        if (request.content_length or 0) > MAX_UPDATE_BYTES:
            return web.Response(status=413, text="too large")
        try:
            body = await asyncio.wait_for(request.read(), self.body_seconds)
        except TimeoutError:
            slow = web.Response(status=408, text="too slow")
            slow.force_close()
            return slow
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="too large")
        data = parse_update(body)
        if data is None:
            return web.Response(status=400, text="not an update")
        if not any(kind in data for kind in ALLOWED_UPDATES):
            return web.Response(text="ok")  # a kind we did not ask for: nothing to do
        try:
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return web.Response(status=400, text="not an update")
        application = self.application
        # Run the turn now and answer once it is done: a 200 means "committed", never "queued".
        await application.update_processor.process_update(update, application.process_update(update))
        if self.store.lost() is not None:  # not committed anywhere that lasts: Telegram keeps it
            return web.Response(status=503, text="database lost")
        return web.Response(text="ok")


def parse_update(body: bytes) -> dict[str, Any] | None:
    """The update in a webhook body, or None when it is not JSON or not shaped like one."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or _too_deep(data) or shape_problem(data) is not None:
        return None
    return without_lone_surrogates(data) if may_hold_surrogates(body) else data


def _too_deep(value: Any) -> bool:
    """Deeper than MAX_DEPTH (checked without recursion, so any depth is safe to ask about)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


# The fields the handlers rely on, with the JSON type each must have: a body that has them
# wrong is refused before PTB turns it into objects (a str chat id would reach the database).
_USER = {"id": int, "is_bot": bool, "first_name": str}
_CHAT = {"id": int, "type": str}
_MESSAGE = {"message_id": int, "date": int, "chat": _CHAT}
_OPTIONAL_IN_MESSAGE = {"from": _USER, "text": str, "reply_to_message": _MESSAGE}
_CALLBACK = {"id": str, "from": _USER, "chat_instance": str}
_OPTIONAL_IN_CALLBACK = {"data": str, "message": _MESSAGE}
_INLINE = {"id": str, "from": _USER, "query": str, "offset": str}


def shape_problem(update: dict[str, Any]) -> str | None:
    """What is wrong with an update's shape, or None."""
    if not _is(update.get("update_id"), int):
        return "update_id"
    if "message" in update:
        return _check(update["message"], _MESSAGE, _OPTIONAL_IN_MESSAGE, "message")
    if "callback_query" in update:
        return _check(update["callback_query"], _CALLBACK, _OPTIONAL_IN_CALLBACK, "callback_query")
    if "inline_query" in update:
        return _check(update["inline_query"], _INLINE, {}, "inline_query")
    return None


def _check(value: Any, required: dict[str, Any], optional: dict[str, Any], where: str) -> str | None:
    if not isinstance(value, dict):
        return where
    for fields, needed in ((required, True), (optional, False)):
        for name, kind in fields.items():
            if name not in value:
                if needed:
                    return f"{where}.{name}"
                continue
            if isinstance(kind, dict):
                problem = _check(value[name], kind, {}, f"{where}.{name}")
                if problem is not None:
                    return problem
            elif not _is(value[name], kind):
                return f"{where}.{name}"
    return None


def _is(value: Any, kind: type) -> bool:
    """JSON's types as Python reads them: a bool is not an int here."""
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)
