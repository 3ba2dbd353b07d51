"""The PTB adapter: turns each update into an `Incoming` value and routes it, from the one
registry (registry.py), to the feature that handles it. It decides nothing itself."""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import metrics
from bot.telegram import buttons
from bot.telegram.incoming import Incoming, language_of
from bot.telegram.messenger import ChatBlocked, Messenger
from bot.telegram.registry import Features, routes
from bot.telegram.turns import Turn, Turns
from bot.telegram.views import tone as tone_views
from bot.telegram.views.html import Text, esc
from bot.telegram.views.steps import group_keyboard

log = logging.getLogger(__name__)

ACTION_NAMES = {value: name.lower() for name, value in vars(buttons.Act).items() if name.isupper()}
"""Button actions by name (`button:answer`...), for the log line of each update."""

ALLOWED_UPDATES = ("message", "callback_query", "inline_query")
"""The update kinds the bot asks Telegram for (polling and webhook alike)."""

Context = ContextTypes.DEFAULT_TYPE


class Handlers:
    """PTB callbacks for private chats, groups and inline mode."""

    def __init__(self, turns: Turns, features: Features) -> None:
        self.turns = turns
        self.features = features
        self.commands, self.buttons = routes(features)

    def register(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        new = filters.UpdateType.MESSAGE  # edits of earlier messages change nothing
        private = filters.ChatType.PRIVATE & new
        application.add_handler(MessageHandler(filters.ChatType.GROUPS & new, self.on_group_message))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(InlineQueryHandler(self.on_inline_query))
        application.add_handler(MessageHandler(private & filters.TEXT, self.on_text))
        application.add_handler(MessageHandler(private, self.on_other_message))

    @property
    def messenger(self) -> Messenger:
        return self.turns.messenger

    async def on_text(self, update: Update, context: Context) -> None:
        """A typed message: a command, a detail, a draft to check, or a stray word."""
        await self.turns.run(Incoming.from_update(update), self._text)

    async def on_other_message(self, update: Update, context: Context) -> None:
        """A sticker, photo, voice note...: a hint, never an error."""
        await self.turns.run(Incoming.from_update(update), self.features.guide.not_text)

    async def on_button(self, update: Update, context: Context) -> None:
        """A tap on one of our inline buttons."""
        query = update.callback_query
        assert query is not None
        message = query.message
        if message is None or message.chat.type != "private":
            await self.messenger.answer(query.id)
            return
        await self.turns.run(Incoming.from_update(update), self._button)

    async def on_inline_query(self, update: Update, context: Context) -> None:
        assert update.inline_query is not None
        await self.features.sharing.inline_query(update.inline_query)

    async def on_group_message(self, update: Update, context: Context) -> None:
        """No guide in groups: point to a private chat."""
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None or not await self.turns.store.record_update(update.update_id):
            return
        catalog = self.turns.guide.catalog(language_of(update))
        keyboard = group_keyboard(catalog, self.messenger.username)
        try:
            await self.messenger.send(
                chat.id, [Text(esc(catalog.text("ui.tg_group")), keyboard, message.message_id)]
            )
        except ChatBlocked:  # a group that removed us, or where we may not write
            log.info("cannot write to a group (removed, or not allowed to write)")

    async def _text(self, turn: Turn) -> None:
        text = turn.incoming.text or ""
        features = self.features
        if text.startswith("/"):
            name, argument = command_parts(text)
            command = self.commands.get(name)
            metrics.routed(f"/{name}" if command is not None else "/unknown")
            if command is None:
                await features.guide.unknown_command(turn)
            else:
                await command(turn, argument.strip())
        elif features.tone.answers_prompt(turn.incoming):
            await features.tone.reply_checked(turn, text)
        elif features.reminders.answers_zone_question(
            turn, text, expecting_detail=features.guide.wants_detail(turn)
        ):
            await features.reminders.time_zone(turn, text)
        elif not features.guide.wants_detail(turn) and tone_views.looks_like_draft(text):
            await features.tone.offer(turn)
        else:
            await features.guide.text(turn, text)

    async def _button(self, turn: Turn) -> None:
        payload = buttons.decode(turn.incoming.data)
        handler = self.buttons.get(payload.action) if payload is not None else None
        metrics.routed(
            f"button:{ACTION_NAMES.get(payload.action, 'other')}" if payload is not None else "button:stale"
        )
        if payload is None or handler is None:
            await self.features.guide.tap(turn, payload)
        else:
            await handler(turn, payload)


_COMMAND = re.compile(r"/(\S*)\s*(.*)", re.S)


def command_parts(text: str) -> tuple[str, str]:
    r"""'/check@bot Dear Sam,\n...' -> ('check', 'Dear Sam,\n...'): the name ends at any space
    or line break, so a text pasted on the line below a command is its argument."""
    match = _COMMAND.match(text)
    assert match is not None  # any text starting with "/" matches
    return match.group(1).partition("@")[0].lower(), match.group(2)
