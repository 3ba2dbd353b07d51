"""Follow-up reminders as Telegram messages: what a reminder carries, the due reminder with its
draft and "Did they reply?", the /reminders list, the delay choices and dates in words.

Pure, like steps.py: values in, HTML `Text` values with inline keyboards out. Outcome and
cancel buttons carry the reminder's id and a zero stamp: they stay valid whatever the guide's
step, weeks later and after restarts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.engine import Plan, Session
from bot.engine.followup import DELAYS, Delay, check_in_draft, nudge_draft
from bot.engine.model import Catalog
from bot.engine.zones import COMMON_ZONES, zone_info
from bot.telegram.buttons import Act, Payload
from bot.telegram.views.html import CHOSEN, Text, esc, text_parts
from bot.telegram.views.steps import payload, replied_button

OUTCOMES = {"y": "yes", "n": "no", "w": "waiting"}
"""Outcome letters in callback data -> the outcome stored with the reminder."""
OUTCOME_LABELS = {"y": "ui.tg_outcome_yes", "n": "ui.tg_outcome_no", "w": "ui.tg_outcome_waiting"}
CHECK_IN_LATER = "c"
"""The letter of "remind me to check in later" (offered after "no reply yet")."""
CHECK_IN_LATER_DELAY = "d90"
NUDGE, CHECK_IN = "nudge", "check_in"
NUDGE_WITHIN_DAYS = 14
"""The nudge draft speaks of "my note from last week": later than this, a check-in fits better."""


class Reminder(Protocol):
    """What these views read of a reminder (the store's record has it; so may any value)."""

    @property
    def id(self) -> int: ...
    @property
    def due_at(self) -> int: ...
    @property
    def payload(self) -> Mapping[str, Any]: ...


# ---- what a reminder carries ----------------------------------------------------------------


def reminder_content(plan: Plan, catalog: Catalog, delay: Delay) -> dict[str, Any]:
    """Everything the reminder needs later, so sending never depends on the guide session:
    the plan's follow_up_nudge draft when it has one (a question is waiting for an answer)
    and the delay is short, else a check-in note (future roles, a long delay, or a person
    who simply wants a nudge)."""
    about = ", ".join(value for key in ("company", "role") if (value := plan.details.get(key, "").strip()))
    check_in = check_in_draft(plan)
    if check_in is not None:  # "we'll keep you in mind": the plan's own check-in note
        return {"kind": CHECK_IN, "subject": check_in.subject, "body": check_in.body, "about": about}
    draft = nudge_draft(plan)
    if draft is None or delay.days > NUDGE_WITHIN_DAYS:
        return check_in_content(catalog, about)
    return {"kind": NUDGE, "subject": draft.subject, "body": draft.body, "about": about}


def check_in_content(catalog: Catalog, about: str = "") -> dict[str, Any]:
    return {
        "kind": CHECK_IN,
        "subject": catalog.text("ui.tg_check_in_subject"),
        "body": catalog.text("ui.tg_check_in_body"),
        "about": about,
    }


# ---- dates --------------------------------------------------------------------------------------


def date_words(timestamp: int, catalog: Catalog, now: float, zone: str | None = None) -> str:
    """ "Monday 7 December" (with the year when it is not this year), in `zone` (UTC if None)."""
    moment = datetime.fromtimestamp(timestamp, zone_info(zone))
    weekdays = [name.strip() for name in catalog.text("ui.tg_weekdays").split(",")]
    months = [name.strip() for name in catalog.text("ui.tg_months").split(",")]
    values = {
        "weekday": weekdays[moment.weekday() % len(weekdays)],
        "day": moment.day,
        "month": months[(moment.month - 1) % len(months)],
    }
    if moment.year != datetime.fromtimestamp(now, moment.tzinfo).year:
        return catalog.text("ui.tg_date_year", year=moment.year, **values)
    return catalog.text("ui.tg_date", **values)


def when_words(timestamp: int, catalog: Catalog, now: float, zone: str | None) -> str:
    """The day and hour in the person's zone ("Monday 7 December, 9:00"), or, before they
    told us their zone, the day with the zone it is in ("Monday 7 December (UTC)")."""
    date = date_words(timestamp, catalog, now, zone)
    if zone is None:
        return catalog.text("ui.tg_date_utc", date=date)
    moment = datetime.fromtimestamp(timestamp, zone_info(zone))
    return catalog.text("ui.tg_date_at", date=date, time=f"{moment.hour}:{moment.minute:02d}")


def zone_keyboard(catalog: Catalog) -> InlineKeyboardMarkup:
    """The common zones, two a row, named by a city in the person's language; valid any time."""
    names = [name.strip() for name in catalog.text("ui.tg_zone_names").split(",")]
    buttons = [
        InlineKeyboardButton(
            names[index] if index < len(names) else zone, callback_data=_stepless(Act.ZONE, str(index))
        )
        for index, zone in enumerate(COMMON_ZONES)
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


# ---- keyboards ----------------------------------------------------------------------------------


def _stepless(action: str, argument: str) -> str:
    return Payload(0, 0, 0, action, argument).encode()


def delays_keyboard(session: Session, catalog: Catalog) -> InlineKeyboardMarkup:
    """Every delay, one per row; stamped with the session like the result's buttons."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    catalog.text("ui.tg_delay_choice", delay=catalog.text(f"ui.tg_delay_{key}")),
                    callback_data=payload(session, Act.REMIND, key),
                )
            ]
            for key in DELAYS
        ]
    )


def outcome_keyboard(reminder: Reminder, catalog: Catalog) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    catalog.text(label), callback_data=_stepless(Act.OUTCOME, f"{reminder.id}-{letter}")
                )
            ]
            for letter, label in OUTCOME_LABELS.items()
        ]
    )


def check_in_later_keyboard(reminder: Reminder, catalog: Catalog) -> InlineKeyboardMarkup:
    data = _stepless(Act.OUTCOME, f"{reminder.id}-{CHECK_IN_LATER}")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(catalog.text("ui.tg_outcome_check_in_later"), callback_data=data)]]
    )


def cancel_keyboard(reminder: Reminder, catalog: Catalog, can_reply: bool = False) -> InlineKeyboardMarkup:
    """Cancel, and (with `can_reply`) "They replied", which asks what the employer said."""
    data = _stepless(Act.CANCEL_REMINDER, str(reminder.id))
    row = [InlineKeyboardButton(catalog.text("ui.tg_reminder_cancel"), callback_data=data)]
    if can_reply:
        row.append(replied_button(catalog))
    return InlineKeyboardMarkup([row])


def parse_outcome(argument: str) -> tuple[int, str] | None:
    """`<id>-<letter>` -> (id, letter), or None for anything else."""
    number, _, letter = argument.partition("-")
    if not number.isdigit() or letter not in (*OUTCOMES, CHECK_IN_LATER):
        return None
    return int(number), letter


def parse_id(argument: str) -> int | None:
    return int(argument) if argument.isdigit() else None


# ---- messages -----------------------------------------------------------------------------------


def _due_html(reminder: Reminder, catalog: Catalog) -> str:
    content = reminder.payload
    kind = NUDGE if content.get("kind") == NUDGE else CHECK_IN
    head = f"<b>{esc(catalog.text(f'ui.tg_reminder_{kind}_title'))}</b>"
    if content.get("about"):
        head += f" · {esc(content['about'])}"
    parts = [head, esc(catalog.text(f"ui.tg_reminder_{kind}_intro"))]
    draft = ""
    if content.get("subject"):
        draft = f"{esc(catalog.text('ui.subject'))}: <code>{esc(content['subject'])}</code>\n"
    parts.append(f"{draft}<pre>{esc(str(content.get('body', '')))}</pre>")
    parts.append(f"<b>{esc(catalog.text('ui.tg_reminder_question'))}</b>")
    return "\n\n".join(parts)


def render_due(reminder: Reminder, catalog: Catalog) -> list[Text]:
    """The reminder: a short intro, the draft ready to copy, and "Did they reply?" with buttons."""
    return text_parts(_due_html(reminder, catalog), outcome_keyboard(reminder, catalog))


def render_answered(reminder: Reminder, catalog: Catalog, letter: str) -> str:
    """The last message of the reminder once answered: the answer shown, no buttons."""
    label = catalog.text(OUTCOME_LABELS[letter])
    return f"{text_parts(_due_html(reminder, catalog))[-1].html}\n{CHOSEN} <b>{esc(label)}</b>"


def reminder_line(reminder: Reminder, catalog: Catalog, now: float, zone: str | None = None) -> str:
    """One pending reminder for /reminders: when, and what for."""
    kind = NUDGE if reminder.payload.get("kind") == NUDGE else CHECK_IN
    what = catalog.text(f"ui.tg_reminder_kind_{kind}")
    if reminder.payload.get("about"):
        what += f" ({reminder.payload['about']})"
    date = when_words(reminder.due_at, catalog, now, zone)
    return esc(catalog.text("ui.tg_reminders_item", date=date, what=what))
