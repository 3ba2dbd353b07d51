"""The tests' fake Bot API, with what a load generator needs on top: a per-chat wake-up.

`FakeBotAPI.wait_for` re-checks every waiter on every request, which costs O(users) per
request; with hundreds of simulated users that would make the load generator the
bottleneck. Here each user awaits one future that resolves when the bot sends it a new
message with callback buttons (the next step). Also: the time of the first `getUpdates`
(start-up), update ids that start where a pre-filled database left off, and a way to drop
a finished user's transcript so a long run keeps the generator's memory flat.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import time
from typing import Any

from tests.fakebotapi import ChatMessage, FakeBotAPI
from tests.fakebotapi.records import ChatLog

FORGET_AFTER = 1_000
"""Finished chats kept before the oldest is dropped."""


class BenchBotAPI(FakeBotAPI):
    """FakeBotAPI plus `expect_step`, `first_poll_at` and `forget_chat` (see the module doc)."""

    def __init__(self, *, first_update_id: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._update_ids = itertools.count(first_update_id)
        self._step_waiters: dict[int, asyncio.Future[ChatMessage]] = {}
        self.first_poll_at: float | None = None
        self.first_poll = asyncio.Event()
        self._finished: collections.deque[int] = collections.deque()

    def expect_step(self, chat_id: int) -> asyncio.Future[ChatMessage]:
        """A future for the next bot message with callback buttons in `chat_id` (sent, or
        edited into a step).

        Register it before the action that should lead to that message.
        """
        future: asyncio.Future[ChatMessage] = asyncio.get_running_loop().create_future()
        self._step_waiters[chat_id] = future
        return future

    def forget_chat(self, chat_id: int) -> None:
        """Drop a finished person's chat, a while later: the bot may still be finishing
        their last turn (closing the old step while the new one is already on screen)."""
        self._step_waiters.pop(chat_id, None)
        self._finished.append(chat_id)
        while len(self._finished) > FORGET_AFTER:
            old = self._finished.popleft()
            self._chats.pop(old, None)
            self._awaiting_reply.pop(old, None)

    def reset_observations(self) -> None:
        """Drop the request log and timings gathered so far (between phases of a run)."""
        self.calls.clear()
        self.update_timings.clear()
        self._answered_queries.clear()

    def _store_message(
        self, log: ChatLog, message: dict[str, Any], *, from_bot: bool, **extra: Any
    ) -> ChatMessage:
        stored = super()._store_message(log, message, from_bot=from_bot, **extra)
        if from_bot:
            self._step_shown(log.id, stored)
        return stored

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        edited = await super()._m_editMessageText(params)
        if isinstance(edited, dict):  # a message edited into the next step
            log = self._target_chat(params, sending=False)
            message = log.get(edited["message_id"])
            if message is not None:
                self._step_shown(log.id, message)
        return edited

    def _step_shown(self, chat_id: int, message: ChatMessage) -> None:
        if _has_callback_buttons(message.raw):
            waiter = self._step_waiters.pop(chat_id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(message)

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.first_poll_at is None:
            self.first_poll_at = time.monotonic()
            self.first_poll.set()
        return await super()._m_getUpdates(params)


def _has_callback_buttons(message: dict[str, Any]) -> bool:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return any("callback_data" in button for row in rows for button in row)
