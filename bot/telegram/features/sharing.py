"""Sharing and export: /share, /export, share links opened with /start, inline mode, and the
Export and "Start my own guide" buttons.

Everything works from the person's latest result, stored by user (inline queries come from a
user, not a chat), so it keeps working after a restart or once they begin a new guide.
"""

from __future__ import annotations

import logging
import time

from telegram import InlineQuery

from bot.engine import Plan
from bot.engine.decide import path_answers
from bot.storage import SavedResult, SharedPath
from bot.telegram.buttons import Payload
from bot.telegram.throttle import MissBudget, Verdict
from bot.telegram.turns import Turn, Turns
from bot.telegram.views import share
from bot.telegram.views.export import eml_documents, export_documents
from bot.telegram.views.html import plain

log = logging.getLogger(__name__)


class SharingFeature:
    def __init__(self, turns: Turns) -> None:
        self.turns = turns
        self.guide = turns.guide
        self.store = turns.store
        self.misses = MissBudget()
        """Share-code guesses per chat: a few misses, then a refusal (no write, no log line)."""

    # ---- the latest result ---------------------------------------------------------------

    async def latest(self, person: int) -> SavedResult | None:
        """The latest result, if it still fits the running flow (an older flow's answers may not)."""
        saved = await self.store.load_result(person)
        if saved is None or not self._current(saved.flow, saved.flow_version):
            return None
        return saved

    def _current(self, flow: str, version: int) -> bool:
        return flow == self.guide.flow.id and version == self.guide.flow.version

    def _path(self, answers: dict[str, str], language: str) -> list[tuple[str, str]]:
        return share.answer_path(self.guide.flow, answers, self.guide.catalog(language))

    def _summary(self, answers: dict[str, str], language: str) -> Plan:
        """The plan from the answers alone: no details, so no names or company can leak."""
        return self.guide.plan_for(answers, {}, language)

    # ---- commands and buttons ---------------------------------------------------------------

    async def share(self, turn: Turn, argument: str) -> None:
        """/share: a share link for the latest result, with the chat picker beside it."""
        if not await self.turns.record(turn):
            return
        catalog = self.turns.catalog(turn)
        saved = await self.latest(turn.person)
        if saved is None:
            await self.turns.send(turn, plain(catalog.text("ui.tg_no_result")))
            return
        shared = await self.store.add_share(
            SharedPath(
                code=share.new_code(),
                user_id=saved.user_id,
                flow=saved.flow,
                flow_version=saved.flow_version,
                language=saved.language,
                answers=path_answers(self.guide.flow, saved.answers),
                created_at=int(time.time()),
            )
        )
        link = share.deep_link(self.turns.messenger.username, share.share_parameter(shared.code))
        await self.turns.send(turn, share.share_message(catalog, link))

    async def export(self, turn: Turn, argument: str) -> None:
        """/export and the Export button: the latest result as one document that opens anywhere."""
        saved = await self._latest_for(turn)
        if saved is None:
            return
        catalog = self.guide.catalog(saved.language)
        plan = self.guide.plan_for(saved.answers, saved.details, saved.language)
        path = self._path(saved.answers, saved.language)
        await self.turns.send(turn, export_documents(plan, path, catalog))

    async def export_button(self, turn: Turn, payload: Payload) -> None:
        await self.export(turn, "")

    async def eml_button(self, turn: Turn, payload: Payload) -> None:
        """The export's button: each email draft as an .eml file (opens as an unsent email)."""
        saved = await self._latest_for(turn)
        if saved is None:
            return
        catalog = self.guide.catalog(saved.language)
        plan = self.guide.plan_for(saved.answers, saved.details, saved.language)
        await self.turns.send(turn, eml_documents(plan, catalog))

    async def _latest_for(self, turn: Turn) -> SavedResult | None:
        """The latest result for a turn that sends it; None (having said so) when there is none."""
        if not await self.turns.record(turn):
            return None
        await self.turns.answer(turn)
        saved = await self.latest(turn.person)
        if saved is None:
            await self.turns.send(turn, plain(self.turns.catalog(turn).text("ui.tg_no_result")))
        return saved

    async def open_link(self, turn: Turn, argument: str) -> bool:
        """/start with a share link's parameter: show the shared path. False: not a share link."""
        code = share.code_from_start(argument)
        if code is None:
            return False
        catalog = self.turns.catalog(turn)
        if not self.misses.allows(turn.chat_id):  # guessing: neither a lookup nor a write
            if self.misses.miss(turn.chat_id) is Verdict.REFUSED:
                await self.turns.send(turn, plain(catalog.text("ui.tg_share_throttled")))
            return True
        shared = await self.store.load_share(code)
        known = shared is not None and self._current(shared.flow, shared.flow_version)
        if not known:
            self.misses.miss(turn.chat_id)
        if not await self.turns.record(turn):
            return True
        if shared is None or not known:
            log.debug("an unknown or revoked share link was opened")
            await self.turns.send(turn, share.unknown_share_messages(catalog))
            return True
        language = catalog.language
        plan = self._summary(shared.answers, language)
        path = self._path(shared.answers, language)
        await self.turns.send(turn, share.shared_messages(plan, path, catalog))
        return True

    # ---- inline mode ----------------------------------------------------------------------

    async def inline_query(self, query: InlineQuery) -> None:
        """@bot in any chat: the person's latest plan as articles, or an invitation to start."""
        # Read-only, and sent on every keystroke: no update record (and no fsync) per query. A
        # redelivered query is answered again, and Telegram refuses that harmlessly.
        user = query.from_user
        saved = await self.latest(user.id)
        username = self.turns.messenger.username
        if saved is None:
            catalog = self.guide.catalog((user.language_code or "").split("-")[0].lower())
            results = share.inline_start_results(catalog, username)
            button = share.inline_start_button(catalog)
        else:
            catalog = self.guide.catalog(saved.language)
            summary = self._summary(saved.answers, saved.language)
            full = self.guide.plan_for(saved.answers, saved.details, saved.language)
            path = self._path(saved.answers, saved.language)
            results = share.inline_plan_results(summary, full, path, catalog, username, saved.saved_at)
            button = None
        await self.turns.messenger.answer_inline(
            query.id, results, cache_time=share.INLINE_CACHE_SECONDS, button=button
        )
