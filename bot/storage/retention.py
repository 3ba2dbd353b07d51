"""The retention job: what people inactive for RETENTION_DAYS typed is erased, by one process
per period whatever the number of replicas (the store's `claim_job`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from bot.storage.base import Store

log = logging.getLogger(__name__)

DAY = 24 * 3600
EVERY = 3600
"""Seconds between runs (across all replicas together)."""


class RetentionJob:
    def __init__(
        self, store: Store, days: int, every: int = EVERY, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.days = days
        self.every = every
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> dict[str, int] | None:
        """Erase now if no process did in the last period; what was erased (counts only)."""
        now = int(self.clock())
        if not await self.store.claim_job("retention", now, self.every):
            return None
        erased = await self.store.erase_inactive(now - self.days * DAY)
        log.info(
            "retention (%d days): erased %s",
            self.days,
            ", ".join(f"{count} {kind}" for kind, count in erased.items()),
        )
        return erased

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # the database may be away for a while: try again next period
                log.exception("the retention job failed; it runs again in %d s", self.every)
            await asyncio.sleep(self.every)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="retention")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
