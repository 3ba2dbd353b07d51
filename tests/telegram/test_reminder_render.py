"""Reminder messages as values: valid Telegram HTML, user text verbatim, buttons that fit in
64 bytes and carry the reminder, long drafts split with one live keyboard, dates in words."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from bot.engine import Guide
from bot.engine.followup import DELAYS
from bot.storage import Reminder
from bot.telegram import buttons as callbacks
from bot.telegram.buttons import Act
from bot.telegram.views.html import MAX_TEXT, utf16_len
from bot.telegram.views.reminders import (
    check_in_content,
    date_words,
    delays_keyboard,
    parse_id,
    parse_outcome,
    reminder_content,
    reminder_line,
    render_answered,
    render_due,
)
from tests.fakebotapi import parse_html

# A question was asked (request_feedback), so one nudge follows (v2: never after a reconsideration).
NUDGE = {
    "stage": "interview",
    "role_status": "unknown",
    "time_since": "recent",
    "feedback": "vague",
    "new_material": "none",
    "contact": "none",
    "goal": "this_role",
}


def a_reminder(payload: dict[str, object], reminder_id: int = 7) -> Reminder:
    return Reminder(
        id=reminder_id,
        chat_id=1,
        user_id=1,
        run=1,
        delay="b6",
        language="en",
        payload=payload,
        due_at=0,
        state="pending",
        attempts=0,
        claimed_by=None,
        sent_at=None,
        outcome=None,
        outcome_at=None,
        created_at=0,
    )


def timestamp(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, 9, tzinfo=UTC).timestamp())


def test_the_content_is_the_nudge_draft_or_a_check_in(guide: Guide) -> None:
    catalog = guide.catalog("en")
    details = {"company": "Zoë <&> Co", "role": "Designer"}
    plan = guide.plan_for(NUDGE, details, "en")
    nudge = reminder_content(plan, catalog, DELAYS["b6"])
    assert nudge["kind"] == "nudge" and nudge["about"] == "Zoë <&> Co, Designer"
    assert nudge["subject"] is None  # the nudge goes under the person's own email, same thread
    assert reminder_content(plan, catalog, DELAYS["d14"])["kind"] == "nudge"
    months_later = reminder_content(plan, catalog, DELAYS["d30"])  # "my note from last week" would be wrong
    assert months_later == check_in_content(catalog, "Zoë <&> Co, Designer")
    no_question = dict(NUDGE, goal="close")
    check_in = reminder_content(guide.plan_for(no_question, {}, "en"), catalog, DELAYS["b6"])
    assert check_in == check_in_content(catalog)
    assert check_in["kind"] == "check_in" and check_in["about"] == ""


def test_the_due_message_is_valid_html_with_the_draft_verbatim_and_its_buttons(guide: Guide) -> None:
    catalog = guide.catalog("en")
    body = "Dear </pre><b>Ann</b> & co,\n\nThank you."
    reminder = a_reminder(
        {"kind": "nudge", "subject": "Re: <Designer>", "body": body, "about": "A&B"}, reminder_id=10**12
    )
    [message] = render_due(reminder, catalog)
    text, entities = parse_html(message.html)
    pres = [text[e["offset"] : e["offset"] + e["length"]] for e in entities if e["type"] == "pre"]
    codes = [text[e["offset"] : e["offset"] + e["length"]] for e in entities if e["type"] == "code"]
    assert pres == [body] and codes == ["Re: <Designer>"] and "A&B" in text
    assert message.keyboard is not None
    buttons = list(itertools.chain.from_iterable(message.keyboard.inline_keyboard))
    assert [b.text for b in buttons] == ["Yes, they replied", "They said no", "No reply yet"]
    for button, letter in zip(buttons, "ynw", strict=True):
        data = str(button.callback_data)
        assert len(data.encode()) <= callbacks.MAX_BYTES
        payload = callbacks.decode(data)
        assert payload is not None and payload.action == Act.OUTCOME
        assert parse_outcome(payload.argument) == (10**12, letter)
    answered = render_answered(reminder, catalog, "n")
    assert parse_html(answered)[0].endswith("Did they reply?\n✓ They said no")


def test_a_long_draft_is_split_and_only_the_last_part_has_buttons(guide: Guide) -> None:
    reminder = a_reminder({"kind": "check_in", "subject": None, "body": "word " * 2000, "about": ""})
    messages = render_due(reminder, guide.catalog("en"))
    assert len(messages) > 1
    assert [m.keyboard is not None for m in messages] == [False] * (len(messages) - 1) + [True]
    for message in messages:
        assert utf16_len(parse_html(message.html)[0]) <= MAX_TEXT
    assert "Time to check in" in messages[0].html and "Did they reply?" in messages[-1].html


def test_dates_in_words_add_the_year_only_when_it_differs(guide: Guide) -> None:
    catalog = guide.catalog("en")
    assert date_words(timestamp(2026, 12, 7), catalog, timestamp(2026, 11, 27)) == "Monday 7 December"
    assert date_words(timestamp(2027, 1, 4), catalog, timestamp(2026, 11, 27)) == "Monday 4 January 2027"
    line = reminder_line(a_reminder({"kind": "nudge", "about": "<Acme>"}), catalog, 0)
    assert line == "Thursday 1 January (UTC): your one follow-up (&lt;Acme&gt;)"


def test_the_delay_choices_carry_the_session_stamp(guide: Guide) -> None:
    session = guide.new_session("en", run=3, step=12)
    keyboard = delays_keyboard(session, guide.catalog("en"))
    payloads = [callbacks.decode(str(row[0].callback_data)) for row in keyboard.inline_keyboard]
    assert [(p.run, p.step, p.action, p.argument) for p in payloads if p] == [
        (3, 12, Act.REMIND, key) for key in ("b6", "d3", "d14", "d30", "d90")
    ]


def test_forged_arguments_are_refused() -> None:
    for argument in ("", "x-y", "7", "7-", "7-q", "-y", "7-yy"):
        assert parse_outcome(argument) is None
    assert parse_outcome("7-c") == (7, "c")
    assert parse_id("12") == 12 and parse_id("1e3") is None and parse_id("") is None
