"""The golden stories of tests/stories/guide.yaml, taken through Telegram tap by tap."""

from __future__ import annotations

from typing import Any

import pytest

from bot.engine import Guide
from tests.telegram.conftest import RunningBot
from tests.telegram.walking import walk
from tests.test_stories import STORIES, names


@pytest.mark.parametrize("story", STORIES, ids=names)
async def test_golden_story_in_telegram(polling_bot: RunningBot, guide: Guide, story: dict[str, Any]) -> None:
    person = polling_bot.person()
    messages = await walk(guide, person, story["answers"], story.get("details"))
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
    assert not any(m.document for m in messages)  # files only on request
    assert catalog.text("ui.tg_result_footer") in messages[-1].text
    exported = await person.send("/export", expect=catalog.text("ui.tg_export_caption"))
    documents = [m.document["file_name"] for m in exported if m.document]
    emails = [a.approach for a, d in plan.drafts if d.channel == "email"]
    assert documents == ["plan.txt"]  # one document, whatever the plan holds
    markdown = person.fake.uploads[-1].content.decode("utf-8")
    assert plan.actions[0].title in markdown and all(d.body in markdown for d in drafts.values())
    eml_button = catalog.text("ui.tg_export_eml")
    labels = [[button.text for button in row] for row in exported[-1].buttons]
    assert labels == ([[eml_button]] if emails else [])
    if emails:
        sent = await person.tap(eml_button, expect="start an email draft")
        names = [m.document["file_name"] for m in sent if m.document]
        assert len(names) == len(emails) and all(name.endswith(".eml") for name in names)
    assert person.fake.violations == []
    assert person.fake.unanswered_callback_queries() == []
