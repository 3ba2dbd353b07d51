"""The durable turn: load the chat, let the engine decide, commit, show, record delivery.

Order matters for durability: the engine's new session is committed with the update's id (and,
when the step is a result, the person's latest result) in one transaction before anything is
sent; right before the step's first request leaves (after the chat's pacing) its send is
noted as begun (`-step`, no fsync), and the message showing it is recorded after it was sent. So:
- a redelivered update is ignored;
- a step committed but never sent (the process stopped in between, or while its send waited
  for its turn) is shown again at start-up (`show_undelivered`), and on the person's next update;
- a step whose send began but was never confirmed (the process stopped, or Telegram did not
  answer: `OutcomeUnknown`) may be on screen, so it is never sent again unasked (nor when
  Telegram delivers the update again): a tap on its buttons proves it arrived (`reconcile`),
  anything else the person sends shows it again; but a step shown by editing the tapped
  message in place is redone at start-up (an edit is safe to repeat), as are the messages of
  a step that had not left;
- while a step is undelivered, what the person types is never taken as its answer.

Features use `Turns` by its public methods; all sending goes through the Messenger.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from telegram import ForceReply, InlineKeyboardMarkup

from bot import metrics
from bot.engine import ChangeView, DetailView, Event, Guide, InvalidMove, Restart, ResultView, Session, View
from bot.engine.model import Catalog
from bot.storage import ChatRecord, SavedReply, SavedResult, SessionConflict, Store
from bot.telegram.http import OutcomeUnknown
from bot.telegram.incoming import Incoming, update_is_durable
from bot.telegram.messenger import ChatBlocked, Leaving, Messenger
from bot.telegram.views.html import Outgoing, Text, plain
from bot.telegram.views.steps import render_answered, render_closed, render_view

log = logging.getLogger(__name__)

CONFLICT_RETRIES = 5
"""A turn whose chat another replica wrote first is redone on the fresh session this often."""


@dataclass
class Turn:
    """One incoming update with what we know about its chat, for the length of its turn."""

    incoming: Incoming
    record: ChatRecord | None
    session: Session | None
    """The chat's guide session, None when there is none (or it belongs to an older flow)."""
    view: View | None
    """The session's current view, computed once for the turn (None without a session)."""
    answered: bool = field(default=False)
    """The tap was answered (a callback query is answered once)."""

    @property
    def update_id(self) -> int:
        return self.incoming.update_id

    @property
    def chat_id(self) -> int:
        return self.incoming.chat_id

    @property
    def user_id(self) -> int | None:
        return self.incoming.user_id

    @property
    def person(self) -> int:
        return self.incoming.person

    @property
    def delivery_pending(self) -> bool:
        """The session moved on, but the message showing its step never went out."""
        if self.session is None or self.record is None:
            return False
        return self.record.message_step != self.session.step

    @property
    def delivery_uncertain(self) -> bool:
        """Its step's send began but was never confirmed: maybe on screen, maybe not."""
        if self.session is None or self.record is None:
            return False
        return self.record.message_step == -self.session.step

    @property
    def on_screen(self) -> bool:
        """A tap on the message that shows the current step (delivered)."""
        record = self.record
        return (
            self.incoming.tapped_id is not None
            and record is not None
            and record.message_id == self.incoming.tapped_id
            and not self.delivery_pending
        )


class Turns:
    """The turn protocol on one Guide (with the guides of the flows that follow it, such as
    after_reply: a chat's session is in one of them), Store and Messenger."""

    def __init__(self, guide: Guide, store: Store, messenger: Messenger, *, crash_at: str = "") -> None:
        self.guide = guide
        self.guides = {guide.flow.id: guide, **guide.followers}
        self.store = store
        self.messenger = messenger
        self.crash_at = crash_at
        """Tests only (Settings.crash_at): "after-commit" kills the process before a step's send."""

    def guide_for(self, session: Session) -> Guide:
        """The guide of the session's flow: the first one, or one that follows it."""
        return self.guides[session.flow]

    # ---- loading --------------------------------------------------------------------------

    async def run(self, incoming: Incoming, work: Callable[[Turn], Awaitable[None]]) -> None:
        """Load the chat and run the turn, guarded. When another replica wrote the chat's
        session since it was loaded (nothing of this turn was stored or sent yet), the turn is
        loaded again and redone on the fresh session."""
        for attempt in range(1, CONFLICT_RETRIES + 1):
            turn = await self.load(incoming)
            try:
                await self.guarded(turn, work(turn), last_try=attempt == CONFLICT_RETRIES)
                return
            except SessionConflict:
                log.info("chat %s: another turn wrote the session first; turn redone", turn.chat_id)

    async def load(self, incoming: Incoming) -> Turn:
        record = await self.store.load_chat(incoming.chat_id)
        session = self._session_of(record)
        return Turn(incoming, record, session, self.guide_for(session).view(session) if session else None)

    def _session_of(self, record: ChatRecord | None) -> Session | None:
        if record is None or record.session is None:
            return None
        try:
            session = Session.from_dict(record.session)
        except (KeyError, TypeError, ValueError):
            log.warning("a chat has an unreadable session; starting afresh")
            return None
        # An older flow version keeps the answers that still fit (engine: Guide.resume).
        guide = self.guides.get(session.flow)
        return guide.resume(session) if guide is not None else None

    def language(self, turn: Turn) -> str:
        """The guide in progress keeps its language; else the person's /language choice; else
        Telegram's setting (Guide.catalog falls back to the first language it does not speak)."""
        if turn.session is not None:
            return turn.session.language
        chosen = turn.record.language if turn.record else None
        return chosen if chosen in self.guide.catalogs else turn.incoming.language

    def speaks_their_language(self, turn: Turn) -> bool:
        """They chose a language, or Telegram's setting is one the guide speaks."""
        chosen = turn.record.language if turn.record else None
        return chosen in self.guide.catalogs or turn.incoming.language in self.guide.catalogs

    def catalog(self, turn: Turn) -> Catalog:
        """The first flow's words in the person's language (the interface's are every flow's)."""
        return self.guide.catalog(self.language(turn))

    def stamp(self, turn: Turn) -> tuple[int, int, int]:
        """The session's (flow version, run, step) for a button, zeros without a session."""
        session = turn.session
        return (session.flow_version, session.run, session.step) if session else (0, 0, 0)

    async def guarded(self, turn: Turn, work: Awaitable[None], last_try: bool = True) -> None:
        """Run the turn; a blocked chat is marked, anything unexpected is told kindly (also a
        session conflict on the last try: the person's place is kept)."""
        try:
            await work
        except SessionConflict:
            if not last_try:
                raise
            await self._failed(turn)
        except ChatBlocked:
            log.info("a chat blocked the bot; marked inactive")
            await self.store.mark_blocked(turn.chat_id)
        except OutcomeUnknown:  # Telegram may have shown it: "something went wrong" could be a lie
            log.info("update %s: Telegram did not confirm a reply; not repeated", turn.update_id)
        except Exception as error:
            metrics.update_failed(error)
            log.exception("update %s failed", turn.update_id)
            await self._failed(turn)

    async def _failed(self, turn: Turn) -> None:
        """Tell the person something went wrong (nothing of the turn was committed)."""
        await self.answer(turn)
        try:
            await self.send(turn, plain(self.catalog(turn).text("ui.tg_error")))
        except ChatBlocked:
            log.warning("could not tell the chat of update %s about the failure", turn.update_id)
        except Exception:
            log.warning(
                "could not tell the chat of update %s about the failure", turn.update_id, exc_info=True
            )

    # ---- moving the guide -----------------------------------------------------------------

    async def begin(self, turn: Turn, *, welcome: bool, guide: Guide | None = None) -> None:
        """A fresh run of `guide` (the first one by default; a restart when one is in progress)."""
        guide = guide or self.guide
        if turn.session is not None:
            new = guide.handle(turn.session, Restart()).session
        else:
            runs = turn.record.runs if turn.record else 0
            new = guide.new_session(self.language(turn), run=runs + 1)
        view = guide.view(new)
        if not await self.commit(turn, new, view):
            await self.redelivered(turn)
            return
        if guide is self.guide:  # the funnel is the first guide's
            metrics.guide_moved(self.guide, turn.session, new, None)
        catalog = guide.catalog(new.language)
        welcome_text = catalog.text("ui.tg_welcome")
        if not self.speaks_their_language(turn):  # they may not know they can switch
            welcome_text += "\n\n" + self.guide.catalog(new.language).text("ui.tg_language_offer")
        before = plain(welcome_text) if welcome else []
        notice = None if welcome else catalog.text("ui.tg_restarted")
        await self.show(turn, new, view, before=before, notice=notice, close=True)

    async def move(
        self, turn: Turn, event: Event, *, stale_if_invalid: bool = False, invalid_notice: str | None = None
    ) -> None:
        """Apply one event, commit it with the update id, then show where it led."""
        session, before = turn.session, turn.view
        assert session is not None and before is not None
        guide = self.guide_for(session)
        try:
            moved = guide.handle(session, event)
        except InvalidMove as error:
            log.debug("chat %s: %s", turn.chat_id, error)
            if stale_if_invalid:
                await self.stale(turn, "ui.tg_stale")
            else:
                await self.show_again(turn, self.catalog(turn).text(invalid_notice or "ui.tg_use_buttons"))
            return
        if not await self.commit(turn, moved.session, moved.view):
            await self.redelivered(turn)
            return
        if guide is self.guide:  # the funnel is the first guide's
            metrics.guide_moved(self.guide, session, moved.session, event)
        accepted = moved.session.step != session.step
        catalog = guide.catalog(session.language)
        # A draft, once shown, stays: the result's message is never edited into another step.
        # A text prompt always comes as a new message: what is typed is its answer only when
        # written after it (a newer message id, see guide.written_before_the_step), and an edit
        # keeps the old id, so "hello?" typed while the bot was slow would pass for the answer.
        if turn.on_screen and not isinstance(before, ResultView) and not isinstance(moved.view, DetailView):
            answered = render_answered(before, event, catalog) if accepted else None
            await self._show_in_place(turn, moved.session, moved.view, answered)
            return
        await self.answer(turn)
        closed = render_closed(before, event, catalog) if accepted else None
        await self.show(turn, moved.session, moved.view, close=True, closed_html=closed)

    async def resume_in(self, turn: Turn, session: Session, notice: str) -> None:
        """The guide in progress, carried over as `session` (in another language, say): shown
        again below `notice`; the buttons of the message it replaces go stale."""
        moved = dataclasses.replace(session, step=session.step + 1)
        view = self.guide_for(moved).view(moved)
        if not await self.commit(turn, moved, view):
            await self.redelivered(turn)
            return
        await self.answer(turn)
        await self.show(turn, moved, view, notice=notice, close=True)

    async def end(self, turn: Turn) -> bool:
        """End the guide (the chat keeps its run counter); False when redelivered."""
        committed = await self.store.commit_turn(
            turn.update_id, turn.chat_id, turn.user_id, None, expected_version=self.expected_version(turn)
        )
        update_is_durable()
        if not committed:
            return False
        await self.close_current(turn)
        return True

    async def commit(self, turn: Turn, session: Session, view: View) -> bool:
        """The session, with the result it shows: the first flow's is kept for /share, inline
        mode and /export; a following flow's (after_reply) with the result it answers."""
        result = reply = None
        if isinstance(view, ResultView) and session.flow == self.guide.flow.id:
            result = SavedResult(
                user_id=turn.person,
                flow=session.flow,
                flow_version=session.flow_version,
                language=session.language,
                answers=dict(session.answers),
                details=dict(session.details),
                saved_at=int(time.time()),
            )
        elif isinstance(view, ResultView):
            reply = await self._reply_to_result(turn, session)
        committed = await self.store.commit_turn(
            turn.update_id,
            turn.chat_id,
            turn.user_id,
            session.to_dict(),
            result=result,
            reply=reply,
            expected_version=self.expected_version(turn),
        )
        update_is_durable()
        return committed

    @staticmethod
    def expected_version(turn: Turn) -> int:
        """The chat's version when the turn loaded it (0: a chat never seen): the session is
        written only if no other turn wrote it since."""
        return turn.record.version if turn.record is not None else 0

    async def _reply_to_result(self, turn: Turn, session: Session) -> SavedReply | None:
        """What they answered, with a copy of the latest result it answers (none: erased), and
        only the details new to this flow: the others are the result's own."""
        saved = await self.store.load_result(turn.person)
        if saved is None:
            return None
        new = {name: value for name, value in session.details.items() if saved.details.get(name) != value}
        return SavedReply(
            user_id=turn.person,
            result_flow=saved.flow,
            result_answers=dict(saved.answers),
            result_saved_at=saved.saved_at,
            flow=session.flow,
            flow_version=session.flow_version,
            language=session.language,
            run=session.run,
            answers=dict(session.answers),
            details=new,
            saved_at=int(time.time()),
        )

    async def show_again(self, turn: Turn, notice: str | None) -> None:
        """The current step once more, below a short notice (after a stray message)."""
        if not await self.record(turn):
            await self.redelivered(turn)
            return
        assert turn.session is not None and turn.view is not None
        await self.answer(turn)
        await self.show(turn, turn.session, turn.view, notice=notice, close=True)

    async def stale(self, turn: Turn, notice_key: str) -> None:
        """An old button: say so; if the current step never arrived, show it now."""
        if not await self.record(turn):
            await self.redelivered(turn)
            return
        await self.answer(turn, self.catalog(turn).text(notice_key))
        await self._show_if_undelivered(turn)

    async def redelivered(self, turn: Turn) -> None:
        """An update we processed before. Its query was answered then, so it is not again;
        but if what it led to was never sent (the process died first), show it now. A send
        that began may have arrived: Telegram sending the update again is not the person
        asking, so that step waits for them (or for the start-up's reconciling)."""
        log.debug("update %s was processed before; ignored", turn.update_id)
        if turn.delivery_uncertain:
            await self._send_unsent(turn)
        else:
            await self._show_if_undelivered(turn)

    async def _show_if_undelivered(self, turn: Turn) -> None:
        if turn.session is not None and turn.view is not None and turn.delivery_pending:
            await self.show(turn, turn.session, turn.view, close=True)

    # ---- replies that change no session ---------------------------------------------------

    async def record(self, turn: Turn) -> bool:
        """Record the update as processed (it changes no session); False when redelivered."""
        # Not "durable" for polling's early confirmation: what such a turn sends (a step shown
        # again, a notice) is not shown again at start-up, so Telegram must resend it if we die.
        return await self.store.record_update(turn.update_id, turn.chat_id)

    async def reply(self, turn: Turn, messages: Sequence[Outgoing]) -> None:
        """A reply that changes no session (help, notices)."""
        if not await self.record(turn):
            return
        await self.answer(turn)
        await self.send(turn, messages)

    # ---- showing --------------------------------------------------------------------------

    async def show(
        self,
        turn: Turn,
        session: Session,
        view: View,
        *,
        before: list[Outgoing] | None = None,
        notice: str | None = None,
        close: bool = False,
        closed_html: str | None = None,
    ) -> None:
        """Send the step as new messages. With `close`, the message of the step we leave is
        edited then (to `closed_html`, or only its buttons dropped when None)."""
        catalog = self.guide_for(session).catalog(session.language)
        shareable, can_reply = self.result_kind(session)
        messages = [
            *(before or []),
            *render_view(view, session, catalog, notice, shareable=shareable, can_reply=can_reply),
        ]
        leaving = self._leaving(turn, session, len(messages), first=len(before or []))
        message_id = await self.send(turn, messages, leaving=leaving)
        if message_id is not None:
            await self.store.record_delivery(turn.chat_id, message_id, session.step)
        if close:  # after the new step is out: a stop in between leaves the old one tappable
            await self.close_current(turn, closed_html)

    async def _show_in_place(self, turn: Turn, session: Session, view: View, answered: str | None) -> None:
        """Edit the tapped message into the next step (answering the tap meanwhile); a step of
        several messages continues below it. If the edit is refused, the step is sent anew."""
        assert turn.record is not None and turn.record.message_id is not None
        on_screen = turn.record.message_id
        catalog = self.guide_for(session).catalog(session.language)
        shareable, can_reply = self.result_kind(session)
        messages = render_view(
            view, session, catalog, answered=answered, shareable=shareable, can_reply=can_reply
        )
        first = messages[0]
        # Steps carry inline keyboards only (ForceReply belongs to the tone check's prompt).
        assert isinstance(first, Text) and not isinstance(first.keyboard, ForceReply)
        await self._sending(turn, session, unsent=len(messages) - 1, in_place=True)
        _, edited = await asyncio.gather(
            self.answer(turn), self.edit(turn, on_screen, first.html, first.keyboard)
        )
        if edited:
            sent = await self.send(
                turn, messages[1:], leaving=self._leaving(turn, session, len(messages) - 1)
            )
            message_id = sent if sent is not None else (on_screen if first.keyboard else None)
        else:
            message_id = await self.send(turn, messages, leaving=self._leaving(turn, session, len(messages)))
        if message_id is not None:
            await self.store.record_delivery(turn.chat_id, message_id, session.step)

    def result_kind(self, session: Session) -> tuple[bool, bool]:
        """Which buttons a result gets (shareable, can_reply): Share and Export, and "They
        replied" (when a flow follows), belong to the first flow's result; a following flow's
        result has neither."""
        first = session.flow == self.guide.flow.id
        return first, first and bool(self.guide.followers)

    async def _sending(
        self, turn: Turn, session: Session, unsent: int = 0, *, in_place: bool = False
    ) -> None:
        """As a message of a step goes out: note that its send has begun, how many of the
        step's messages are still to go after it, and whether it is an edit in place (see
        ChatRecord.message_step)."""
        if self.crash_at == "after-commit":  # tests only: die between the commit and the send
            os.kill(os.getpid(), signal.SIGKILL)
        message_id = turn.record.message_id if turn.record is not None else None
        await self.store.record_delivery(turn.chat_id, message_id, -session.step, unsent, in_place=in_place)

    def _leaving(self, turn: Turn, session: Session, count: int, *, first: int = 0) -> Leaving:
        """`_sending` as each of `count` messages leaves, from the step's own (index `first`;
        those before it, a welcome, are not the step). Paced sends wait (a second per message
        in a chat after a burst): a process stopped while one waits has not sent it, so it is
        sent at start-up."""

        async def leaving(index: int) -> None:
            if index >= first:
                await self._sending(turn, session, unsent=count - 1 - index)

        return leaving

    async def _send_unsent(self, turn: Turn) -> bool:
        """A step whose send was cut off: redo its edit in place, if it began with one (an edit
        is safe to repeat), and send its messages that never left (those that left are on
        screen, or may be: not sent again). False when there is nothing to redo or send."""
        record, session, view = turn.record, turn.session, turn.view
        if record is None or session is None or view is None or not turn.delivery_uncertain:
            return False
        in_place = record.message_in_place and record.message_id is not None
        if record.message_unsent <= 0 and not in_place:
            return False
        catalog = self.guide_for(session).catalog(session.language)
        shareable, can_reply = self.result_kind(session)
        messages = render_view(view, session, catalog, shareable=shareable, can_reply=can_reply)
        to_send = len(messages) - 1 if in_place else len(messages)  # the edit is not sent anew
        rest = messages[len(messages) - min(record.message_unsent, to_send) :]
        message_id = None
        if in_place:
            assert record.message_id is not None
            first = messages[0]
            assert isinstance(first, Text) and not isinstance(first.keyboard, ForceReply)
            if await self.edit(turn, record.message_id, first.html, first.keyboard):
                message_id = record.message_id if first.keyboard else None
            else:  # gone, or too old to edit: the step comes anew, whole
                rest = messages
        if rest:
            sent = await self.send(turn, rest, leaving=self._leaving(turn, session, len(rest)))
            message_id = sent if sent is not None else message_id
        if message_id is not None:
            await self.store.record_delivery(turn.chat_id, message_id, session.step)
        return True

    async def reconcile(self, turn: Turn) -> None:
        """A tap on the current step's own buttons proves that step reached the person, even if
        its send was never confirmed: from now on it is the message on screen."""
        record, session, tapped = turn.record, turn.session, turn.incoming.tapped_id
        if record is None or session is None or tapped is None or not turn.delivery_pending:
            return
        await self.store.record_delivery(turn.chat_id, tapped, session.step)
        turn.record = dataclasses.replace(record, message_id=tapped, message_step=session.step)

    async def show_undelivered(
        self,
        lock: Callable[[int], AbstractAsyncContextManager[None]],
        messenger: Messenger | None = None,
    ) -> int:
        """At start-up: show again each step committed but never sent (the process stopped in
        between, or while its send waited for its turn), through `messenger` (a background one:
        after interactive replies), and send the rest of a step of several messages cut off
        midway. What may have left is not sent again: it may be on screen."""
        quiet = Turns(self.guide, self.store, messenger or self.messenger)
        shown = 0
        for candidate in await self.store.undelivered_chats():
            async with lock(candidate.chat_id):  # after any update of that chat already running
                record = await self.store.load_chat(candidate.chat_id)
                session = self._session_of(record)
                if record is None or session is None or record.blocked or record.message_step == session.step:
                    continue
                view = self.guide_for(session).view(session)
                incoming = Incoming(
                    update_id=0, chat_id=record.chat_id, user_id=record.user_id, language=session.language
                )
                turn = Turn(incoming, record, session, view)
                try:
                    if turn.delivery_uncertain:
                        if not await quiet._send_unsent(turn):
                            continue
                    else:
                        await quiet.show(turn, session, view, close=True)
                    shown += 1
                except ChatBlocked:
                    await self.store.mark_blocked(record.chat_id)
                except Exception as error:  # noqa: BLE001 - one chat's trouble must not stop the rest
                    log.warning("a step could not be shown again at start-up: %s", error)
        if shown:
            log.info("%d undelivered steps shown again at start-up", shown)
        return shown

    async def close_current(self, turn: Turn, closed_html: str | None = None) -> None:
        """Take the buttons off the message showing the step we leave (and show the choice).
        A question asked by its buttons alone ("Which answer…?") goes with them."""
        record = turn.record
        if record is None or record.message_id is None:
            return
        # Tidying only: dropped when the bot-wide rate is full (the next step matters more, and
        # a tap on a button left behind is told it is from an earlier step).
        if closed_html is None and isinstance(turn.view, ChangeView) and not turn.delivery_pending:
            if await self.messenger.delete(turn.chat_id, record.message_id, droppable=True):
                return
        await self.messenger.edit(turn.chat_id, record.message_id, closed_html, droppable=True)

    async def send(
        self, turn: Turn, messages: Sequence[Outgoing], *, leaving: Leaving | None = None
    ) -> int | None:
        return await self.messenger.send(turn.chat_id, messages, leaving=leaving)

    async def edit(
        self, turn: Turn, message_id: int, html: str | None, keyboard: InlineKeyboardMarkup | None = None
    ) -> bool:
        return await self.messenger.edit(turn.chat_id, message_id, html, keyboard)

    async def answer(self, turn: Turn, text: str | None = None) -> None:
        """Answer the turn's tap, once."""
        query_id = turn.incoming.query_id
        if query_id is None or turn.answered:
            return
        turn.answered = True
        await self.messenger.answer(query_id, text)
