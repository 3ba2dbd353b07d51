"""The golden stories of tests/stories/guide.yaml, taken through Telegram tap by tap."""

from __future__ import annotations

from typing import Any

import pytest

from bot.engine import Guide
from tests.fakebotapi import ChatMessage
from tests.telegram.conftest import Person, RunningBot
from tests.test_stories import STORIES, names


async def walk(guide: Guide, person: Person, story: dict[str, Any]) -> list[ChatMessage]:
    """Answer each question shown by tapping the story's option, type or skip each detail,
    until the result; returns every bot message of the run."""
    catalog = guide.catalog("en")
    questions = {catalog.text(f"questions.{q.id}.text"): q.id for q in guide.flow.questions}
    details = {catalog.text(f"details.{d.id}.prompt"): d.id for d in guide.flow.details}
    footer = catalog.text("ui.tg_result_footer")
    start = person.mark()
    mark = person.mark()
    person.user.send("/start")
    while True:
        step = await person.next_step(mark)
        mark = step.message_id
        question = next((q for text, q in questions.items() if text in step.text), None)
        detail = next((d for text, d in details.items() if text in step.text), None)
        if question is not None:
            label = catalog.text(f"questions.{question}.options.{story['answers'][question]}")
            person.user.press_button(label)
        elif detail is not None and story.get("details", {}).get(detail):
            person.user.send(story["details"][detail])
        elif detail is not None:
            person.user.press_button(catalog.text("ui.skip"))
        elif catalog.text("ui.proceed") in step.button_texts:
            person.user.press_button(catalog.text("ui.proceed"))
        elif footer in step.text:
            break
        else:  # pragma: no cover - a failing test shows the message
            raise AssertionError(f"unexpected step: {step.text}")
    await person.fake.idle()
    return person.since(start)


@pytest.mark.parametrize("story", STORIES, ids=names)
async def test_golden_story_in_telegram(polling_bot: RunningBot, guide: Guide, story: dict[str, Any]) -> None:
    person = polling_bot.person()
    messages = await walk(guide, person, story)
    catalog = guide.catalog("en")
    plan = guide.plan_for(story["answers"], story.get("details", {}), "en")
    text = "\n".join(m.text for m in messages)
    assert plan.actions[0].title in text
    drafts = {action.approach: draft for action, draft in plan.drafts}
    pre_blocks = [e for m in messages for e in m.entities if e["type"] == "pre"]
    assert len(pre_blocks) == len(drafts)
    for approach, fragments in story.get("drafts", {}).items():
        for fragment in fragments:
            assert fragment in drafts[approach].body + (drafts[approach].subject or "")
            assert fragment in text
    documents = [m.document["file_name"] for m in messages if m.document]
    emails = [a.approach for a, d in plan.drafts if d.channel == "email"]
    assert len([name for name in documents if name.endswith(".eml")]) == len(emails)
    assert ("messages.txt" in documents) == bool(drafts)
    assert catalog.text("ui.tg_result_footer") in messages[-1].text
    assert person.fake.violations == []
    assert person.fake.unanswered_callback_queries() == []
