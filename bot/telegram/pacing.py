"""How fast the bot talks to Telegram: flood limits kept before Telegram enforces them.

`PacedRateLimiter` is PTB's `AIORateLimiter` (bot-wide rate, groups, waiting out a 429) plus:
- **each private chat paced**: a burst of `CHAT_BURST` messages, then one a second (Telegram's
  advice), so a step of several messages never earns a 429 in the first place;
- **interactive first**: requests marked background (reminders, steps shown again at start-up)
  wait while any interactive request is waiting (at most `BACKGROUND_PATIENCE` seconds, so a
  busy bot never starves them), and use at most half the bot-wide rate;
- **tidying dropped when busy**: a request marked droppable (taking the buttons off a message
  the person has left behind) is not sent while a second's worth of requests already waits for
  the bot-wide rate: under a flood it would only delay everyone's next step, and a stale button
  is told apart anyway (`Dropped`);
- **first come, first served**: the bot-wide rate serves requests strictly in the order they
  asked (`FairRate`), so under a flood everyone waits about the same;
- **network retries**: a few retries of requests that failed on the network (connection
  errors, 5xx), except a send whose outcome is unknown (`OutcomeUnknown`): repeating that
  could show it twice, so the turn decides.

Mark a request as background with `rate_limit_args=BACKGROUND` on any Bot method, as
droppable with `rate_limit_args=DROPPABLE`, and give it a coroutine function to await right
before it leaves (after any waiting) with `rate_limit_args={LEAVING: ...}` (see `_after`;
the keys combine in one dict).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

from bot.telegram.http import OutcomeUnknown

log = logging.getLogger(__name__)

DEFAULT_RATE = 30.0
"""Messages per second bot-wide (Telegram's limit for a bot)."""
RATE_LIMIT_RETRIES = 3
NETWORK_RETRIES = 3
NETWORK_RETRY_DELAY = 0.5  # seconds, doubled on each retry
CHAT_BURST = 3
CHAT_PERIOD = 3.0
"""A private chat gets CHAT_BURST messages at once, then one every CHAT_PERIOD / CHAT_BURST s."""
MAX_PACED_CHATS = 10_000
BACKGROUND_PATIENCE = 2.0
"""Seconds a background request defers to interactive ones before it goes anyway."""
BACKGROUND = {"background": True}
"""`rate_limit_args` of a request that may wait for interactive ones."""
DROPPABLE = {"droppable": True}
"""`rate_limit_args` of a request that is not sent while the bot-wide rate is fully used."""
DROP_AFTER = 1.0
"""Seconds of requests waiting for the bot-wide rate beyond which droppable ones are dropped."""
LEAVING = "leaving"
"""Key of `rate_limit_args`: awaited right before the request leaves, once paced (a send's
"begun" mark belongs there: a process stopped while the send still waits has not sent it)."""

NOT_IDEMPOTENT = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "sendSticker",
        "sendAnimation",
        "sendVoice",
        "sendAudio",
        "sendVideo",
        "sendLocation",
        "sendPoll",
    }
)
"""Methods that would do it twice if repeated after Telegram did it once (edits and answers
only say the same thing again)."""
PACED = NOT_IDEMPOTENT
"""Paced per chat: new messages (an edit replaces one in place and is not held back)."""


class Dropped(Exception):
    """A droppable request was not sent: the bot-wide rate is fully used (see DROPPABLE)."""


Callback = Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]]


class FairRate(AsyncLimiter):
    """At most `rate` requests a second with a burst of `rate`, each served in the order it
    asked. (aiolimiter, which PTB uses, lets a newcomer take the room a waiter was just woken
    for; the waiter then queues again at the back: in a simulated flood its p99 wait was 2.3
    times the mean, this one's 1.3 times.) Each request reserves its instant when it asks
    (the "virtual scheduling" form of the generic cell rate algorithm); a cancelled one
    leaves its instant unused."""

    def __init__(self, rate: float) -> None:
        super().__init__(rate, 1)
        self.interval = 1 / rate
        self.tolerance = (max(int(rate), 1) - 1) * self.interval
        """How far ahead of the steady pace a burst may run."""
        self._next = 0.0
        """When the next request would leave at the steady pace (time.monotonic())."""

    async def acquire(self, amount: float = 1) -> None:
        now = time.monotonic()
        due = max(self._next, now)
        self._next = due + self.interval * amount
        wait = due - self.tolerance - now
        if wait > 0:
            await asyncio.sleep(wait)


class PacedRateLimiter(AIORateLimiter):
    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        network_retries: int = NETWORK_RETRIES,
        delay: float = NETWORK_RETRY_DELAY,
    ) -> None:
        super().__init__(overall_max_rate=rate, overall_time_period=1, max_retries=RATE_LIMIT_RETRIES)
        self._base_limiter = FairRate(rate)
        self.rate = rate
        self.network_retries = network_retries
        self.delay = delay
        self.pace_chats = True
        self.starting = True
        """While starting, retries are logged at DEBUG: a failed start ends in one line of its own."""
        self._chats: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._background = AsyncLimiter(max(rate / 2, 1), 1)
        self._interactive_waiting = 0
        self._interactive_idle = asyncio.Event()
        self._interactive_idle.set()
        self._queued = 0
        """Requests waiting for the bot-wide rate (past their chat's pacing)."""

    @property
    def busy(self) -> bool:
        """More than DROP_AFTER seconds of requests wait for the bot-wide rate."""
        return self._queued >= self.rate * DROP_AFTER

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        background = isinstance(rate_limit_args, dict) and rate_limit_args.get("background")
        if isinstance(rate_limit_args, dict) and rate_limit_args.get("droppable") and self.busy:
            raise Dropped(endpoint)
        leaving = rate_limit_args.get(LEAVING) if isinstance(rate_limit_args, dict) else None
        if leaving is not None:
            callback = _after(leaving, callback)
        chat = self._chat_limiter(data.get("chat_id")) if endpoint in PACED and self.pace_chats else None
        if background:
            async with self._background:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._interactive_idle.wait(), BACKGROUND_PATIENCE)
                return await self._paced(chat, callback, args, kwargs, endpoint, data)
        self._interactive_waiting += 1
        self._interactive_idle.clear()
        try:
            return await self._paced(chat, callback, args, kwargs, endpoint, data)
        finally:
            self._interactive_waiting -= 1
            if not self._interactive_waiting:
                self._interactive_idle.set()

    async def _paced(
        self,
        chat: AsyncLimiter | None,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        async with chat if chat is not None else contextlib.nullcontext():
            return await self._with_retries(callback, args, kwargs, endpoint, data)

    async def _with_retries(
        self, callback: Callback, args: Any, kwargs: dict[str, Any], endpoint: str, data: dict[str, Any]
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        for attempt in range(self.network_retries + 1):
            try:
                return await self._counted(callback, args, kwargs, endpoint, data)
            except BadRequest:
                raise  # a subclass of NetworkError, but our mistake: retrying cannot help
            except OutcomeUnknown:
                if endpoint in NOT_IDEMPOTENT or attempt == self.network_retries:
                    raise
            except NetworkError as error:
                if attempt == self.network_retries:
                    raise
                log.log(
                    logging.DEBUG if self.starting else logging.WARNING,
                    "%s failed (%s); retry %d of %d",
                    endpoint,
                    error,
                    attempt + 1,
                    self.network_retries,
                )
            await asyncio.sleep(self.delay * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _counted(
        self, callback: Callback, args: Any, kwargs: dict[str, Any], endpoint: str, data: dict[str, Any]
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """PTB's bot-wide limiting, counted in `_queued` until the request leaves."""
        waiting = True
        self._queued += 1

        async def request(*args: Any, **kwargs: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
            nonlocal waiting
            if waiting:
                waiting = False
                self._queued -= 1
            return await callback(*args, **kwargs)

        try:
            return await super().process_request(request, args, kwargs, endpoint, data, None)
        finally:
            if waiting:
                self._queued -= 1

    def _chat_limiter(self, chat_id: Any) -> AsyncLimiter | None:
        """Private chats only (positive ids); groups keep PTB's own per-group limit."""
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        if not isinstance(chat_id, int) or chat_id <= 0:
            return None
        limiter = self._chats.get(chat_id)
        if limiter is None:
            limiter = self._chats[chat_id] = AsyncLimiter(CHAT_BURST, CHAT_PERIOD)
            while len(self._chats) > MAX_PACED_CHATS:  # the least recently used go first
                self._chats.popitem(last=False)
        self._chats.move_to_end(chat_id)
        return limiter


def _after(leaving: Callable[[], Awaitable[None]], callback: Callback) -> Callback:
    """`callback` (the HTTP request itself), preceded by `leaving`."""

    async def request(*args: Any, **kwargs: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
        await leaving()
        return await callback(*args, **kwargs)

    return request
