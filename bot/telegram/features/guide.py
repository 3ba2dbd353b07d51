"""The guide in the chat: /start, /restart, /back, /cancel, /help, typed details, stray
messages and the buttons that move the guide."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.engine import (
    Answer,
    Back,
    ChangeAnswer,
    ChangeView,
    DetailView,
    Event,
    GiveDetail,
    Proceed,
    Restart,
    ResultView,
    Revise,
    SkipDetail,
    View,
)
from bot.telegram.buttons import Act, Payload
from bot.telegram.turns import Turn, Turns
from bot.telegram.views.html import plain
from bot.telegram.views.steps import midway_keyboard

log = logging.getLogger(__name__)


class GuideFeature:
    """Moves the guide; every move is one durable turn (turns.py)."""

    def __init__(
        self,
        turns: Turns,
        help_lines: Sequence[tuple[str, str]] = (),
        open_link: Callable[[Turn, str], Awaitable[bool]] | None = None,
    ) -> None:
        self.turns = turns
        self.help_lines = tuple(help_lines)
        """(command, text key) pairs listed under /help, from the registry."""
        self.open_link = open_link
        """Opens what a /start parameter links to (a shared plan); False when it links nowhere."""

    async def start(self, turn: Turn, argument: str) -> None:
        if argument and self.open_link is not None and await self.open_link(turn, argument):
            return
        if argument:
            log.debug("chat %s started from %r", turn.chat_id, argument[:64])
        session = turn.session
        if session is not None and session.step > 0 and not isinstance(turn.view, ResultView | ChangeView):
            catalog = self.turns.catalog(turn)  # in the middle of a guide: ask before starting over
            await self.turns.reply(
                turn, plain(catalog.text("ui.tg_start_midway"), midway_keyboard(session, catalog))
            )
            return
        await self.turns.begin(turn, welcome=True)

    async def restart(self, turn: Turn, argument: str) -> None:
        """Start over in the flow in progress (after_reply keeps the details it took over)."""
        guide = self.turns.guide_for(turn.session) if turn.session is not None else None
        await self.turns.begin(turn, welcome=turn.session is None, guide=guide)

    async def own_guide(self, turn: Turn, payload: Payload) -> None:
        """ "Start my own guide" under a shared plan."""
        await self.turns.answer(turn)
        await self.turns.begin(turn, welcome=turn.session is None)

    async def back(self, turn: Turn, argument: str) -> None:
        if turn.session is None:
            await self.no_guide(turn)
            return
        await self.turns.move(turn, Back(), invalid_notice="ui.tg_cannot_go_back")

    async def help(self, turn: Turn, argument: str) -> None:
        await self.turns.reply(turn, plain(self.help_text(turn)))

    def help_text(self, turn: Turn) -> str:
        catalog = self.turns.catalog(turn)
        lines = [f"/{name} – {catalog.text(key)}" for name, key in self.help_lines]
        return "\n".join([catalog.text("ui.tg_help"), "", *lines]) if lines else catalog.text("ui.tg_help")

    async def unknown_command(self, turn: Turn) -> None:
        catalog = self.turns.catalog(turn)
        text = catalog.text("ui.tg_unknown_command") + "\n\n" + self.help_text(turn)
        await self.turns.reply(turn, plain(text))

    async def cancel(self, turn: Turn, argument: str) -> None:
        catalog = self.turns.catalog(turn)
        if turn.session is None:
            await self.no_guide(turn)
            return
        if await self.turns.end(turn):
            await self.turns.send(turn, plain(catalog.text("ui.tg_cancelled")))

    async def no_guide(self, turn: Turn) -> None:
        await self.turns.reply(turn, plain(self.turns.catalog(turn).text("ui.tg_no_guide")))

    # ---- what a typed text or another message means here ------------------------------------

    def wants_detail(self, turn: Turn) -> bool:
        return isinstance(turn.view, DetailView)

    async def text(self, turn: Turn, text: str) -> None:
        """A typed text that is no command: the detail asked for, or a nudge to the buttons."""
        if turn.session is None:
            await self.no_guide(turn)
        elif turn.delivery_pending:  # the person never saw this step: their words answer nothing
            await self.turns.show_again(turn, self.turns.catalog(turn).text("ui.tg_step_again"))
        elif written_before_the_step(turn):
            # Typed before the step came (it is on screen now, below): not its answer, and no
            # reply either (one per such message would bury the step under copies of itself).
            await self.turns.record(turn)
        elif self.wants_detail(turn):
            await self.turns.move(turn, GiveDetail(text))
        else:
            await self.turns.show_again(turn, self.turns.catalog(turn).text("ui.tg_use_buttons"))

    async def not_text(self, turn: Turn) -> None:
        """A sticker, photo, voice note...: a hint, never an error."""
        catalog = self.turns.catalog(turn)
        if turn.session is None:
            await self.no_guide(turn)
        elif self.wants_detail(turn):
            await self.turns.show_again(turn, catalog.text("ui.tg_text_only_detail"))
        else:
            await self.turns.show_again(turn, catalog.text("ui.tg_text_only"))

    async def tap(self, turn: Turn, payload: Payload | None) -> None:
        """A button of the guide's current step (anything else is stale)."""
        session = turn.session
        if session is None:
            await self.turns.stale(turn, "ui.tg_stale_no_guide")
            return
        if payload is None or not stamped_now(turn, payload):
            await self.turns.stale(turn, "ui.tg_stale")
            return
        assert turn.view is not None
        await self.turns.reconcile(turn)
        if payload.action == Act.CONTINUE:
            await self.turns.show_again(turn, None)
            return
        event = event_for(payload.action, payload.argument, turn.view)
        if event is None:
            await self.turns.stale(turn, "ui.tg_stale")
            return
        await self.turns.move(turn, event, stale_if_invalid=True)


def written_before_the_step(turn: Turn) -> bool:
    """A message older than the one showing the step (ids in a private chat only grow): typed
    before the step was on screen, so not an answer to it ("hello?" while the bot was slow)."""
    record, typed = turn.record, turn.incoming.message_id
    return (
        record is not None
        and record.message_id is not None
        and typed is not None
        and typed < record.message_id
    )


def stamped_now(turn: Turn, payload: Payload) -> bool:
    """Whether the button was made for the session's current step."""
    session = turn.session
    return session is not None and (payload.flow_version, payload.run, payload.step) == (
        session.flow_version,
        session.run,
        session.step,
    )


def event_for(action: str, argument: str, view: View) -> Event | None:
    """The engine event a button stands for, or None for an action we do not know."""
    if action == Act.ANSWER:
        return Answer(argument)
    if action == Act.KEEP:
        if isinstance(view, DetailView) and view.current:
            return GiveDetail(view.current)
        return None
    if action == Act.REVISE:
        return Revise(argument)
    simple: dict[str, Event] = {
        Act.SKIP: SkipDetail(),
        Act.PROCEED: Proceed(),
        Act.BACK: Back(),
        Act.RESTART: Restart(),
        Act.CHANGE: ChangeAnswer(),
    }
    return simple.get(action)
