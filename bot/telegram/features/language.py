"""/language: the person picks the language the bot speaks to them (kept with their chat).

Without a choice the bot follows Telegram's language setting when it speaks that language,
and otherwise answers in the first declared one, with a one-line offer to switch.
"""

from __future__ import annotations

import dataclasses

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.buttons import Act, Payload
from bot.telegram.turns import Turn, Turns
from bot.telegram.views.html import plain


class LanguageFeature:
    def __init__(self, turns: Turns) -> None:
        self.turns = turns

    async def command(self, turn: Turn, argument: str) -> None:
        """/language shows one button per language; /language es switches at once."""
        code = argument.strip().lower()
        if code in self.turns.guide.catalogs:
            await self._switch(turn, code)
            return
        catalog = self.turns.catalog(turn)
        await self.turns.reply(turn, plain(catalog.text("ui.tg_language_prompt"), self.keyboard(turn)))

    async def on_button(self, turn: Turn, payload: Payload) -> None:
        if payload.argument not in self.turns.guide.catalogs:
            await self.turns.answer(turn, self.turns.catalog(turn).text("ui.tg_stale"))
            return
        await self._switch(turn, payload.argument)

    def keyboard(self, turn: Turn) -> InlineKeyboardMarkup:
        """Each language named in its own words, so anyone can find theirs."""
        stamp = self.turns.stamp(turn)
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        catalog.text("ui.tg_language_name"),
                        callback_data=Payload(*stamp, Act.LANGUAGE, code).encode(),
                    )
                    for code, catalog in self.turns.guide.catalogs.items()
                ]
            ]
        )

    async def _switch(self, turn: Turn, code: str) -> None:
        """Keep the choice, carry the guide in progress over, and say so in the new language."""
        await self.turns.store.save_preferences(turn.chat_id, turn.user_id, language=code)
        catalog = self.turns.guide.catalog(code)
        session = turn.session
        if session is None or session.language == code:
            await self.turns.reply(turn, plain(catalog.text("ui.tg_language_set")))
            return
        moved = dataclasses.replace(session, language=code)
        await self.turns.resume_in(turn, moved, catalog.text("ui.tg_language_set"))
