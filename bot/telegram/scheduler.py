"""Sends follow-up reminders when they are due: at start-up, then every few seconds.

The database is the schedule, so nothing is lost across restarts: a reminder that fell due
while the bot was down goes out at start-up. Several processes may share the database;
each reminder is claimed with a conditional UPDATE before it is sent, so exactly one of
them sends it. Right before its request leaves (after pacing) that is noted too. If a
process dies holding a claim, the claim expires after `LEASE_SECONDS`: a reminder whose
request never left is sent then; one whose request left counts as sent, because Telegram
may have shown it (at most once when Telegram's answer is unknown, never twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from typing import Any

from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ExtBot

from bot import metrics
from bot.engine import Guide
from bot.storage import Reminder, Store
from bot.telegram.http import OutcomeUnknown
from bot.telegram.pacing import BACKGROUND, LEAVING
from bot.telegram.views.reminders import render_due

log = logging.getLogger(__name__)

LEASE_SECONDS = 600
"""A claim older than this belongs to a process that died mid-send; another may retake it.
Far longer than a send takes, even with the rate limiter waiting out flood limits."""
MAX_ATTEMPTS = 5
"""Passing failures (network, Telegram 5xx) are retried on later checks, this many times in all."""
BATCH = 100
STOP_TIMEOUT = 4.0  # within the bot's own limit on stopping (app.STOP_SECONDS)


def worker_name() -> str:
    """Who holds a claim: host, process and a random part (two runners in one process differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class ReminderScheduler:
    """An asyncio task that sends due reminders through `bot` until stopped."""

    def __init__(
        self,
        bot: ExtBot[Any],
        guide: Guide,
        store: Store,
        interval: float,
        *,
        clock: Callable[[], float] = time.time,
        lease: int = LEASE_SECONDS,
    ) -> None:
        self.bot = bot
        self.guide = guide
        self.store = store
        self.interval = interval
        self.clock = clock
        self.lease = lease
        self.worker = worker_name()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="reminders")

    async def stop(self) -> None:
        """Finish the reminder being sent (if any), then end."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(task, STOP_TIMEOUT)
        except TimeoutError:
            log.warning("the reminder scheduler did not stop in %ss; cancelled", STOP_TIMEOUT)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                full = await self.run_once() >= BATCH
            except Exception:
                log.exception("checking for due reminders failed; trying again later")
                full = False
            if full:
                continue  # more are due: no pause
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)

    async def run_once(self) -> int:
        """Send every reminder due now that this process wins; returns how many were due."""
        now = int(self.clock())
        if settled := await self.store.settle_reminders(now, self.lease):
            log.info("%d reminders whose sender stopped after sending count as sent", settled)
        due = await self.store.due_reminders(now, self.lease, BATCH)
        for reminder in due:
            if self._stopping.is_set():
                break
            if await self.store.claim_reminder(reminder.id, self.worker, now, self.lease):
                metrics.reminder_event("due")
                await self._deliver(reminder)
        return len(due)

    async def _deliver(self, reminder: Reminder) -> None:
        catalog = self.guide.catalog(reminder.language)

        async def leaving() -> None:
            await self.store.reminder_leaving(reminder.id, self.worker, int(self.clock()))

        try:
            for message in render_due(reminder, catalog):
                await self.bot.send_message(
                    reminder.chat_id,
                    message.html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=message.keyboard,
                    rate_limit_args={**BACKGROUND, LEAVING: leaving},
                )
        except Forbidden:
            log.info("a chat blocked the bot; reminder %s dropped", reminder.id)
            await self.store.mark_blocked(reminder.chat_id)
            await self.store.finish_reminder(reminder.id, self.worker, "blocked", int(self.clock()))
            metrics.reminder_event("failed")
        except OutcomeUnknown:  # Telegram may have delivered it: at most once, never twice
            log.info("reminder %s: no answer from Telegram; counted as sent, not repeated", reminder.id)
            await self.store.finish_reminder(reminder.id, self.worker, "sent", int(self.clock()))
            metrics.reminder_event("sent")
        except BadRequest as error:  # e.g. "chat not found": retrying cannot help
            log.warning("reminder %s cannot be sent: %s", reminder.id, error)
            await self.store.finish_reminder(reminder.id, self.worker, "failed", int(self.clock()))
            metrics.reminder_event("failed")
        except TelegramError as error:  # network, 5xx, flood limits beyond the rate limiter's retries
            state = await self.store.release_reminder(reminder.id, self.worker, MAX_ATTEMPTS)
            metrics.reminder_event("failed" if state == "failed" else "retried")
            log.warning("reminder %s not sent (%s); now %s", reminder.id, error, state)
        else:
            await self.store.finish_reminder(reminder.id, self.worker, "sent", int(self.clock()))
            metrics.reminder_event("sent")
            log.info("reminder %s sent", reminder.id)
