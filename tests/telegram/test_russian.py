"""A Russian speaker end to end through the fake Bot API, after the guide itself (walked in
Russian in test_languages.py): a reminder in Russian at 9:00 in Moscow, the zone typed as a
city, with the clock moved forward; /language ru for anyone; the Russian menu and descriptions."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.telegram.conftest import RunningBot
from tests.telegram.test_time_zones import NUDGE_PATH
from tests.telegram.walking import walk
from tests.test_languages import ENGLISH_STOP_WORDS, RUSSIAN_DETAILS

MOSCOW = ZoneInfo("Europe/Moscow")


def english_in(text: str) -> set[str]:
    """English stop words left in a Russian message (what the person typed, commands and
    names such as Telegram or UTC aside)."""
    for value in RUSSIAN_DETAILS.values():
        text = text.replace(value, " ")
    text = re.sub(r"/\w+|LinkedIn|Telegram|\.eml|CV|UTC|Europe/Moscow", " ", text)
    return {word for word in re.findall(r"[a-z]+", text.lower()) if word in ENGLISH_STOP_WORDS}


async def test_a_russian_reminder_comes_at_nine_in_moscow_and_in_russian(polling_bot: RunningBot) -> None:
    bot = polling_bot
    oleg = bot.person(5002, "Олег", language_code="ru")
    ru = bot.guide.catalog("ru")
    walked = await walk(bot.guide, oleg, NUDGE_PATH, RUSSIAN_DETAILS, language="ru")
    shown = [m.text for m in walked] + [b for m in walked for b in m.button_texts]
    assert ru.text("ui.tg_welcome").split("\n")[0] in shown[0]  # greeted in Russian
    assert not {word: text for text in shown for word in english_in(text)}
    await oleg.tap("⏰ Напомнить через 6 рабочих дней", expect=ru.text("ui.tg_zone_prompt")[:30])
    confirmation = next(m for m in reversed(oleg.messages) if m.text.startswith("Готово."))
    assert "по UTC" in confirmation.text  # before the zone is known, the date names its zone
    assert re.search(r"\d+ [а-я]+ \((понедельник|вторник|среда|четверг|пятница)\)", confirmation.text)

    await oleg.send("Москва", expect="Принято: Europe/Moscow")  # typed, no /timezone needed
    record = await bot.store.load_chat(oleg.id)
    assert record is not None and record.time_zone == "Europe/Moscow"
    [reminder] = await bot.store.pending_reminders(oleg.id)
    local = datetime.fromtimestamp(reminder.due_at, MOSCOW)
    assert (local.hour, local.minute) == (9, 0) and local.weekday() < 5
    [_, line] = await oleg.send("/reminders", expect="в 9:00")
    assert "единственное напоминание" in line.text and "Отменить это напоминание" in line.button_texts

    # The clock moved forward: a minute before 9:00 in Moscow nothing comes; at 9:00 it does.
    scheduler = bot.runner.reminders if bot.runner else None
    assert scheduler is not None
    scheduler.clock = lambda: reminder.due_at - 60
    assert await scheduler.run_once() == 0
    scheduler.clock = lambda: reminder.due_at
    assert await scheduler.run_once() == 1
    due = await bot.fake.wait_for_message(oleg.id, contains=ru.text("ui.tg_reminder_nudge_title"))
    assert ru.text("ui.tg_reminder_question") in "\n".join(m.text for m in oleg.messages[-3:])
    assert not english_in(due.text), due.text
    assert bot.fake.violations == [] and bot.fake.unanswered_callback_queries() == []


async def test_anyone_can_switch_to_russian_and_the_menu_is_russian(polling_bot: RunningBot) -> None:
    fake = polling_bot.fake
    ru = polling_bot.guide.catalog("ru")
    hans = polling_bot.person(5003, "Hans", language_code="de")
    await hans.send("/start", expect="русский")  # the offer names Russian in its own words
    await hans.send("/language", expect="Which language")
    assert "Русский" in hans.current().button_texts
    await hans.tap("Русский", expect=ru.text("questions.stage.text"))
    record = await polling_bot.store.load_chat(hans.id)
    assert record is not None and record.language == "ru"
    mark = hans.mark()
    await hans.send("/language ru", expect=ru.text("ui.tg_language_set"))
    assert not any(english_in(m.text) for m in hans.since(mark))
    await hans.send("/mydata", expect="")
    await fake.idle()
    mydata = fake.uploads[-1].content.decode()
    assert "язык: Русский" in mydata and not english_in(mydata)

    menu = {c["command"]: c["description"] for c in fake.commands['{"type": "default"}|ru']}
    assert menu["start"] == "Начать разбор" and menu["language"] == "Сменить язык"
    assert not any(english_in(text) for text in menu.values())
    assert fake.descriptions[("description", "ru")] == ru.text("ui.tg_description")
    assert fake.descriptions[("short_description", "ru")] == ru.text("ui.tg_short_description")
    assert fake.violations == [] and fake.unanswered_callback_queries() == []
