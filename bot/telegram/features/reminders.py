"""Follow-up reminders in the chat: "Remind me" on the result, the delay choices, /reminders
with Cancel, and the "Did they reply?" answers. Sending them when due is scheduler.py's job.

It uses the turn service (answer the tap once, send, edit, stale taps) and its store and guide.
Every change is committed in one transaction with the update's id, so a redelivered tap
changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from bot import metrics
from bot.engine import ResultView
from bot.engine.followup import DELAYS, Delay
from bot.engine.model import Catalog
from bot.engine.zones import COMMON_ZONES, at_work_hour, local_due, parse_zone, zone_info
from bot.storage import Reminder
from bot.telegram.buttons import Act, Payload
from bot.telegram.turns import Turn, Turns
from bot.telegram.views.html import Outgoing, Text, esc, plain
from bot.telegram.views.reminders import (
    CHECK_IN_LATER,
    CHECK_IN_LATER_DELAY,
    OUTCOMES,
    cancel_keyboard,
    check_in_content,
    check_in_later_keyboard,
    delays_keyboard,
    parse_id,
    parse_outcome,
    reminder_content,
    reminder_line,
    render_answered,
    when_words,
    zone_keyboard,
)

log = logging.getLogger(__name__)

MAX_LISTED = 20
"""/reminders shows at most this many (soonest first); nobody needs more."""


class RemindersFeature:
    """The reminder taps and /reminders."""

    def __init__(
        self,
        turns: Turns,
        clock: Callable[[], float] = time.time,
        ask_reply: Callable[[Turn], Awaitable[list[Outgoing]]] | None = None,
    ) -> None:
        self.turns = turns
        self.clock = clock
        self.ask_reply = ask_reply
        """"What did they say?" (features/after_reply.py), asked after "Did they reply? → Yes"
        and offered on each /reminders entry; None without that feature."""
        self.zone_questions = frozenset(
            catalog.text(key).strip()
            for catalog in turns.guide.catalogs.values()
            for key in ("ui.tg_zone_prompt", "ui.tg_zone_unknown")
        )
        """The messages that carry the zone picker, in every language: a reply to one is a zone."""

    async def command(self, turn: Turn, argument: str) -> None:
        """/reminders: each pending reminder with a Cancel button, or a word that there are none."""
        turns = self.turns
        catalog = turns.catalog(turn)
        pending = await turns.store.pending_reminders(turn.chat_id)
        if not pending:
            await turns.reply(turn, plain(catalog.text("ui.tg_reminders_none")))
            return
        now = self.clock()
        zone = self._zone(turn)
        messages: list[Outgoing] = [*plain(catalog.text("ui.tg_reminders_head"))]
        messages += [
            Text(
                reminder_line(reminder, self._catalog_of(reminder), now, zone),
                cancel_keyboard(reminder, self._catalog_of(reminder), self.ask_reply is not None),
            )
            for reminder in pending[:MAX_LISTED]
        ]
        await turns.reply(turn, messages)

    async def on_button(self, turn: Turn, payload: Payload) -> None:
        if payload.action == Act.OUTCOME:
            await self._outcome(turn, payload.argument)
        elif payload.action == Act.CANCEL_REMINDER:
            await self._cancel(turn, payload.argument)
        else:
            await self._on_result(turn, payload)

    # ---- from the result: Remind me, Other delays… ----------------------------------------------

    async def _on_result(self, turn: Turn, payload: Payload) -> None:
        turns, session = self.turns, turn.session
        if session is None:
            await turns.stale(turn, "ui.tg_stale_no_guide")
            return
        current = (session.flow_version, session.run, session.step)
        on_result = isinstance(turn.view, ResultView)
        if (payload.flow_version, payload.run, payload.step) != current or not on_result:
            await turns.stale(turn, "ui.tg_stale")
            return
        guide = turns.guide_for(session)
        catalog = guide.catalog(session.language)
        if payload.action == Act.DELAYS:
            await turns.reply(
                turn, plain(catalog.text("ui.tg_delays_prompt"), delays_keyboard(session, catalog))
            )
            return
        delay = DELAYS.get(payload.argument)
        if delay is None:
            await turns.stale(turn, "ui.tg_stale")
            return
        now = self.clock()
        content = reminder_content(guide.plan(session), catalog, delay)
        added = await self._add(turn, session.run, delay, session.language, content, now)
        if added is None:
            await turns.redelivered(turn)
            return
        from_result = turn.record is not None and turn.incoming.tapped_id == turn.record.message_id
        await self._confirm(turn, catalog, *added, now, in_place=not from_result)

    async def _add(
        self, turn: Turn, run: int, delay: Delay, language: str, content: dict[str, Any], now: float
    ) -> tuple[Reminder, bool] | None:
        """Store a reminder due `delay` after `now`, with this tap's update (None: redelivered):
        at 9:00 on a working day in the person's zone once we know it."""
        zone = self._zone(turn)
        start = datetime.fromtimestamp(now, UTC)
        due = local_due(delay, start, zone_info(zone)) if zone else delay.due(start)
        return await self.turns.store.add_reminder(
            turn.update_id,
            turn.chat_id,
            turn.user_id,
            run,
            delay.key,
            language,
            content,
            int(due.timestamp()),
        )

    async def _confirm(
        self, turn: Turn, catalog: Catalog, reminder: Reminder, created: bool, now: float, *, in_place: bool
    ) -> None:
        """Say when: in place of the delay choices, or in a new message (the result keeps its
        buttons)."""
        turns = self.turns
        await turns.answer(turn)
        key = "ui.tg_reminder_set" if created else "ui.tg_reminder_exists"
        zone = self._zone(turn)
        text = esc(catalog.text(key, date=when_words(reminder.due_at, catalog, now, zone)))
        assert turn.incoming.tapped_id is not None
        if in_place:
            await turns.edit(turn, turn.incoming.tapped_id, text)
        else:
            await turns.send(turn, [Text(text)])
        # Asked once, with the chat's first reminder; later ones say which zone their date is in.
        if created and zone is None and not await turns.store.had_reminder_before(turn.chat_id, reminder.id):
            await turns.send(turn, plain(catalog.text("ui.tg_zone_prompt"), zone_keyboard(catalog)))

    # ---- the person's time zone: a tap on the picker, a typed city, or /timezone Madrid -----------

    def answers_zone_question(self, turn: Turn, text: str, *, expecting_detail: bool) -> bool:
        """Whether a typed `text` (no command) is the person's time zone: a reply to the picker's
        message, or, unless the guide is waiting for a detail, a city or UTC offset on its own.
        A bare offset ("+1") counts only while the zone is unknown: it changes no zone set before."""
        replied = turn.incoming.replied
        if (
            replied is not None
            and replied.from_id == self.turns.messenger.bot_id
            and replied.text.strip() in self.zone_questions
        ):
            return True
        if expecting_detail or parse_zone(text) is None:
            return False
        return self._zone(turn) is None or any(char.isalpha() for char in text)

    async def time_zone(self, turn: Turn, argument: str) -> None:
        """/timezone shows the picker; /timezone <city or UTC offset> sets it."""
        catalog = self.turns.catalog(turn)
        if not argument.strip():
            await self.turns.reply(turn, plain(catalog.text("ui.tg_zone_prompt"), zone_keyboard(catalog)))
            return
        zone = parse_zone(argument)
        if zone is None:
            await self.turns.reply(turn, plain(catalog.text("ui.tg_zone_unknown"), zone_keyboard(catalog)))
            return
        await self._set_zone(turn, zone)

    async def on_zone(self, turn: Turn, payload: Payload) -> None:
        index = int(payload.argument) if payload.argument.isdigit() else -1
        if not 0 <= index < len(COMMON_ZONES):
            await self.turns.stale(turn, "ui.tg_stale")
            return
        await self._set_zone(turn, COMMON_ZONES[index])

    async def _set_zone(self, turn: Turn, zone: str) -> None:
        """Keep the zone and move the pending reminders to 9:00 of their day, their time."""
        turns = self.turns
        if not await turns.record(turn):
            await turns.redelivered(turn)
            return
        await turns.store.save_preferences(turn.chat_id, turn.user_id, time_zone=zone)
        info = zone_info(zone)
        for reminder in await turns.store.pending_reminders(turn.chat_id):
            moved = at_work_hour(datetime.fromtimestamp(reminder.due_at, UTC), info)
            await turns.store.move_reminder(turn.chat_id, reminder.id, int(moved.timestamp()))
        await turns.answer(turn)
        catalog = turns.catalog(turn)
        now = self.clock()
        local = datetime.fromtimestamp(now, info)
        text = catalog.text("ui.tg_zone_set", zone=zone, time=f"{local.hour}:{local.minute:02d}")
        if turn.incoming.tapped_id is not None:
            await turns.edit(turn, turn.incoming.tapped_id, esc(text))
        else:
            await turns.send(turn, plain(text))

    def _zone(self, turn: Turn) -> str | None:
        return turn.record.time_zone if turn.record else None

    # ---- weeks later: the answer to "Did they reply?", Cancel -------------------------------------

    async def _outcome(self, turn: Turn, argument: str) -> None:
        turns = self.turns
        parsed = parse_outcome(argument)
        if parsed is None:
            await turns.stale(turn, "ui.tg_stale")
            return
        reminder_id, letter = parsed
        reminder = await turns.store.get_reminder(reminder_id)
        if reminder is None or reminder.chat_id != turn.chat_id:
            await self._gone(turn)
            return
        catalog = self._catalog_of(reminder)
        if letter == CHECK_IN_LATER:
            await self._check_in_later(turn, reminder, catalog)
            return
        result = await turns.store.record_outcome(turn.update_id, turn.chat_id, reminder_id, OUTCOMES[letter])
        if result is None:
            await turns.redelivered(turn)
            return
        if result == "missing":
            await self._gone(turn, recorded=True)
            return
        if result == "already":
            await turns.answer(turn, catalog.text("ui.tg_outcome_already"))
            await self._drop_buttons(turn)
            return
        metrics.reply_outcome(OUTCOMES[letter])
        await turns.answer(turn)
        assert turn.incoming.tapped_id is not None
        answered = render_answered(reminder, catalog, letter)
        await turns.edit(turn, turn.incoming.tapped_id, answered)
        if letter == "y" and self.ask_reply is not None:
            await turns.send(turn, await self.ask_reply(turn))  # what did they say?
            return
        acknowledgement = {
            "y": "ui.tg_outcome_ack_yes",
            "n": "ui.tg_outcome_ack_no",
            "w": "ui.tg_outcome_ack_waiting",
        }[letter]
        keyboard = check_in_later_keyboard(reminder, catalog) if letter == "w" else None
        await turns.send(turn, plain(catalog.text(acknowledgement), keyboard))

    async def _check_in_later(self, turn: Turn, reminder: Reminder, catalog: Catalog) -> None:
        """After "no reply yet": one check-in, months later, made from the reminder itself."""
        turns = self.turns
        now = self.clock()
        delay = DELAYS[CHECK_IN_LATER_DELAY]
        content = check_in_content(catalog, str(reminder.payload.get("about", "")))
        added = await self._add(turn, reminder.run, delay, reminder.language, content, now)
        if added is None:
            await turns.redelivered(turn)
            return
        await self._drop_buttons(turn)
        await self._confirm(turn, catalog, *added, now, in_place=False)

    async def _cancel(self, turn: Turn, argument: str) -> None:
        turns = self.turns
        reminder_id = parse_id(argument)
        reminder = await turns.store.get_reminder(reminder_id) if reminder_id is not None else None
        if reminder is None or reminder.chat_id != turn.chat_id:
            await self._gone(turn)
            return
        catalog = self._catalog_of(reminder)
        cancelled = await turns.store.cancel_reminder(turn.update_id, turn.chat_id, reminder.id)
        if cancelled is None:
            await turns.redelivered(turn)
            return
        if not cancelled:
            await turns.answer(turn, catalog.text("ui.tg_reminder_not_pending"))
            await self._drop_buttons(turn)
            return
        await turns.answer(turn)
        date = when_words(reminder.due_at, catalog, self.clock(), self._zone(turn))
        assert turn.incoming.tapped_id is not None
        await turns.edit(
            turn, turn.incoming.tapped_id, esc(catalog.text("ui.tg_reminder_cancelled", date=date))
        )

    async def _gone(self, turn: Turn, recorded: bool = False) -> None:
        """A button of a reminder that no longer exists (forgotten) or is not this chat's."""
        turns = self.turns
        if not recorded and not await turns.store.record_update(turn.update_id, turn.chat_id):
            await turns.redelivered(turn)
            return
        await turns.answer(turn, turns.catalog(turn).text("ui.tg_reminder_gone"))
        await self._drop_buttons(turn)

    async def _drop_buttons(self, turn: Turn) -> None:
        assert turn.incoming.tapped_id is not None
        await self.turns.edit(turn, turn.incoming.tapped_id, None)

    def _catalog_of(self, reminder: Reminder) -> Catalog:
        return self.turns.guide.catalog(reminder.language)
