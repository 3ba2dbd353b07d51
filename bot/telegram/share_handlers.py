"""Sharing and export in the conversation: /share, /export, share links opened with /start,
inline mode, and the Export and "Start my own guide" buttons.

Everything works from the person's latest result, stored by user (inline queries come from a
user, not a chat), so it keeps working after a restart or once they begin a new guide.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from telegram import Update
from telegram.error import BadRequest

from bot.engine import Plan, Session
from bot.engine.decide import path_answers
from bot.storage import SavedResult, SharedPath
from bot.telegram import sharing
from bot.telegram.export import export_documents
from bot.telegram.render import Act, plain
from bot.telegram.throttle import MissBudget, Verdict

if TYPE_CHECKING:
    from bot.telegram.handlers import Context, Conversation, Incoming

log = logging.getLogger(__name__)


class Sharing:
    """The sharing half of a Conversation (it uses the conversation's guide, store and sends)."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.guide = conversation.guide
        self.store = conversation.store
        self.misses = MissBudget()
        """Share-code guesses per chat: a few misses, then a refusal (no write, no log line)."""

    # ---- the latest result ---------------------------------------------------------------

    async def remember(self, user_id: int, session: Session) -> None:
        """Keep the session's result as the person's latest (called as the result is shown)."""
        await self.store.save_result(SavedResult(
            user_id=user_id, flow=session.flow, flow_version=session.flow_version,
            language=session.language, answers=dict(session.answers), details=dict(session.details),
            saved_at=int(time.time()),
        ))

    async def _latest(self, user_id: int) -> SavedResult | None:
        """The latest result, if it still fits the running flow (an older flow's answers may not)."""
        saved = await self.store.load_result(user_id)
        if saved is None or not self._current(saved.flow, saved.flow_version):
            return None
        return saved

    def _current(self, flow: str, version: int) -> bool:
        return flow == self.guide.flow.id and version == self.guide.flow.version

    def _path(self, answers: dict[str, str], language: str) -> list[tuple[str, str]]:
        return sharing.answer_path(self.guide.flow, answers, self.guide.catalog(language))

    def _summary(self, answers: dict[str, str], language: str) -> Plan:
        """The plan from the answers alone: no details, so no names or company can leak."""
        return self.guide.plan_for(answers, {}, language)

    # ---- commands and buttons ---------------------------------------------------------------

    async def share(self, turn: Incoming, argument: str) -> None:
        """/share: a share link for the latest result, with the chat picker beside it."""
        if not await self.store.record_update(turn.update_id, turn.chat_id):
            return
        catalog = self.conversation._catalog(turn)
        saved = await self._latest(_person(turn))
        if saved is None:
            await self.conversation._send(turn, plain(catalog.text("ui.tg_no_result")))
            return
        shared = await self.store.add_share(SharedPath(
            code=sharing.new_code(), user_id=saved.user_id, flow=saved.flow,
            flow_version=saved.flow_version, language=saved.language,
            answers=path_answers(self.guide.flow, saved.answers), created_at=int(time.time()),
        ))
        link = sharing.deep_link(turn.bot.username, sharing.share_parameter(shared.code))
        await self.conversation._send(turn, sharing.share_message(catalog, link))

    async def export(self, turn: Incoming, argument: str) -> None:
        """/export and the Export button: the latest result as plan.md, .eml and .txt files."""
        if not await self.store.record_update(turn.update_id, turn.chat_id):
            return
        await self.conversation._answer(turn)
        saved = await self._latest(_person(turn))
        if saved is None:
            catalog = self.conversation._catalog(turn)
            await self.conversation._send(turn, plain(catalog.text("ui.tg_no_result")))
            return
        catalog = self.guide.catalog(saved.language)
        plan = self.guide.plan_for(saved.answers, saved.details, saved.language)
        documents = export_documents(plan, self._path(saved.answers, saved.language), catalog)
        await self.conversation._send(turn, list(documents))

    async def on_button(self, turn: Incoming, action: str) -> None:
        if action == Act.EXPORT:
            await self.export(turn, "")
        else:  # Act.OWN_GUIDE
            await self.conversation._answer(turn)
            await self.conversation._begin(turn, welcome=turn.session is None)

    async def open_link(self, turn: Incoming, argument: str) -> bool:
        """/start with a share link's parameter: show the shared path. False: not a share link."""
        code = sharing.code_from_start(argument)
        if code is None:
            return False
        catalog = self.guide.catalog(turn.language)
        if not self.misses.allows(turn.chat_id):  # guessing: neither a lookup nor a write
            if self.misses.miss(turn.chat_id) is Verdict.REFUSED:
                await self.conversation._send(turn, plain(catalog.text("ui.tg_share_throttled")))
            return True
        shared = await self.store.load_share(code)
        known = shared is not None and self._current(shared.flow, shared.flow_version)
        if not known:
            self.misses.miss(turn.chat_id)
        if not await self.store.record_update(turn.update_id, turn.chat_id):
            return True
        if shared is None or not known:
            log.debug("an unknown or revoked share link was opened")
            await self.conversation._send(turn, sharing.unknown_share_messages(catalog))
            return True
        language = catalog.language
        plan = self._summary(shared.answers, language)
        await self.conversation._send(
            turn, sharing.shared_messages(plan, self._path(shared.answers, language), catalog)
        )
        return True

    # ---- inline mode ----------------------------------------------------------------------

    async def on_inline_query(self, update: Update, context: Context) -> None:
        """@bot in any chat: the person's latest plan as articles, or an invitation to start."""
        query = update.inline_query
        assert query is not None
        # Read-only, and sent on every keystroke: no update record (and no fsync) per query. A
        # redelivered query is answered again, and Telegram refuses that harmlessly.
        user = query.from_user
        saved = await self._latest(user.id)
        username = context.bot.username
        if saved is None:
            catalog = self.guide.catalog((user.language_code or "").split("-")[0].lower())
            results = sharing.inline_start_results(catalog, username)
            button = sharing.inline_start_button(catalog)
        else:
            catalog = self.guide.catalog(saved.language)
            summary = self._summary(saved.answers, saved.language)
            full = self.guide.plan_for(saved.answers, saved.details, saved.language)
            path = self._path(saved.answers, saved.language)
            results = sharing.inline_plan_results(summary, full, path, catalog, username, saved.saved_at)
            button = None
        try:
            await query.answer(results, cache_time=sharing.INLINE_CACHE_SECONDS, is_personal=True,
                               button=button)
        except BadRequest as error:  # "query is too old": the person has moved on
            log.debug("inline query %s not answered: %s", query.id, error)


def _person(turn: Incoming) -> int:
    return turn.user_id if turn.user_id is not None else turn.chat_id
