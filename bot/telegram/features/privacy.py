"""A person's own data: /mydata shows it, /forget erases it (after a yes)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from bot.engine import Session, View
from bot.telegram.buttons import Payload
from bot.telegram.turns import Turn, Turns
from bot.telegram.views import mydata, share
from bot.telegram.views.html import Document, esc, plain
from bot.telegram.views.mydata import mydata_text
from bot.telegram.views.steps import forget_keyboard


class PrivacyFeature:
    def __init__(self, turns: Turns) -> None:
        self.turns = turns

    async def forget(self, turn: Turn, argument: str) -> None:
        """/forget: ask first."""
        catalog = self.turns.catalog(turn)
        await self.turns.reply(
            turn, plain(catalog.text("ui.tg_forget_confirm"), forget_keyboard(turn.session, catalog))
        )

    async def mydata(self, turn: Turn, argument: str) -> None:
        """/mydata: everything stored about the person, in plain words, as one text file."""
        if not await self.turns.record(turn):
            return
        exported = await self.turns.store.export_user(turn.person)
        catalog = self.turns.catalog(turn)
        followers = {
            flow_id: (guide.flow, guide.catalog(catalog.language))
            for flow_id, guide in self.turns.guide.followers.items()
        }
        text = mydata_text(
            exported, self.turns.guide.flow, catalog, time.time(), self._share_link, self._view_of, followers
        )
        caption = esc(catalog.text("ui.tg_mydata_caption"))
        await self.turns.send(turn, [Document(mydata.FILENAME, text, caption)])

    def _share_link(self, code: str) -> str:
        return share.deep_link(self.turns.messenger.username, share.share_parameter(code))

    def _view_of(self, stored: Mapping[str, Any]) -> View | None:
        """Where a stored guide stands; None when it is unreadable or of an older flow."""
        try:
            session = Session.from_dict(dict(stored))
        except (KeyError, TypeError, ValueError):
            return None
        guide = self.turns.guides.get(session.flow)
        if guide is None or session.flow_version != guide.flow.version:
            return None
        if session.state not in guide.machine.states:
            return None
        return guide.view(session)

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
