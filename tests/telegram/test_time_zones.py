"""Reminders at 9:00 the person's time: the zone is asked once (with the first reminder),
picked with one tap or typed (/timezone Lima, /timezone UTC+3), kept with the chat, and the
reminder fires at 9:00 there on a working day, with the clock moved forward to check."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.engine.followup import DELAYS
from bot.engine.zones import at_work_hour, local_due, parse_zone, zone_info
from tests.telegram.conftest import RunningBot
from tests.telegram.walking import walk
from tests.test_languages import SPANISH_DETAILS

# Interview, no reason given, future roles: a feedback question, so the one nudge in 6 business days.
NUDGE_PATH = {
    "stage": "interview",
    "role_status": "unknown",
    "time_since": "recent",
    "feedback": "vague",
    "new_material": "none",
    "contact": "none",
    "goal": "future",
}


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Madrid", "Europe/Madrid"),
        ("bogota", "America/Bogota"),
        ("Москва", "Europe/Moscow"),
        ("Ciudad de México", "America/Mexico_City"),
        ("Lima", "America/Lima"),
        ("Europe/Paris", "Europe/Paris"),
        ("UTC+3", "UTC+03:00"),
        ("GMT-5", "UTC-05:00"),
        ("+05:30", "UTC+05:30"),
        ("UTC", "UTC"),
        ("+0", "UTC"),
        ("Atlantis", None),
        ("UTC+15", None),
        ("Europe/Nowhere", None),
        ("", None),
    ],
)
def test_a_typed_city_or_offset_names_a_zone(typed: str, zone: str | None) -> None:
    assert parse_zone(typed) == zone


def test_a_fixed_offset_reads_back_as_that_offset() -> None:
    moment = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert moment.astimezone(zone_info("UTC-05:00")).hour == 7
    assert moment.astimezone(zone_info("UTC+05:30")).strftime("%H:%M") == "17:30"
    assert zone_info(None) is UTC and zone_info("Not/AZone") is UTC


def test_due_at_nine_local_on_a_working_day() -> None:
    madrid = ZoneInfo("Europe/Madrid")
    # Thursday 23:30 in Madrid (22:30 UTC): three days on is Sunday, so Monday 9:00 Madrid.
    due = local_due(DELAYS["d3"], datetime(2026, 12, 3, 22, 30, tzinfo=UTC), madrid)
    assert due.astimezone(madrid) == datetime(2026, 12, 7, 9, 0, tzinfo=madrid)
    # Across the clocks going back in October: still 9:00 on the wall.
    due = local_due(DELAYS["d3"], datetime(2026, 10, 22, 12, 0, tzinfo=UTC), madrid)
    assert due.astimezone(madrid).hour == 9 and due.astimezone(madrid).weekday() == 0
    # Moscow is already on Friday when UTC is still on Thursday evening.
    moscow = ZoneInfo("Europe/Moscow")
    due = local_due(DELAYS["b6"], datetime(2026, 12, 3, 22, 0, tzinfo=UTC), moscow)
    assert due.astimezone(moscow) == datetime(2026, 12, 14, 9, 0, tzinfo=moscow)
    # A reminder set before the zone was known keeps its day and moves to 9:00 there.
    moved = at_work_hour(datetime(2026, 12, 12, 15, 0, tzinfo=UTC), madrid)  # a Saturday
    assert moved.astimezone(madrid) == datetime(2026, 12, 14, 9, 0, tzinfo=madrid)


async def test_the_zone_is_asked_once_and_the_reminder_fires_at_nine_there(polling_bot: RunningBot) -> None:
    bot = polling_bot
    lucia = bot.person(4001, "Lucía", language_code="es")
    es = bot.guide.catalog("es")
    await walk(bot.guide, lucia, NUDGE_PATH, SPANISH_DETAILS, language="es")
    await lucia.tap("⏰ Recordármelo en 6 días laborables", expect=es.text("ui.tg_zone_prompt")[:30])
    confirmation = next(m for m in reversed(lucia.messages) if m.text.startswith("Hecho."))
    assert "(hora UTC)" in confirmation.text  # before the zone is known, the date says its zone
    [before] = await bot.store.pending_reminders(lucia.id)

    await lucia.tap("Bogotá", expect="America/Bogota")
    record = await bot.store.load_chat(lucia.id)
    assert record is not None and record.time_zone == "America/Bogota"
    [reminder] = await bot.store.pending_reminders(lucia.id)
    bogota = ZoneInfo("America/Bogota")
    local = datetime.fromtimestamp(reminder.due_at, bogota)
    assert (local.hour, local.minute) == (9, 0) and local.weekday() < 5
    assert abs(reminder.due_at - before.due_at) < 24 * 3600  # same day, at 9:00 there

    # /reminders shows the day and hour in her zone, in Spanish.
    await lucia.send("/reminders", expect="a las 9:00")
    # Asked once: a second reminder (after the first is cancelled) does not ask again.
    await lucia.tap("Cancelar este recordatorio", expect="Cancelado")
    mark = lucia.mark()
    await lucia.tap("⏰ Recordármelo en 6 días laborables", expect="Hecho.")
    assert not any(es.text("ui.tg_zone_prompt")[:30] in m.text for m in lucia.since(mark))
    [reminder] = await bot.store.pending_reminders(lucia.id)
    assert datetime.fromtimestamp(reminder.due_at, bogota).hour == 9

    # The clock moved forward: a minute before 9:00 in Bogotá nothing comes; at 9:00 it does.
    scheduler = bot.runner.reminders
    assert scheduler is not None
    scheduler.clock = lambda: reminder.due_at - 60
    assert await scheduler.run_once() == 0
    scheduler.clock = lambda: reminder.due_at
    assert await scheduler.run_once() == 1
    await bot.fake.wait_for_message(lucia.id, contains=es.text("ui.tg_reminder_nudge_title"))
    assert bot.fake.violations == [] and bot.fake.unanswered_callback_queries() == []


async def test_a_typed_zone_is_kept_and_a_wrong_one_gets_the_picker(polling_bot: RunningBot) -> None:
    ann = polling_bot.person(4002, "Ann", language_code="en")
    await ann.send("/timezone Atlantis", expect="couldn't find that time zone")
    assert "Madrid" in ann.current().button_texts
    await ann.send("/timezone UTC+3", expect="Got it: UTC+03:00")
    record = await polling_bot.store.load_chat(ann.id)
    assert record is not None and record.time_zone == "UTC+03:00"
    await ann.send("/timezone", expect="which time zone are you in?")
