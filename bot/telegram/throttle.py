"""A per-chat budget for attempts that cost a lookup and tell a guesser something (share codes).

Each chat may miss `burst` times; a miss comes back every `refill_seconds`. Kept in memory
only (no write, no log line per attempt), for at most `max_chats` chats (the least recently
seen are forgotten first), so a flood of guesses costs neither disk nor memory.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from enum import Enum

BURST = 5
REFILL_SECONDS = 60.0
MAX_CHATS = 10_000


class Verdict(Enum):
    ALLOWED = "allowed"
    REFUSED = "refused"
    """Over budget: say so once..."""
    SILENT = "silent"
    """...and ignore further attempts until the budget comes back."""


class MissBudget:
    def __init__(
        self,
        burst: int = BURST,
        refill_seconds: float = REFILL_SECONDS,
        max_chats: int = MAX_CHATS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.refill_seconds = refill_seconds
        self.max_chats = max_chats
        self._clock = clock
        self._chats: OrderedDict[int, tuple[float, float, bool]] = OrderedDict()
        """chat id -> (misses left, as of when, whether the refusal was told)"""

    def allows(self, chat_id: int) -> bool:
        """True when this chat still has misses left (asks without spending one)."""
        return self._left(chat_id)[0] >= 1

    def miss(self, chat_id: int) -> Verdict:
        """Spend one miss: ALLOWED while the budget lasts, then REFUSED once, then SILENT."""
        left, told = self._left(chat_id)
        now = self._clock()
        if left >= 1:
            self._chats[chat_id] = (left - 1, now, False)
            verdict = Verdict.ALLOWED
        else:
            self._chats[chat_id] = (left, now, True)
            verdict = Verdict.SILENT if told else Verdict.REFUSED
        self._chats.move_to_end(chat_id)
        while len(self._chats) > self.max_chats:
            self._chats.popitem(last=False)
        return verdict

    def _left(self, chat_id: int) -> tuple[float, bool]:
        entry = self._chats.get(chat_id)
        if entry is None:
            return float(self.burst), False
        left, since, told = entry
        refilled = min(self.burst, left + (self._clock() - since) / self.refill_seconds)
        return refilled, told and refilled < 1
