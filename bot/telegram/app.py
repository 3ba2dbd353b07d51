"""Build and run the Telegram bot: long polling or a webhook, on one Guide and one Store.

`run(...)` is what `reconsider-bot run` calls once cli.py (the one composition root) has loaded
the settings, guide, tone lexicons and store; `serve(...)` runs until told to stop;
`build_application(...)` wires PTB: the rate limiter (with retries of network errors), one
turn at a time per chat but chats in parallel, the handlers and an error handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Any

from telegram import Bot, Update
from telegram.constants import ParseMode
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, ContextTypes

from bot import funnel, metrics
from bot.engine import Guide
from bot.engine.tone import ToneLexicon
from bot.ops import OpsServer, Probes
from bot.settings import BOTFATHER_HELP, Settings
from bot.storage import Store, StoreLost
from bot.storage.retention import RetentionJob
from bot.telegram.handlers import ALLOWED_UPDATES, Handlers
from bot.telegram.http import AiohttpRequest
from bot.telegram.logs import (
    REDACTED,
    TOKEN_LIKE,
    hash_chat,
    quiet_noisy_loggers,
    redact_library_loggers,
    set_chat_hash_key,
)
from bot.telegram.memory import TRIM_EVERY, release_free_memory
from bot.telegram.messenger import BotMessenger
from bot.telegram.pacing import NETWORK_RETRY_DELAY, PacedRateLimiter
from bot.telegram.polling import Poller
from bot.telegram.registry import Features, menu
from bot.telegram.scheduler import ReminderScheduler
from bot.telegram.turns import Turns
from bot.telegram.views.html import esc

log = logging.getLogger(__name__)

USAGE_ERROR = 2
MAX_CONCURRENT_UPDATES = 256
POLL_TIMEOUT = dtm.timedelta(seconds=10)
STOP_SECONDS = 8.0
"""The longest a stop may take (SIGTERM; a supervisor's own limit is usually 10 s)."""
STORE_CHECK_SECONDS = 1.0
"""How often the running bot checks that its database file is still the one it opened."""
POLLING_CONFLICT = (
    'another process is polling Telegram with this bot token (Telegram answered "Conflict: terminated '
    'by other getUpdates request"); polling allows one process: stop the other one, or run several '
    "replicas in webhook mode (WEBHOOK_URL)"
)


CONFLICTS_TO_GIVE_UP = 3
CONFLICT_WINDOW = 60.0
"""Give up polling after this many conflicts within this many seconds. One conflict alone is
the dangling long poll of a process that just died (a restart); two live pollers keep
terminating each other's requests."""


class _BelowError(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.ERROR


class GaveUp(Exception):
    """The runner stopped by itself for a reason the operator must fix (the message says which)."""


BotApplication = Application[Any, Any, Any, Any, Any, Any]


def update_kind(update: object) -> str:
    """A label for an update that says what it is, never what it says."""
    if not isinstance(update, Update):
        return "other"
    if update.callback_query is not None:
        return "button"
    if update.inline_query is not None:
        return "inline_query"
    message = update.effective_message
    if message is None:
        return "other"
    if message.text and message.text.startswith("/"):
        return "command"
    return "text" if message.text else "other_message"


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates run concurrently, except that one chat's updates run one after another.

    A chat's turn reads its session, decides and writes it back; two turns of the same chat
    interleaving would lose one of them, while different chats never share anything.
    """

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self.processed = 0
        self.trim_every = TRIM_EVERY
        self.trims = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            await self._measured(update, coroutine, None)
            return
        try:
            async with self.chat_lock(key):
                await self._measured(update, coroutine, key)
        finally:
            self.processed += 1
            if self.processed % self.trim_every == 0 and release_free_memory():
                self.trims += 1  # a burst of chats at once must not leave RSS at its peak

    @contextlib.asynccontextmanager
    async def chat_lock(self, key: int) -> AsyncIterator[None]:
        """One chat's turn at a time (also for work that is not an update: start-up re-shows)."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # nobody waits: forget the lock, keep the dict small
                del self._users[key], self._locks[key]

    async def _measured(self, update: object, coroutine: Awaitable[Any], chat_id: int | None) -> None:
        """Handle one update; count it, time it and log one line about it (no content)."""
        kind = update_kind(update)
        current, token = metrics.handling(kind)
        started = time.perf_counter()
        try:
            await coroutine
        except BaseException:
            current.outcome = "error"
            raise
        finally:
            seconds = time.perf_counter() - started
            metrics.handled(token, kind, seconds)
            update_id = getattr(update, "update_id", None)
            fields = {
                "update_id": update_id,
                "chat": hash_chat(chat_id),
                "handler": current.handler,
                "latency_ms": round(seconds * 1000, 2),
                "outcome": current.outcome,
            }
            log.info(
                "update %s (%s) %s in %.1f ms",
                update_id,
                current.handler,
                current.outcome,
                seconds * 1000,
                extra=fields,
            )

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class StatelessApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application, minus the per-chat and per-user bookkeeping that only a PTB
    persistence uses. Without one (sessions live in our Store), PTB 22 would still keep the
    id of every chat and user it ever saw, and never let go of them."""

    http_requests: tuple[AiohttpRequest, ...] = ()
    """The Bot API clients: closed by the Runner even when start-up failed half-way (PTB closes
    them only after a successful initialize)."""

    def _mark_for_persistence_update(self, *, update: object | None = None, job: Any = None) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


RetryingRateLimiter = PacedRateLimiter
"""The name build_application looks up (bench/unthrottled.py replaces it)."""


def build_application(
    settings: Settings,
    guide: Guide,
    store: Store,
    tone: dict[str, ToneLexicon],
    *,
    network_retry_delay: float = NETWORK_RETRY_DELAY,
) -> BotApplication:
    """The application on one guide, its tone lexicons (by language) and one store."""
    quiet_noisy_loggers()  # httpx logs every request URL, and the token is part of each
    redact_library_loggers([settings.token, settings.webhook_secret])  # PTB logs its API URL
    set_chat_hash_key(settings.token)
    requests = (AiohttpRequest(), AiohttpRequest(connection_limit=1))
    builder = (
        ApplicationBuilder()
        .application_class(StatelessApplication)
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .request(requests[0])
        .get_updates_request(requests[1])
        .rate_limiter(RetryingRateLimiter(settings.bot_rate, delay=network_retry_delay))
        .concurrent_updates(PerChatUpdateProcessor())
    )
    builder = builder.updater(None)  # webhook: our server; polling: our Poller (see polling.py)
    application: BotApplication = builder.build()
    if isinstance(application, StatelessApplication):
        application.http_requests = requests
    turns = Turns(guide, store, BotMessenger(application.bot), crash_at=settings.crash_at)
    features = Features.build(turns, tone, settings.admin_ids)
    handlers = Handlers(turns, features)
    handlers.register(application)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        metrics.update_failed(context.error)
        log.error("unhandled error for update %s", getattr(update, "update_id", "?"), exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == "private":
            catalog = guide.catalog(guide.flow.languages[0])
            with contextlib.suppress(TelegramError):
                if update.callback_query is not None:
                    await update.callback_query.answer()
                await context.bot.send_message(
                    update.effective_chat.id, esc(catalog.text("ui.tg_error")), parse_mode=ParseMode.HTML
                )

    application.add_error_handler(on_error)
    application.bot_data["handlers"] = handlers
    features.admin.funnel_rows = partial(asyncio.to_thread, funnel.read, settings.database_url)
    return application


async def describe_bot(bot: Bot, guide: Guide) -> None:
    """The command menu and descriptions, per language; failures are logged, not fatal."""
    for index, language in enumerate(guide.flow.languages):
        catalog = guide.catalog(language)
        codes: list[str | None] = [None, language] if index == 0 else [language]
        for code in codes:
            steps: list[tuple[str, Callable[[], Awaitable[bool]]]] = [
                ("commands", partial(bot.set_my_commands, menu(catalog), language_code=code)),
                ("description", partial(bot.set_my_description, catalog.text("ui.tg_description"), code)),
                (
                    "short description",
                    partial(bot.set_my_short_description, catalog.text("ui.tg_short_description"), code),
                ),
            ]
            for what, step in steps:
                try:
                    await step()
                except TelegramError as error:
                    log.warning("could not set the bot's %s (%s): %s", what, code or "default", error)


class Runner:
    """A started bot (polling or webhook) that can be stopped; `serve` and tests use it."""

    def __init__(
        self,
        settings: Settings,
        guide: Guide,
        store: Store,
        tone: dict[str, ToneLexicon],
        *,
        poll_timeout: dtm.timedelta = POLL_TIMEOUT,
        network_retry_delay: float = NETWORK_RETRY_DELAY,
    ) -> None:
        self.settings = settings
        self.poll_timeout = poll_timeout
        self.guide = guide
        self.store = store
        self.application = build_application(
            settings, guide, store, tone, network_retry_delay=network_retry_delay
        )
        self.webhook: Any = None
        self.ops: OpsServer | None = None
        self.reminders = ReminderScheduler(
            self.application.bot, guide, store, settings.reminder_check_seconds
        )
        self.retention = RetentionJob(store, settings.retention_days)
        self.gave_up = asyncio.Event()
        self.failure: str | None = None
        self.store_lost = False
        """The failure is the database file gone (exit 1), not a setting to fix (exit 2)."""
        self.conflicts: list[float] = []
        self.poller: Poller | None = None
        self._watch: asyncio.Task[None] | None = None
        self.reshown: asyncio.Task[int] | None = None
        """Steps never sent before the last stop, shown again (a background task)."""

    def _polling_conflict(self, error: Conflict) -> bool:
        """A second poller is one we must not fight: True when polling should give up."""
        now = time.monotonic()
        self.conflicts = [t for t in self.conflicts if now - t < CONFLICT_WINDOW] + [now]
        log.warning("getUpdates conflict %d of %d allowed", len(self.conflicts), CONFLICTS_TO_GIVE_UP - 1)
        if len(self.conflicts) >= CONFLICTS_TO_GIVE_UP and self.failure is None:
            self.failure = POLLING_CONFLICT
            log.error("%s", POLLING_CONFLICT)
            self.gave_up.set()
            return True
        return False

    async def _database_ready(self) -> bool:
        return await self.store.readiness() is None

    async def _watch_store(self, every: float = STORE_CHECK_SECONDS) -> None:
        """Stop the bot when its database file is deleted or replaced under it."""
        while (problem := self.store.lost()) is None:
            await asyncio.sleep(every)
        log.error("%s; stopping so that nothing more is accepted and lost", problem)
        if self.failure is None:
            self.failure, self.store_lost = problem, True
        self.gave_up.set()

    def probes(self) -> Probes:
        return Probes(database=self._database_ready, probe_api=self.application.bot.get_me)

    async def start(self) -> None:
        application = self.application
        if not self.settings.webhook_mode and self.settings.metrics_port is not None:
            self.ops = OpsServer(self.settings.metrics_listen, self.settings.metrics_port, self.probes())
            await self.ops.start()  # first: a port in use stops the start before Telegram is asked
        await application.initialize()
        await describe_bot(application.bot, self.guide)
        await application.start()
        if self.settings.webhook_mode:
            from bot.telegram.webhook import WebhookServer

            self.webhook = WebhookServer(self.settings, application, self.store, self.probes())
            await self.webhook.start()
            await self.webhook.register()
            log.info("webhook mode: listening on %s:%s", self.settings.webhook_listen, self.webhook.port)
        else:
            self.poller = Poller(
                application,
                timeout=self.poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
                on_conflict=self._polling_conflict,
            )
            await self.poller.start()
            log.info("polling mode: @%s is running", application.bot.username)
            if self.ops is not None:
                log.info(
                    "ops server: /healthz, /readyz and /metrics on %s:%s",
                    self.settings.metrics_listen,
                    self.ops.port,
                )
        self.reminders.start()  # due reminders (also those missed while down) go out now
        self.retention.start()
        limiter = application.bot.rate_limiter
        if isinstance(limiter, PacedRateLimiter):
            limiter.starting = False
        self._watch = asyncio.create_task(self._watch_store())
        handlers: Handlers = application.bot_data["handlers"]
        processor = application.update_processor
        assert isinstance(processor, PerChatUpdateProcessor)
        background = BotMessenger(application.bot, background=True)
        self.reshown = asyncio.create_task(handlers.turns.show_undelivered(processor.chat_lock, background))

    async def stop(self, within: float = STOP_SECONDS) -> None:
        """Stop in at most `within` seconds, whatever the network does. Every turn's state was
        committed before its sends, so a send cut short here is shown again after a restart."""
        try:
            await asyncio.wait_for(self._stop(), within)
        except TimeoutError:
            log.warning(
                "stopping took more than %.0f s (the Bot API is not answering); "
                "unfinished sends are left for the next start",
                within,
            )
        if self.ops is not None:
            await self.ops.stop()

    async def _stop(self) -> None:
        application = self.application
        for task in (self._watch, self.reshown):
            if task is not None and not task.done():
                task.cancel()
        # Intake and reminders stop side by side, each within its own bound (turns running
        # now get a few seconds; what they could not send is shown again after a restart).
        stopping = [self.reminders.stop(), self.retention.stop()]
        if self.webhook is not None:
            stopping.append(self.webhook.stop())
        if self.poller is not None:
            stopping.append(self.poller.stop())
            self.poller = None
        await asyncio.gather(*stopping)
        if application.running:
            await application.stop()
        await application.shutdown()
        if isinstance(application, StatelessApplication):
            for request in application.http_requests:
                await request.shutdown()  # a no-op after a full shutdown


async def serve(
    settings: Settings,
    guide: Guide,
    store: Store,
    tone: dict[str, ToneLexicon],
    stop: asyncio.Event | None = None,
) -> None:
    """Run until `stop` is set (or, without one, until SIGINT/SIGTERM)."""
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
    runner = Runner(settings, guide, store, tone)
    try:
        await runner.start()
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(runner.gave_up.wait())]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for wait in waits:
            wait.cancel()
        log.info("stopping")
    finally:
        await runner.stop()
    if runner.failure is not None:
        raise StoreLost(runner.failure) if runner.store_lost else GaveUp(runner.failure)


def run(settings: Settings, guide: Guide, store: Store, tone: dict[str, ToneLexicon]) -> int:
    """`reconsider-bot run` after the composition root (cli.py) loaded everything: serve until
    stopped; 0 after a clean stop, 2 for a token Telegram rejects, 1 when the API is unreachable.
    The store is closed in every case."""

    def fail(message: str, code: int = USAGE_ERROR) -> int:
        print(f"reconsider-bot: {message}", file=sys.stderr)
        return code

    async def serve_then_close() -> None:
        try:
            await serve(settings, guide, store, tone)
        finally:
            await store.close()

    try:
        asyncio.run(serve_then_close())
    except GaveUp as error:
        return fail(str(error))
    except StoreLost as error:
        return fail(f"{error}. Stopped: restore the file (or start again for a new, empty one).", 1)
    except InvalidToken:
        return fail("Telegram rejected TELEGRAM_BOT_TOKEN (revoked or mistyped?). " + BOTFATHER_HELP)
    except NetworkError as error:
        reason = TOKEN_LIKE.sub(REDACTED, str(error))
        return fail(f"could not reach the Bot API at {settings.api_base_url}: {reason}", 1)
    except OSError as error:  # the webhook or ops server could not listen
        return fail(f"could not start the HTTP server: {error.strerror or error}", 1)
    except KeyboardInterrupt:
        pass
    return 0
