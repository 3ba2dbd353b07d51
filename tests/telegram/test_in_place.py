"""One message per step: a tap edits the tapped message into the next step (and answers the
tap), typed text gets the next step as a new message; durability stays as before."""

from __future__ import annotations

from bot.engine import Guide
from tests.telegram.conftest import RunningBot
from tests.telegram.walking import walk


def _methods_since(bot: RunningBot, count: int) -> list[str]:
    return sorted(c.method for c in bot.fake.calls[count:] if c.method != "getUpdates")


async def test_a_tap_costs_one_edit_and_one_answer(polling_bot: RunningBot) -> None:
    fake, ann = polling_bot.fake, polling_bot.person()
    await ann.send("/start", expect="1/7")
    question = ann.current()
    before = len(fake.calls)
    await ann.tap("After the final round", expect="2/7")
    assert _methods_since(polling_bot, before) == ["answerCallbackQuery", "editMessageText"]
    step = ann.current()
    assert step.message_id == question.message_id and step.text.startswith("✓ After the final round")
    record = await polling_bot.store.load_chat(ann.id)
    assert record is not None and record.session is not None
    assert (record.message_id, record.message_step) == (step.message_id, record.session["step"])
    assert fake.violations == [] and fake.unanswered_callback_queries() == []


async def test_typed_detail_closes_the_prompt_and_sends_the_next_step(
    polling_bot: RunningBot, guide: Guide
) -> None:
    fake, ann = polling_bot.fake, polling_bot.person()
    answers = {
        "stage": "final",
        "role_status": "unknown",
        "time_since": "recent",
        "feedback": "vague",
        "new_material": "none",
        "contact": "none",
        "goal": "this_role",
    }
    await walk(guide, ann, answers, stop_at_detail="company")
    prompt = ann.current()
    assert "What's the company called?" in prompt.text
    before = len(fake.calls)
    shown = await ann.send("Acme")
    assert _methods_since(polling_bot, before) == ["editMessageText", "sendMessage"]
    closed = fake.chat(ann.id).get(prompt.message_id)
    assert closed is not None and closed.text.endswith("✓ Acme") and not closed.buttons
    assert [m.message_id for m in shown if m.buttons] == [ann.current().message_id]
    assert ann.current().message_id > prompt.message_id
    assert fake.violations == []


async def test_a_message_that_cannot_be_edited_gets_the_step_anew(polling_bot: RunningBot) -> None:
    fake, ann = polling_bot.fake, polling_bot.person()
    await ann.send("/start", expect="1/7")
    question = ann.current()
    fake.fail_with("editMessageText", 400, "Bad Request: message can't be edited", times=1)
    shown = await ann.tap("After the final round", expect="2/7")
    step = ann.current()
    assert step.message_id > question.message_id and [m.message_id for m in shown] == [step.message_id]
    record = await polling_bot.store.load_chat(ann.id)
    assert record is not None and record.message_id == step.message_id
    await ann.tap("I'm not sure", expect="3/7")
    assert ann.current().message_id == step.message_id
    assert fake.unanswered_callback_queries() == []


async def test_a_result_without_drafts_replaces_the_tapped_message(polling_bot: RunningBot) -> None:
    fake, ann = polling_bot.fake, polling_bot.person()
    await ann.send("/start", expect="1/7")
    question = ann.current()
    await ann.tap("Before I spoke to anyone", expect="Do you know anyone")  # v2: for a referral
    await ann.tap("No one", expect="what matters most")
    shown = await ann.tap("Ending on a good note", expect="That's everything")
    assert [m.message_id for m in shown] == [question.message_id]
    assert "No reply needed" in shown[0].text and "Change an answer" in shown[0].button_texts
    record = await polling_bot.store.load_chat(ann.id)
    assert record is not None and record.message_id == question.message_id
    assert fake.violations == [] and fake.unanswered_callback_queries() == []


async def test_a_result_with_drafts_continues_below_the_tapped_one(
    polling_bot: RunningBot, guide: Guide
) -> None:
    fake, ann = polling_bot.fake, polling_bot.person()
    final = {
        "stage": "final",
        "role_status": "unknown",
        "time_since": "recent",
        "feedback": "vague",
        "new_material": "none",
        "contact": "none",
        "goal": "this_role",
    }
    await walk(guide, ann, final)  # every detail skipped: the result comes from a tap
    catalog = guide.catalog("en")
    footer = ann.current()
    assert "<pre>" in footer.html and catalog.text("ui.tg_result_footer") in footer.text
    assert "Change an answer" in footer.button_texts
    advice = next(m for m in reversed(ann.messages) if catalog.text("ui.why_this") in m.text)
    assert advice.edits >= 1 and not advice.buttons  # the tapped step, edited into the advice
    assert catalog.text("ui.tg_copy_hint") in advice.text
    drafts = [m for m in ann.messages if m.message_id > advice.message_id]
    assert drafts and drafts[-1].message_id == footer.message_id
    assert all("<pre>" in m.html for m in drafts) and sum(1 for m in drafts if m.buttons) == 1
    record = await polling_bot.store.load_chat(ann.id)
    assert record is not None and record.message_id == footer.message_id
    assert fake.violations == [] and fake.unanswered_callback_queries() == []
