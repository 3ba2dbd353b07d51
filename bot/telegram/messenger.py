"""The only code that talks to Telegram in a conversation: send, edit, answer taps, upload.

`Messenger` is what turns and features see; `BotMessenger` does it with PTB's `Bot`;
`RecordingMessenger` keeps every call as a value, for feature tests without a network.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    InlineQueryResult,
    InlineQueryResultsButton,
    InputFile,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot import metrics
from bot.telegram.pacing import BACKGROUND, DROPPABLE, LEAVING, Dropped
from bot.telegram.views.html import Outgoing, Text

log = logging.getLogger(__name__)

Leaving = Callable[[int], Awaitable[None]]
"""Awaited with a message's index among those sent, right before its request leaves (after
pacing; see Messenger.send)."""

MAX_ANSWER = 200
"""Characters of a tap's answer (the toast) Telegram shows."""


class ChatBlocked(Exception):
    """The person blocked the bot: stop this turn, mark the chat inactive."""


class Messenger(Protocol):
    """Sending, editing and answering, as a conversation needs them."""

    @property
    def username(self) -> str:
        """The bot's @username (for deep links)."""
        ...

    @property
    def bot_id(self) -> int: ...

    async def send(
        self, chat_id: int, messages: Sequence[Outgoing], *, leaving: Leaving | None = None
    ) -> int | None:
        """Send in order; returns the id of the last message that carries inline buttons.
        `leaving(index)` is awaited right before each message's request leaves (after pacing)."""
        ...

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        html: str | None,
        keyboard: InlineKeyboardMarkup | None = None,
        *,
        droppable: bool = False,
    ) -> bool:
        """Edit the text (or, with html None, only the buttons). True when the message now reads
        so (unchanged counts); False when it cannot be edited (gone, too old), or, `droppable`
        (tidying a message left behind), when the bot-wide rate is fully used."""
        ...

    async def delete(self, chat_id: int, message_id: int, *, droppable: bool = False) -> bool:
        """Delete one of the bot's messages; False when it cannot be (gone, too old; or dropped,
        as for `edit`)."""
        ...

    async def answer(self, query_id: str, text: str | None = None) -> None:
        """Answer a tap (stop its spinner), with a short toast when `text` is given."""
        ...

    async def answer_inline(
        self,
        query_id: str,
        results: Sequence[InlineQueryResult],
        *,
        cache_time: int,
        button: InlineQueryResultsButton | None,
    ) -> None: ...


class BotMessenger:
    """The Messenger over PTB's Bot: HTML parse mode, Forbidden becomes ChatBlocked. With
    `background`, its sends and edits wait for interactive ones (see pacing.py)."""

    def __init__(self, bot: Bot, *, background: bool = False) -> None:
        self.bot = bot
        self._options: dict[str, Any] = {"rate_limit_args": BACKGROUND} if background else {}

    @property
    def username(self) -> str:
        return self.bot.username

    @property
    def bot_id(self) -> int:
        return self.bot.id

    async def send(
        self, chat_id: int, messages: Sequence[Outgoing], *, leaving: Leaving | None = None
    ) -> int | None:
        with_keyboard = None
        options = self._options
        for index, message in enumerate(messages):
            if leaving is not None:
                paced = {
                    **self._options.get("rate_limit_args", {}),
                    LEAVING: functools.partial(leaving, index),
                }
                options = {"rate_limit_args": paced}
            try:
                if isinstance(message, Text):
                    reply = (
                        ReplyParameters(message.reply_to, allow_sending_without_reply=True)
                        if message.reply_to is not None
                        else None
                    )
                    sent = await self.bot.send_message(
                        chat_id,
                        message.html,
                        parse_mode=ParseMode.HTML,
                        reply_markup=message.keyboard,
                        reply_parameters=reply,
                        **options,
                    )
                    if isinstance(message.keyboard, InlineKeyboardMarkup):
                        with_keyboard = sent.message_id
                else:
                    sent = await self.bot.send_document(
                        chat_id,
                        InputFile(message.content, filename=message.filename),
                        caption=message.caption,
                        parse_mode=ParseMode.HTML,
                        reply_markup=message.keyboard,
                        **options,
                    )
                    if message.keyboard is not None:
                        with_keyboard = sent.message_id
            except Forbidden as error:
                raise ChatBlocked(str(error)) from error
        return with_keyboard

    def _maybe_dropped(self, droppable: bool) -> dict[str, Any]:
        if not droppable:
            return self._options
        return {"rate_limit_args": {**self._options.get("rate_limit_args", {}), **DROPPABLE}}

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        html: str | None,
        keyboard: InlineKeyboardMarkup | None = None,
        *,
        droppable: bool = False,
    ) -> bool:
        options = self._maybe_dropped(droppable)
        try:
            if html is None:
                await self.bot.edit_message_reply_markup(
                    chat_id, message_id, reply_markup=keyboard, **options
                )
            else:
                await self.bot.edit_message_text(
                    html,
                    chat_id,
                    message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard,
                    **options,
                )
        except Dropped:
            metrics.tidying_dropped()
            return False
        except BadRequest as error:
            # "message is not modified", "message to edit not found", "message can't be edited"
            log.debug("edit of message %s in chat %s skipped: %s", message_id, chat_id, error)
            return "not modified" in error.message
        except Forbidden as error:
            raise ChatBlocked(str(error)) from error
        return True

    async def delete(self, chat_id: int, message_id: int, *, droppable: bool = False) -> bool:
        try:
            return await self.bot.delete_message(chat_id, message_id, **self._maybe_dropped(droppable))
        except Dropped:
            metrics.tidying_dropped()
            return False
        except BadRequest as error:  # "message to delete not found", "message can't be deleted"
            log.debug("message %s in chat %s not deleted: %s", message_id, chat_id, error)
            return False
        except Forbidden as error:
            raise ChatBlocked(str(error)) from error

    async def answer(self, query_id: str, text: str | None = None) -> None:
        try:
            await self.bot.answer_callback_query(query_id, text[:MAX_ANSWER] if text else None)
        except BadRequest as error:  # "query is too old": the spinner has long stopped
            log.debug("callback query %s not answered: %s", query_id, error)

    async def answer_inline(
        self,
        query_id: str,
        results: Sequence[InlineQueryResult],
        *,
        cache_time: int,
        button: InlineQueryResultsButton | None,
    ) -> None:
        try:
            await self.bot.answer_inline_query(
                query_id, results, cache_time=cache_time, is_personal=True, button=button
            )
        except BadRequest as error:  # "query is too old": the person has moved on
            log.debug("inline query %s not answered: %s", query_id, error)


@dataclass(frozen=True)
class Sent:
    chat_id: int
    message_id: int
    message: Outgoing


@dataclass(frozen=True)
class Edited:
    chat_id: int
    message_id: int
    html: str | None
    keyboard: InlineKeyboardMarkup | None


@dataclass(frozen=True)
class Deleted:
    chat_id: int
    message_id: int


@dataclass(frozen=True)
class Answered:
    query_id: str
    text: str | None


@dataclass
class RecordingMessenger:
    """A Messenger that talks to nobody: it numbers messages and keeps every call, in order."""

    username: str = "reconsider_test_bot"
    bot_id: int = 1
    calls: list[Sent | Edited | Deleted | Answered] = field(default_factory=list)
    gone: set[int] = field(default_factory=set)
    """Message ids whose edits fail as if the message were deleted."""
    undeletable: set[int] = field(default_factory=set)
    """Message ids too old to delete (their edits still work)."""
    blocked: set[int] = field(default_factory=set)
    """Chat ids that blocked the bot."""
    next_id: int = 1

    @property
    def sent(self) -> list[Sent]:
        return [call for call in self.calls if isinstance(call, Sent)]

    @property
    def edited(self) -> list[Edited]:
        return [call for call in self.calls if isinstance(call, Edited)]

    @property
    def answered(self) -> list[Answered]:
        return [call for call in self.calls if isinstance(call, Answered)]

    async def send(
        self, chat_id: int, messages: Sequence[Outgoing], *, leaving: Leaving | None = None
    ) -> int | None:
        if chat_id in self.blocked:
            raise ChatBlocked(f"chat {chat_id} blocked the bot")
        with_keyboard = None
        for index, message in enumerate(messages):
            if leaving is not None:
                await leaving(index)
            message_id, self.next_id = self.next_id, self.next_id + 1
            self.calls.append(Sent(chat_id, message_id, message))
            if isinstance(message.keyboard, InlineKeyboardMarkup):
                with_keyboard = message_id
        return with_keyboard

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        html: str | None,
        keyboard: InlineKeyboardMarkup | None = None,
        *,
        droppable: bool = False,
    ) -> bool:
        if chat_id in self.blocked:
            raise ChatBlocked(f"chat {chat_id} blocked the bot")
        if message_id in self.gone:
            return False
        self.calls.append(Edited(chat_id, message_id, html, keyboard))
        return True

    async def delete(self, chat_id: int, message_id: int, *, droppable: bool = False) -> bool:
        if message_id in self.gone or message_id in self.undeletable:
            return False
        self.calls.append(Deleted(chat_id, message_id))
        self.gone.add(message_id)
        return True

    async def answer(self, query_id: str, text: str | None = None) -> None:
        self.calls.append(Answered(query_id, text[:MAX_ANSWER] if text else None))

    async def answer_inline(
        self,
        query_id: str,
        results: Sequence[InlineQueryResult],
        *,
        cache_time: int,
        button: InlineQueryResultsButton | None,
    ) -> None:
        self.calls.append(Answered(query_id, None))
