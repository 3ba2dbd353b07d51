"""After they reply, end to end through the strict fake Bot API and a real SQLite file: every
reply value from each way in ("Did they reply? → Yes" on a due reminder, "They replied" under
the result, /replied after a restart), the details reused from the result, the outcome stored
with it; no result yet, a new guide in progress, stale and double taps, redelivered updates."""

from __future__ import annotations

import copy
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.engine import Guide
from bot.storage import SavedResult
from bot.telegram.views.html import esc
from tests.fakebotapi import ChatMessage
from tests.telegram.conftest import Person, RunningBot
from tests.telegram.test_reminders import DETAILS, FINAL, make_due, remind_from_result
from tests.telegram.walking import walk

REPLIES = ("feedback", "no_again", "call", "keep_in_mind", "other_role", "silence")
NEW = {
    "gap": "more depth in SQL",
    "times": "Tuesday 10-12 or Thursday 3 pm",
    "other_role": "UX Researcher",
    "recipient_name": "Dana",
}
QUESTION = "What did they say?"
THEY_REPLIED = "💬 They replied"


def after_reply(bot: RunningBot) -> Guide:
    return bot.guide.followers["after_reply"]


def label(bot: RunningBot, value: str) -> str:
    return after_reply(bot).catalog("en").text(f"questions.reply.options.{value}")


async def ask(bot: RunningBot, ann: Person, way: str) -> ChatMessage:
    """Finish the first guide, then come back the `way` given; returns the question message."""
    if way == "reminder":
        await remind_from_result(bot, ann, FINAL)
        make_due(bot.store.path)
        assert bot.runner is not None
        await bot.runner.reminders.run_once()
        await ann.tap("Yes, they replied", expect=QUESTION)
    elif way == "result":
        await walk(bot.guide, ann, FINAL, DETAILS)
        await ann.tap(THEY_REPLIED, expect=QUESTION)
    else:
        await walk(bot.guide, ann, FINAL, DETAILS)
        await bot.restart()
        await ann.send("/replied", expect=QUESTION)
    return ann.current()


async def stored_replies(bot: RunningBot, ann: Person) -> list[dict[str, Any]]:
    return list((await bot.store.export_user(ann.id))["replies"])


@pytest.mark.parametrize("way", ["reminder", "result", "replied_after_restart"])
@pytest.mark.parametrize("value", REPLIES)
async def test_each_reply_from_each_way_in(polling_bot: RunningBot, value: str, way: str) -> None:
    bot, ann = polling_bot, polling_bot.person()
    question = await ask(bot, ann, way)
    assert "About your plan: " in question.text and "Zoë & Co, Designer" in question.text
    assert len(question.buttons) == len(REPLIES)
    mark = ann.mark()
    await ann.tap(label(bot, value))
    asked = [m.text for m in ann.since(mark)]
    shown = await walk(after_reply(bot), ann, {"reply": value}, NEW, start=False)
    answered = bot.fake.chat(ann.id).get(question.message_id)
    assert answered is not None and answered.text.endswith(f"✓ {label(bot, value)}") and not answered.buttons
    # Only what is new is asked: the name, company and role come from the result.
    everything = "\n".join(asked + [m.text for m in shown])
    for prompt in ("your_name", "company", "role"):
        assert after_reply(bot).catalog("en").text(f"details.{prompt}.prompt") not in everything
    plan = after_reply(bot).plan_for({"reply": value}, {**DETAILS, **NEW}, "en")
    assert plan.actions[0].title in everything
    for _action, draft in plan.drafts:
        assert draft.body in everything and "Alex" in draft.body
    result = ann.current()
    assert "Share" not in result.button_texts and THEY_REPLIED not in result.button_texts
    [reply] = await stored_replies(bot, ann)
    assert reply["answers"] == {"reply": value} and reply["answers_result"]["answers"] == FINAL
    assert "your_name" not in reply["details"]  # the result's own details are not copied again
    assert bot.fake.violations == [] and bot.fake.unanswered_callback_queries() == []


async def test_keep_in_mind_offers_the_check_in_note_as_a_reminder(polling_bot: RunningBot) -> None:
    bot, ann = polling_bot, polling_bot.person()
    await ask(bot, ann, "result")
    await ann.tap(label(bot, "keep_in_mind"))
    await walk(after_reply(bot), ann, {"reply": "keep_in_mind"}, NEW, start=False)
    await ann.tap("⏰ Remind me in 3 months", expect="Done. On")
    [reminder] = await bot.store.pending_reminders(ann.id)
    assert reminder.delay == "d90" and reminder.payload["kind"] == "check_in"
    assert "[One line with your reason to write" in reminder.payload["body"]
    assert reminder.payload["subject"] == "Checking in – Designer"


async def test_without_a_result_it_explains_and_offers_the_guide(polling_bot: RunningBot) -> None:
    bot, ann = polling_bot, polling_bot.person()
    [said] = await ann.send("/replied", expect="you don't have one yet")
    assert said.button_texts == ["Start my own guide"]
    await ann.tap("Start my own guide", expect="1/7")
    assert await stored_replies(bot, ann) == []


async def test_during_a_new_guide_it_works_from_the_latest_result(polling_bot: RunningBot) -> None:
    bot, ann = polling_bot, polling_bot.person()
    await walk(bot.guide, ann, FINAL, DETAILS)
    await ann.send("/start", expect="1/7")
    old_step = copy.deepcopy(ann.current())  # as it is now, buttons and all
    await ann.send("/replied", expect=QUESTION)
    await ann.tap(label(bot, "no_again"))
    await walk(after_reply(bot), ann, {"reply": "no_again"}, NEW, start=False)
    assert not bot.fake.chat(ann.id).get(old_step.message_id).buttons  # type: ignore[union-attr]
    # The new guide's old buttons are stale now.
    await ann.press(old_step.message_id, old_step.buttons[0][0].data)
    assert "earlier step" in (ann.callback_answer().get("text") or "")
    assert [r["answers"] for r in await stored_replies(bot, ann)] == [{"reply": "no_again"}]


async def test_they_replied_on_a_reminders_entry(polling_bot: RunningBot) -> None:
    bot, ann = polling_bot, polling_bot.person()
    await remind_from_result(bot, ann, FINAL)
    [entry] = [m for m in await ann.send("/reminders", expect="Your reminders") if m.buttons]
    assert entry.button_texts == ["Cancel this reminder", THEY_REPLIED]
    await ann.tap(THEY_REPLIED, expect=QUESTION)
    await ann.tap(label(bot, "silence"), expect="Stop here")
    assert [r["answers"] for r in await stored_replies(bot, ann)] == [{"reply": "silence"}]


async def test_double_taps_stale_copies_and_redelivered_updates_start_nothing_twice(
    polling_bot: RunningBot,
) -> None:
    bot, ann = polling_bot, polling_bot.person()
    question = copy.deepcopy(await ask(bot, ann, "result"))
    await ann.tap(THEY_REPLIED, expect=QUESTION)  # a second copy of the question
    second = copy.deepcopy(ann.current())
    data = question.buttons[2][0].data  # "call"
    first_tap = ann.user.press(question.message_id, data)
    await ann.press(question.message_id, data)  # the double tap
    assert "earlier step" in (ann.callback_answer().get("text") or "")
    record = await bot.store.load_chat(ann.id)
    assert record is not None and record.session is not None
    assert record.session["answers"] == {"reply": "call"}
    run = record.session["run"]
    await ann.press(second.message_id, second.buttons[0][0].data)  # the other copy: stale as well
    assert "earlier step" in (ann.callback_answer().get("text") or "")
    mark = ann.mark()
    bot.fake.push_update(first_tap)  # redelivered: changes nothing, sends nothing new
    await bot.fake.idle()
    record = await bot.store.load_chat(ann.id)
    assert record is not None and record.session is not None and record.session["run"] == run
    assert ann.since(mark) == []
    assert bot.fake.violations == [] and bot.fake.unanswered_callback_queries() == []


async def test_forget_erases_the_replies_and_stats_count_them(polling_bot: RunningBot) -> None:
    bot, ann = polling_bot, polling_bot.person()
    await ask(bot, ann, "result")
    await ann.tap(label(bot, "silence"), expect="Stop here")
    stats = await bot.store.stats()
    assert stats["replies"] == 1 and stats["replied_silence"] == 1
    await ann.send("/forget", expect="Erase everything")
    await ann.tap("Yes, erase it")
    assert await stored_replies(bot, ann) == []
    await ann.send("/replied", expect="you don't have one yet")


STORIES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent.parent / "stories" / "after_reply.yaml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("story", STORIES, ids=lambda story: str(story["name"]))
async def test_golden_story_in_telegram(polling_bot: RunningBot, story: dict[str, Any]) -> None:
    """tests/stories/after_reply.yaml, as run on the engine and in the terminal: the latest
    result holds the carried details; only the story's `asked` details are asked."""
    bot, ann = polling_bot, polling_bot.person()
    await bot.store.save_result(
        SavedResult(
            ann.id,
            bot.guide.flow.id,
            bot.guide.flow.version,
            "en",
            FINAL,
            story.get("carried", {}),
            int(time.time()),
        )
    )
    await ann.send("/replied", expect=QUESTION)
    mark = ann.mark()
    await ann.tap(label(bot, story["reply"]))
    shown = ann.since(mark) + await walk(
        after_reply(bot), ann, {"reply": story["reply"]}, story.get("details", {}), start=False
    )
    # Every text the bot sent or edited in, as sent (later edits do not hide a prompt).
    written = [
        str(call.params.get("text", ""))
        for call in bot.fake.calls
        if call.method in ("sendMessage", "editMessageText") and call.chat_id == ann.id
    ]
    catalog = after_reply(bot).catalog("en")
    asked = [
        detail.id
        for detail in after_reply(bot).flow.details
        if any(esc(catalog.text(f"details.{detail.id}.prompt")) in text for text in written)
    ]
    assert asked == story["asked"]  # only what is new; the result's details are reused
    said = "\n".join(m.text for m in shown)
    for fragments in story.get("drafts", {}).values():
        for fragment in fragments:
            assert fragment in said
    [reply] = await stored_replies(bot, ann)
    assert reply["answers"] == {"reply": story["reply"]}


async def test_mydata_lists_the_reply_in_words(polling_bot: RunningBot) -> None:
    bot, ann = polling_bot, polling_bot.person()
    await ask(bot, ann, "result")
    await ann.tap(label(bot, "feedback"))
    await walk(after_reply(bot), ann, {"reply": "feedback"}, NEW, start=False)
    await ann.send("/mydata", expect="in plain words")
    words = bot.fake.uploads[-1].content.decode("utf-8")
    catalog = after_reply(bot).catalog("en")
    assert "What the employer answered, as you told me (/replied):" in words
    assert f"{catalog.text('questions.reply.short')}: {label(bot, 'feedback')}" in words
    assert f"{catalog.text('details.gap.prompt')} more depth in SQL" in words
    first = bot.guide.catalog("en")
    stage_label = first.text(f"questions.stage.options.{FINAL['stage']}")
    assert f"{first.text('questions.stage.short')}: {stage_label}" in words  # the plan it answers, in words
    assert "You have reached your plan." in words  # where the after_reply guide stands
    internal = re.findall(r"\b(?:history|step|revising|format|session|state|run|asked)\b|[_{}]", words)
    assert internal == [], f"internal names shown to a person: {internal}"
    assert not re.search(r"^\s*- (?:reply|gap):", words, re.M)  # ids said in words, never raw
