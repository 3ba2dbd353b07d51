"""Taking the guide in the fake chat the way a person would: read the step, tap or type."""

from __future__ import annotations

from collections.abc import Mapping

from bot.engine import Guide
from tests.fakebotapi import ChatMessage
from tests.telegram.conftest import Person


async def walk(
    guide: Guide,
    person: Person,
    answers: Mapping[str, str],
    details: Mapping[str, str] | None = None,
    *,
    start: bool = True,
    stop_at_detail: str | None = None,
    language: str = "en",
) -> list[ChatMessage]:
    """Tap the given answer of each question shown, type the given details (skip the rest)
    and proceed, until the result (or the prompt for `stop_at_detail`); returns the bot's
    messages sent or edited since the walk began, as they read now."""
    details = details or {}
    catalog = guide.catalog(language)
    questions = {catalog.text(f"questions.{q.id}.text"): q.id for q in guide.flow.questions}
    prompts = {catalog.text(f"details.{d.id}.prompt"): d.id for d in guide.flow.details}
    footer = catalog.text("ui.tg_result_footer")
    begin = mark = person.mark()
    if start:
        person.user.send("/start")
        step = await person.next_step(mark)
    else:
        step = person.current()
    while True:
        mark = person.mark()
        question = next((q for text, q in questions.items() if text in step.text), None)
        detail = next((d for text, d in prompts.items() if text in step.text), None)
        if detail is not None and detail == stop_at_detail:
            break
        if question is not None:
            person.user.press_button(catalog.text(f"questions.{question}.options.{answers[question]}"))
        elif detail is not None and details.get(detail):
            person.user.send(details[detail])
        elif detail is not None:
            person.user.press_button(catalog.text("ui.skip"))
        elif catalog.text("ui.proceed") in step.button_texts:
            person.user.press_button(catalog.text("ui.proceed"))
        elif footer in step.text:
            break
        else:  # pragma: no cover - a failing test shows the message
            raise AssertionError(f"unexpected step: {step.text}")
        step = await person.next_step(mark)
    await person.fake.idle()
    return person.since(begin)
