"""The bot in the person's language, end to end through the fake Bot API: Telegram's
language_code picks it, /language switches it (kept per person), and the menu and the
descriptions are set per language."""

from __future__ import annotations

import re

from tests.telegram.conftest import RunningBot
from tests.telegram.walking import walk
from tests.test_languages import ENGLISH_STOP_WORDS, RUSSIAN_DETAILS, SPANISH_DETAILS

FINAL = {
    "stage": "final",
    "role_status": "unknown",
    "time_since": "recent",
    "feedback": "vague",
    "new_material": "none",
    "contact": "strong",
    "goal": "this_role",
}


def english_in(text: str) -> set[str]:
    for value in [*SPANISH_DETAILS.values(), *RUSSIAN_DETAILS.values()]:
        text = text.replace(value, " ")
    text = re.sub(r"/\w+|LinkedIn|Telegram|\.eml|CV", " ", text)
    return {word for word in re.findall(r"[a-z]+", text.lower()) if word in ENGLISH_STOP_WORDS}


async def test_a_spanish_speaker_is_guided_in_spanish_from_hello_to_drafts(polling_bot: RunningBot) -> None:
    lucia = polling_bot.person(3001, "Lucía", language_code="es-MX")
    es = polling_bot.guide.catalog("es")
    messages = await walk(polling_bot.guide, lucia, FINAL, SPANISH_DETAILS, language="es")
    shown = [m.text for m in messages] + [b for m in messages for b in m.button_texts]
    assert es.text("ui.tg_welcome").split("\n")[0] in shown[0]
    assert es.text("ui.tg_language_offer") not in shown[0]  # Telegram already said Spanish
    assert any("Estimada Sra. Rivera:" in text for text in shown)  # the draft, Spanish mail style
    assert any("Hola, Javier:" in text for text in shown)  # the note to the contact
    leaks = {word: text for text in shown for word in english_in(text)}
    assert not leaks, leaks
    record = await polling_bot.store.load_chat(lucia.id)
    assert record is not None and record.session is not None and record.session["language"] == "es"
    assert polling_bot.fake.violations == []


async def test_a_russian_speaker_is_guided_in_russian_from_hello_to_drafts(polling_bot: RunningBot) -> None:
    marina = polling_bot.person(3005, "Марина", language_code="ru-RU")
    ru = polling_bot.guide.catalog("ru")
    messages = await walk(polling_bot.guide, marina, FINAL, RUSSIAN_DETAILS, language="ru")
    shown = [m.text for m in messages] + [b for m in messages for b in m.button_texts]
    assert ru.text("ui.tg_welcome").split("\n")[0] in shown[0]
    assert ru.text("ui.tg_language_offer") not in shown[0]  # Telegram already said Russian
    assert any(ru.text("approaches.reconsider_letter.title") in text for text in shown)
    assert any("Уважаемая Марина Сергеевна," in text for text in shown)  # the e-mail, by patronymic
    assert any("Добрый день, Андрей!" in text for text in shown)  # the note to the contact
    assert any("С уважением,\nМарина Соколова" in text for text in shown)
    leaks = {word: text for text in shown for word in english_in(text)}
    assert not leaks, leaks
    record = await polling_bot.store.load_chat(marina.id)
    assert record is not None and record.session is not None and record.session["language"] == "ru"
    assert polling_bot.fake.violations == []


async def test_others_get_english_with_a_one_line_offer_and_can_switch(polling_bot: RunningBot) -> None:
    hans = polling_bot.person(3002, "Hans", language_code="de")
    en, es = polling_bot.guide.catalog("en"), polling_bot.guide.catalog("es")
    [welcome, _question] = await hans.send("/start", expect=en.text("ui.tg_language_offer"))
    assert "about two minutes" in welcome.text
    english_speaker = polling_bot.person(3003, "Ann", language_code="en-GB")
    [hello, _] = await english_speaker.send("/start", expect="about two minutes")
    assert en.text("ui.tg_language_offer") not in hello.text

    await hans.send("/language", expect=en.text("ui.tg_language_prompt"))
    assert hans.current().button_texts == ["English", "Español", "Русский"]
    # The question in progress comes back in Spanish; its English buttons are retired.
    await hans.tap("Español", expect=es.text("questions.stage.text"))
    assert es.text("ui.tg_language_set") in "\n".join(m.text for m in hans.messages[-2:])
    assert es.text("questions.stage.options.final") in hans.current().button_texts
    record = await polling_bot.store.load_chat(hans.id)
    assert record is not None and record.language == "es"
    await hans.send("/mydata", expect="Todo lo que tengo guardado")
    assert (
        "Sus preferencias — idioma: Español; zona horaria: -."
        in polling_bot.fake.uploads[-1].content.decode()
    )
    # Kept per person: a new guide after /cancel is in Spanish too, with no offer.
    await hans.send("/cancel", expect=es.text("ui.tg_cancelled"))
    [again, _] = await hans.send("/start", expect=es.text("questions.stage.text"))
    assert es.text("ui.tg_welcome")[:40] in again.text and "language" not in again.text
    await hans.send("/language en", expect=en.text("ui.tg_language_set"))
    await hans.send("/help", expect="/language")
    assert polling_bot.fake.violations == [] and polling_bot.fake.unanswered_callback_queries() == []


async def test_forget_erases_the_chosen_language(polling_bot: RunningBot) -> None:
    ana = polling_bot.person(3004, "Ana", language_code="fr")
    await ana.send("/language es", expect="español")
    await ana.send("/forget", expect="¿Borro todo")
    await ana.tap("Sí, borrarlo")
    assert await polling_bot.store.load_chat(ana.id) is None
    await ana.send("/start", expect="about two minutes")


async def test_menu_and_descriptions_are_set_per_language(polling_bot: RunningBot) -> None:
    fake = polling_bot.fake
    es = polling_bot.guide.catalog("es")
    spanish_menu = {c["command"]: c["description"] for c in fake.commands['{"type": "default"}|es']}
    assert spanish_menu["language"] == "Cambiar el idioma" and spanish_menu["start"] == "Empezar la guía"
    english_menu = {c["command"]: c["description"] for c in fake.commands['{"type": "default"}|']}
    assert english_menu["language"] == "Change the language"
    assert fake.descriptions[("description", "es")] == es.text("ui.tg_description")
    assert fake.descriptions[("short_description", "es")] == es.text("ui.tg_short_description")
    assert fake.descriptions[("description", "")].startswith("Got a job rejection?")
    russian_menu = {c["command"]: c["description"] for c in fake.commands['{"type": "default"}|ru']}
    assert russian_menu["language"] == polling_bot.guide.catalog("ru").text("ui.tg_cmd_language")
    assert fake.descriptions[("description", "ru")] == polling_bot.guide.catalog("ru").text(
        "ui.tg_description"
    )
    assert fake.violations == []
