"""The time zone question answered in words: a city or UTC offset typed after the picker is
read as the zone (no /timezone needed), and a person who ignored the picker is asked once
only; their later reminders say which zone the date is in."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.telegram.conftest import RunningBot
from tests.telegram.test_time_zones import NUDGE_PATH
from tests.telegram.walking import walk

REMIND = "⏰ Remind me in 6 business days"


async def test_an_ignored_picker_is_not_asked_again_and_later_dates_name_their_zone(
    polling_bot: RunningBot,
) -> None:
    bot = polling_bot
    ann = bot.person(4101, "Ann", language_code="en")
    en = bot.guide.catalog("en")
    prompt = en.text("ui.tg_zone_prompt")
    await walk(bot.guide, ann, NUDGE_PATH)
    await ann.tap(REMIND, expect=prompt[:30])
    await ann.send("/reminders", expect="(UTC)")
    await ann.tap("Cancel this reminder", expect="Cancelled")
    # She never answered; the next reminder says "(UTC)" and does not ask again.
    mark = ann.mark()
    await ann.tap(REMIND, expect="Done.")
    later = ann.since(mark)
    assert not any(prompt[:30] in m.text for m in later)
    assert any("(UTC)" in m.text for m in later if m.text.startswith("Done."))
    assert len(await bot.store.pending_reminders(ann.id)) == 1
    assert bot.fake.violations == []


async def test_a_city_typed_after_the_picker_is_the_zone(polling_bot: RunningBot) -> None:
    bot = polling_bot
    ann = bot.person(4102, "Ann", language_code="en")
    await walk(bot.guide, ann, NUDGE_PATH)
    await ann.tap(REMIND, expect="which time zone are you in?")
    await ann.send("Lima", expect="Got it: America/Lima")
    record = await bot.store.load_chat(ann.id)
    assert record is not None and record.time_zone == "America/Lima"
    [reminder] = await bot.store.pending_reminders(ann.id)
    local = datetime.fromtimestamp(reminder.due_at, ZoneInfo("America/Lima"))
    assert (local.hour, local.minute) == (9, 0) and local.weekday() < 5
    # A bare "+1" no longer changes a zone she has set: it is no zone but a stray text.
    await ann.send("+1", expect=bot.guide.catalog("en").text("ui.tg_use_buttons"))
    record = await bot.store.load_chat(ann.id)
    assert record is not None and record.time_zone == "America/Lima"
    # A named zone does change it, typed or as a reply to the picker.
    await ann.send("UTC+3", expect="Got it: UTC+03:00")
    picker = await ann.send("/timezone", expect="which time zone are you in?")
    await ann.reply(picker[-1].message_id, "Atlantis", expect="couldn't find that time zone")
    await ann.reply(picker[-1].message_id, "Europe/Berlin", expect="Got it: Europe/Berlin")
    record = await bot.store.load_chat(ann.id)
    assert record is not None and record.time_zone == "Europe/Berlin"
    assert bot.fake.violations == [] and bot.fake.unanswered_callback_queries() == []


async def test_an_offset_typed_before_any_zone_is_the_zone_but_a_detail_stays_a_detail(
    polling_bot: RunningBot,
) -> None:
    bot = polling_bot
    ann = bot.person(4103, "Ann", language_code="en")
    await ann.send("/start", expect="Hi.")
    await ann.send("+05:30", expect="Got it: UTC+05:30")
    # Asked for the company's name, "Paris" is the company (a detail), not a zone.
    sam = bot.person(4104, "Sam", language_code="en")
    await walk(bot.guide, sam, NUDGE_PATH, stop_at_detail="company")
    await sam.send("Paris")
    record = await bot.store.load_chat(sam.id)
    assert record is not None and record.time_zone is None
    assert record.session is not None and record.session["details"].get("company") == "Paris"
