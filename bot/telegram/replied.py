"""After they reply, in the chat: "They replied" (under a result, on each /reminders entry,
and "Did they reply? → Yes" on a due reminder) and /replied ask what the employer said; the
answer runs the after_reply flow on the person's latest result, reusing its details.

Part of the Conversation (handlers.py), like reminders.py. The question's buttons are stamped
with the chat's next guide run: the first tap starts the flow (committed with the update's id),
and from then on every copy of the question is stale, as an old step's buttons are. So a
double tap or a redelivered update starts nothing twice. The outcome is stored with the
result it answers once its plan is shown (`remember`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Payload
from bot.engine import Answer, Guide, QuestionView, Session
from bot.engine.model import Catalog
from bot.storage import SavedReply, SavedResult
from bot.telegram.render import CHOSEN, Act, Outgoing, Text, esc, plain

if TYPE_CHECKING:
    from bot.telegram.handlers import Conversation, Incoming

AFTER_REPLY = "after_reply"
"""The flow (flows/after_reply.yaml) that follows the first one's result."""


class Replied:
    """/replied and the "They replied" buttons of one Conversation."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.guide: Guide | None = conversation.guide.followers.get(AFTER_REPLY)

    @property
    def available(self) -> bool:
        """False with a FLOWS_DIR that has no after_reply flow: no buttons, no command."""
        return self.guide is not None

    async def command(self, turn: Incoming, argument: str) -> None:
        """/replied: what did they say? About the latest result, at any time."""
        await self.conversation._reply(turn, await self.question(turn))

    async def on_button(self, turn: Incoming, payload: Payload) -> None:
        if not payload.argument:  # "They replied", under a result or on a /reminders entry
            await self.conversation._reply(turn, await self.question(turn))
        else:
            await self._answered(turn, payload)

    # ---- the question, and its answer ---------------------------------------------------------

    async def question(self, turn: Incoming) -> list[Outgoing]:
        """"What did they say?" with one button per reply, headed by the result it is about;
        without a result, why not and a way to start the guide."""
        guide = self._guide()
        saved = await self._latest(turn)
        if saved is None:
            catalog = guide.catalog(turn.session.language if turn.session else turn.language)
            start = InlineKeyboardButton(catalog.text("ui.tg_own_guide"),
                                         callback_data=Payload(0, 0, 0, Act.OWN_GUIDE).encode())
            return plain(catalog.text("ui.tg_replied_no_result"), InlineKeyboardMarkup([[start]]))
        run = _next_run(turn)
        view = guide.view(guide.new_session(saved.language, run=run))
        assert isinstance(view, QuestionView)
        catalog = guide.catalog(saved.language)
        rows = [[InlineKeyboardButton(choice.label, callback_data=Payload(
            guide.flow.version, run, 0, Act.REPLIED, choice.value).encode())] for choice in view.choices]
        return [Text(self._question_html(saved, view, catalog), InlineKeyboardMarkup(rows))]

    async def _answered(self, turn: Incoming, payload: Payload) -> None:
        """A tap on one reply: start the flow with it, on the latest result's details."""
        conversation, guide = self.conversation, self._guide()
        options = guide.flow.question(guide.flow.start).options
        current = (guide.flow.version, _next_run(turn), 0)
        if (payload.flow_version, payload.run, payload.step) != current or payload.argument not in options:
            await conversation._stale(turn, "ui.tg_stale")
            return
        saved = await self._latest(turn)
        if saved is None:  # erased (/forget) since the question was asked
            await conversation._reply(turn, await self.question(turn))
            return
        fresh = guide.new_session(saved.language, run=payload.run, carried=saved.details)
        question = guide.view(fresh)
        moved = guide.handle(fresh, Answer(payload.argument))
        if not await conversation.store.commit_turn(
            turn.update_id, turn.chat_id, turn.user_id, moved.session.to_dict()
        ):
            await conversation._redelivered(turn)
            return
        await conversation._answer(turn)
        assert turn.query is not None and turn.query.message is not None
        assert isinstance(question, QuestionView)
        catalog = guide.catalog(saved.language)
        label = next(choice.label for choice in question.choices if choice.value == payload.argument)
        answered = f"{self._question_html(saved, question, catalog)}\n{CHOSEN} <b>{esc(label)}</b>"
        await conversation._edit(turn, turn.query.message.message_id, answered)
        await conversation._show(turn, moved.session, moved.view, close=True)

    # ---- storing the outcome --------------------------------------------------------------------

    async def remember(self, person: int, session: Session) -> None:
        """Store what they answered with the result it answers (as its plan is shown). Only the
        details new to this flow are kept here: the others are the result's own."""
        saved = await self.conversation.store.load_result(person)
        if saved is None:
            return
        new = {name: value for name, value in session.details.items() if saved.details.get(name) != value}
        await self.conversation.store.save_reply(SavedReply(
            user_id=person, result_flow=saved.flow, result_answers=dict(saved.answers),
            result_saved_at=saved.saved_at, flow=session.flow, flow_version=session.flow_version,
            language=session.language, run=session.run, answers=dict(session.answers), details=new,
            saved_at=int(time.time()),
        ))

    # ---- helpers ----------------------------------------------------------------------------------

    def _guide(self) -> Guide:
        assert self.guide is not None, "registered only when the after_reply flow is loaded"
        return self.guide

    async def _latest(self, turn: Incoming) -> SavedResult | None:
        """The person's latest result, if it is one of the flow the reply answers."""
        first = self.conversation.guide.flow
        saved = await self.conversation.store.load_result(turn.user_id if turn.user_id is not None
                                                          else turn.chat_id)
        if saved is None or saved.flow != first.id or saved.flow_version != first.version:
            return None
        return saved

    def _question_html(self, saved: SavedResult, view: QuestionView, catalog: Catalog) -> str:
        plan = self.conversation.guide.plan_for(saved.answers, saved.details, saved.language)
        about = ", ".join(value for key in ("company", "role") if (value := saved.details.get(key)))
        what = f"{plan.actions[0].title} ({about})" if about else plan.actions[0].title
        head = f"<i>{esc(catalog.text('ui.tg_replied_about', what=what))}</i>"
        hint = f"\n<i>{esc(view.hint)}</i>" if view.hint else ""
        return f"{head}\n\n<b>{esc(view.text)}</b>{hint}"


def _next_run(turn: Incoming) -> int:
    """The run the flow will have when the question is answered: one past the chat's last."""
    return (turn.record.runs if turn.record else 0) + 1
