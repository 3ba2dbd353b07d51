"""After they reply, in the chat: "They replied" (under a result, on each /reminders entry,
and "Did they reply? → Yes" on a due reminder) and /replied ask what the employer said; the
answer runs the after_reply flow on the person's latest result, reusing its details.

The question's buttons are stamped with the chat's next guide run: the first tap starts the
flow (committed with the update's id, like any step), and from then on every copy of the
question is stale, as an old step's buttons are. So a double tap or a redelivered update
starts nothing twice. The outcome is stored with the result it answers when its plan is
committed (turns.py).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.engine import Answer, Guide, QuestionView
from bot.engine.model import Catalog
from bot.storage import SavedResult
from bot.telegram.buttons import Act, Payload
from bot.telegram.turns import Turn, Turns
from bot.telegram.views.html import CHOSEN, Outgoing, Text, esc, plain

AFTER_REPLY = "after_reply"
"""The flow (flows/after_reply.yaml) that follows the first one's result."""


class AfterReplyFeature:
    """/replied and the "They replied" buttons."""

    def __init__(self, turns: Turns) -> None:
        self.turns = turns
        self.guide: Guide | None = turns.guide.followers.get(AFTER_REPLY)

    @property
    def available(self) -> bool:
        """False with a FLOWS_DIR that has no after_reply flow: no buttons, and /replied says so."""
        return self.guide is not None

    async def command(self, turn: Turn, argument: str) -> None:
        """/replied: what did they say? About the latest result, at any time."""
        await self.turns.reply(turn, await self.question(turn))

    async def on_button(self, turn: Turn, payload: Payload) -> None:
        if not payload.argument:  # "They replied", under a result or on a /reminders entry
            await self.turns.reply(turn, await self.question(turn))
        else:
            await self._answered(turn, payload)

    # ---- the question, and its answer ---------------------------------------------------------

    async def question(self, turn: Turn) -> list[Outgoing]:
        """ "What did they say?" with one button per reply, headed by the result it is about;
        without a result, why not and a way to start the guide."""
        saved = await self._latest(turn)
        if self.guide is None or saved is None:
            catalog = self.turns.catalog(turn)
            start = InlineKeyboardButton(
                catalog.text("ui.tg_own_guide"), callback_data=Payload(0, 0, 0, Act.OWN_GUIDE).encode()
            )
            return plain(catalog.text("ui.tg_replied_no_result"), InlineKeyboardMarkup([[start]]))
        guide, run = self.guide, _next_run(turn)
        view = guide.view(guide.new_session(saved.language, run=run))
        assert isinstance(view, QuestionView)
        catalog = guide.catalog(saved.language)
        rows = [
            [
                InlineKeyboardButton(
                    choice.label,
                    callback_data=Payload(guide.flow.version, run, 0, Act.REPLIED, choice.value).encode(),
                )
            ]
            for choice in view.choices
        ]
        return [Text(self._question_html(saved, view, catalog), InlineKeyboardMarkup(rows))]

    async def _answered(self, turn: Turn, payload: Payload) -> None:
        """A tap on one reply: start the flow with it, on the latest result's details."""
        turns, guide = self.turns, self.guide
        if guide is None:
            await turns.stale(turn, "ui.tg_stale")
            return
        options = guide.flow.question(guide.flow.start).options
        current = (guide.flow.version, _next_run(turn), 0)
        if (payload.flow_version, payload.run, payload.step) != current or payload.argument not in options:
            await turns.stale(turn, "ui.tg_stale")
            return
        saved = await self._latest(turn)
        if saved is None:  # erased (/forget) since the question was asked
            await turns.reply(turn, await self.question(turn))
            return
        fresh = guide.new_session(saved.language, run=payload.run, carried=saved.details)
        question = guide.view(fresh)
        moved = guide.handle(fresh, Answer(payload.argument))
        if not await turns.commit(turn, moved.session, moved.view):
            await turns.redelivered(turn)
            return
        await turns.answer(turn)
        assert turn.incoming.tapped_id is not None and isinstance(question, QuestionView)
        catalog = guide.catalog(saved.language)
        label = next(choice.label for choice in question.choices if choice.value == payload.argument)
        answered = f"{self._question_html(saved, question, catalog)}\n{CHOSEN} <b>{esc(label)}</b>"
        await turns.edit(turn, turn.incoming.tapped_id, answered)
        await turns.show(turn, moved.session, moved.view, close=True)

    # ---- helpers ----------------------------------------------------------------------------------

    async def _latest(self, turn: Turn) -> SavedResult | None:
        """The person's latest result, if it is one of the flow the reply answers."""
        first = self.turns.guide.flow
        saved = await self.turns.store.load_result(turn.person)
        if saved is None or saved.flow != first.id or saved.flow_version != first.version:
            return None
        return saved

    def _question_html(self, saved: SavedResult, view: QuestionView, catalog: Catalog) -> str:
        plan = self.turns.guide.plan_for(saved.answers, saved.details, saved.language)
        about = ", ".join(value for key in ("company", "role") if (value := saved.details.get(key)))
        what = f"{plan.actions[0].title} ({about})" if about else plan.actions[0].title
        head = f"<i>{esc(catalog.text('ui.tg_replied_about', what=what))}</i>"
        hint = f"\n<i>{esc(view.hint)}</i>" if view.hint else ""
        return f"{head}\n\n<b>{esc(view.text)}</b>{hint}"


def _next_run(turn: Turn) -> int:
    """The run the flow will have when the question is answered: one past the chat's last."""
    return (turn.record.runs if turn.record else 0) + 1
