"""A person's own data: /mydata shows it, /forget erases it (after a yes)."""

from __future__ import annotations

from bot.telegram.buttons import Payload
from bot.telegram.turns import Turn, Turns
from bot.telegram.views import files
from bot.telegram.views.html import Document, esc, plain
from bot.telegram.views.steps import forget_keyboard


class PrivacyFeature:
    def __init__(self, turns: Turns) -> None:
        self.turns = turns

    async def forget(self, turn: Turn, argument: str) -> None:
        """/forget: ask first."""
        catalog = self.turns.catalog(turn)
        await self.turns.reply(turn, plain(catalog.text("ui.tg_forget_confirm"),
                                           forget_keyboard(turn.session, catalog)))

    async def mydata(self, turn: Turn, argument: str) -> None:
        """/mydata: everything stored about the person, as a file."""
        if not await self.turns.record(turn):
            return
        exported = await self.turns.store.export_user(turn.person)
        caption = esc(self.turns.catalog(turn).text("ui.tg_mydata_caption"))
        await self.turns.send(turn, [Document("my-data.json", files.mydata_json(exported), caption)])

    async def erase(self, turn: Turn, payload: Payload) -> None:
        await self._answered(turn, erase=True)

    async def keep(self, turn: Turn, payload: Payload) -> None:
        await self._answered(turn, erase=False)

    async def _answered(self, turn: Turn, erase: bool) -> None:
        catalog = self.turns.catalog(turn)
        if not await self.turns.record(turn):
            return
        if erase:
            await self.turns.close_current(turn)
            await self.turns.store.forget_user(turn.person)
        await self.turns.answer(turn)
        text = catalog.text("ui.tg_forgotten" if erase else "ui.tg_forget_kept")
        assert turn.incoming.tapped_id is not None
        await self.turns.edit(turn, turn.incoming.tapped_id, esc(text))
