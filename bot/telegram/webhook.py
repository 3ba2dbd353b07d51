"""The bot's own HTTP server for webhook mode (aiohttp): the webhook path, and the ops paths
(`/healthz`, `/readyz`, `/metrics`, see bot/ops.py).

POST on the path of WEBHOOK_URL: the secret header is checked first (403 otherwise), then
the update is processed (one chat's turns one at a time, chats in parallel) and only then
answered 200. So an update is never acknowledged before its turn was committed: if this
replica dies mid-turn, Telegram delivers it again (through the load balancer, to another
replica), and a chat's next update is not sent before this one was applied.
"""

from __future__ import annotations

import hmac
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

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_path(webhook_url: str) -> str:
    return urlsplit(webhook_url).path or "/"


class WebhookServer:
    def __init__(
        self, settings: Settings, application: Application[Any, Any, Any, Any, Any, Any], store: Store,
        probes: Probes | None = None,
    ) -> None:
        assert settings.webhook_url, "webhook mode needs WEBHOOK_URL"
        self.settings = settings
        self.application = application
        self.store = store
        self.path = webhook_path(settings.webhook_url)
        self._secret = settings.webhook_secret.encode()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.ops = OpsRoutes(probes or Probes(database=store.ping, probe_api=application.bot.get_me))

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(self.path, self.receive)
        self.ops.add_to(app)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.make_app(), access_log=None, handle_signals=False)
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
            log.warning("webhook request without the right secret from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            data = await request.json()
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return web.Response(status=400, text="not an update")
        if update is None:
            return web.Response(status=400, text="not an update")
        application = self.application
        await application.update_processor.process_update(update, application.process_update(update))
        return web.Response(text="ok")
