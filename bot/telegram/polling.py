"""Long polling that confirms an update to Telegram only after its turn has run.

PTB's `Updater` asks for the next updates (and so confirms the previous ones) as soon as it
has queued them: a process killed then loses updates Telegram will never send again. Here
the offset sent to Telegram never passes an update whose turn is not yet committed: it is
the lowest such update id (or one past the highest done). A committed turn is durable even
while its messages still wait for the chat's pacing: if the process dies then, its step is
shown again at start-up, so it need not hold the offset back (and every other chat's next
update is not kept waiting behind it). Telegram keeps sending the unconfirmed ones, which
are skipped while they run or once done; a process killed at any instant gets them again on
restart, where the update ids recorded with each turn make a second delivery harmless.

Chats still run in parallel (the application's update processor keeps one chat's turns in
order). At most 100 updates can be outstanding at once (a getUpdates answer's limit): when
the oldest is slow to commit, newer ones wait for it, never longer than that takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import io
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.telegram.incoming import when_durable

log = logging.getLogger(__name__)

RECHECK_SECONDS = 0.25
"""When every update Telegram returned is already running: how long to wait for one to
finish before asking again (Telegram answers at once while updates are unconfirmed)."""
MAX_BACKOFF_SECONDS = 30.0
STUCK_SECONDS = 30.0
"""A turn running longer than this holds back the offset: it is logged (once) with its stack."""
CONFIRM_SECONDS = 2.0
"""At shutdown, how long the last confirmation of finished updates may take."""


class Poller:
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        *,
        timeout: dtm.timedelta,
        allowed_updates: Sequence[str],
        on_conflict: Callable[[Conflict], bool] | None = None,
    ) -> None:
        self.application = application
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates)
        self.on_conflict = on_conflict
        self._running: dict[int, asyncio.Task[None]] = {}
        self._durable: set[int] = set()  # running, but their turn is committed: confirmable
        self._began: dict[int, float] = {}
        self._reported: set[int] = set()
        self._done: set[int] = set()  # finished, but not yet confirmed (above the offset)
        self._highest = 0
        self._finished = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        self.processed = 0

    @property
    def offset(self) -> int:
        """What to confirm: every update below it has run, or has its turn committed (what is
        left of such a turn, its paced sends, is shown again at start-up if the process dies)."""
        holding = [u for u in self._running if u not in self._durable]
        return min(holding) if holding else self._highest + 1

    async def start(self) -> None:
        """Remove any webhook (like PTB, keeping pending updates), then poll in the background."""
        await self.application.bot.delete_webhook(drop_pending_updates=False)
        self._loop = asyncio.create_task(self._poll_forever(), name="poller")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop asking; give running turns `grace` seconds; confirm what has run."""
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None
        running = list(self._running.values())
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            for task in late:  # not confirmed: Telegram sends these again after a restart
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._highest:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self.application.bot.get_updates(
                        offset=self.offset,
                        limit=1,
                        timeout=dtm.timedelta(0),
                        allowed_updates=self.allowed_updates,
                    ),
                    CONFIRM_SECONDS,
                )

    async def _poll_forever(self) -> None:
        backoff = 0.0
        while True:
            # Cleared before asking, not after: a turn that finishes while getUpdates is on its
            # way must wake the wait below at once (else new updates waited RECHECK_SECONDS).
            self._finished.clear()
            try:
                updates = await self.application.bot.get_updates(
                    offset=self.offset, timeout=self.timeout, allowed_updates=self.allowed_updates
                )
                backoff = 0.0
            except RetryAfter as error:
                await asyncio.sleep(_seconds(error.retry_after))
                continue
            except TimedOut:
                continue
            except InvalidToken:
                raise
            except Conflict as error:  # another poller (or a dead one's long poll, after a restart)
                if self.on_conflict is not None and self.on_conflict(error):
                    return  # given up: the runner stops and says why
                log.warning("getUpdates: %s", error)
                backoff = _more(backoff)
                await asyncio.sleep(backoff)
                continue
            except NetworkError as error:
                backoff = _more(backoff)
                log.warning("getUpdates failed (%s); trying again in %.1f s", error, backoff)
                await asyncio.sleep(backoff)
                continue
            except Exception:  # whatever it is, polling must not stop while the bot runs
                backoff = _more(backoff)
                log.exception("getUpdates failed; trying again in %.1f s", backoff)
                await asyncio.sleep(backoff)
                continue
            fresh = [
                u
                for u in updates
                if u.update_id not in self._running
                and u.update_id not in self._done
                and u.update_id >= self.offset
            ]
            for update in fresh:
                self._begin(update)
            if not fresh and updates:
                self._report_stuck()
                # Only updates already running: wait for one to finish (or a moment) first.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._finished.wait(), RECHECK_SECONDS)

    def _begin(self, update: Update) -> None:
        update_id = update.update_id
        self._highest = max(self._highest, update_id)
        application = self.application

        async def work() -> None:
            when_durable(lambda: self._committed(update_id))  # this task's own context
            await application.update_processor.process_update(update, application.process_update(update))

        task = asyncio.create_task(work(), name=f"update-{update_id}")
        self._running[update_id] = task
        self._began[update_id] = time.monotonic()
        task.add_done_callback(lambda done: self._end(update_id, done))

    def _committed(self, update_id: int) -> None:
        if update_id in self._running and update_id not in self._durable:
            self._durable.add(update_id)
            self._finished.set()  # the offset may move: ask again without waiting

    def _end(self, update_id: int, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("update %s failed outside its handlers", update_id, exc_info=task.exception())
        self._running.pop(update_id, None)
        self._durable.discard(update_id)
        self._began.pop(update_id, None)
        self._reported.discard(update_id)
        self._done.add(update_id)
        self.processed += 1
        offset = self.offset
        self._done = {u for u in self._done if u >= offset}
        self._finished.set()

    def _report_stuck(self) -> None:
        now = time.monotonic()
        for update_id, began in list(self._began.items()):
            if now - began > STUCK_SECONDS and update_id not in self._reported:
                self._reported.add(update_id)
                stack = io.StringIO()
                self._running[update_id].print_stack(file=stack)
                log.warning(
                    "update %s has run for %.0f s and holds back the others:\n%s",
                    update_id,
                    now - began,
                    stack.getvalue(),
                )


def _seconds(value: float | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def _more(backoff: float) -> float:
    return min(MAX_BACKOFF_SECONDS, max(0.5, backoff * 2))
