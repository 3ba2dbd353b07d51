"""Never lose, invent or repeat a step.

- While a step is undelivered, a typed message re-shows it (and says so): never an answer.
- A send Telegram may have performed (no answer in time) is not retried, and no error is
  shown; a tap on that step's buttons proves it arrived and is taken as usual.
- /start in the middle of a guide offers "continue where you were" or "start over".
- Log lines at INFO carry no chat id and no /start payload.
"""

from __future__ import annotations

import logging

import pytest

from bot.engine import Guide
from tests.telegram.conftest import Person, RunningBot
from tests.telegram.walking import walk

FINAL = {
    "stage": "final",
    "role_status": "unknown",
    "time_since": "recent",
    "feedback": "vague",
    "new_material": "none",
    "contact": "strong",
    "goal": "this_role",
}
YOUR_NAME = "What name should I sign the message with?"
RECIPIENT = "What's the name of the person who wrote to you?"


async def stored_details(bot: RunningBot, person: Person) -> dict[str, str]:
    record = await bot.store.load_chat(person.id)
    assert record is not None and record.session is not None
    return dict(record.session.get("details", {}))


async def test_text_at_a_prompt_never_shown_is_not_taken_as_its_answer(
    polling_bot: RunningBot, guide: Guide
) -> None:
    fake, ann = polling_bot.fake, polling_bot.person()
    await walk(guide, ann, FINAL, stop_at_detail="your_name")
    fake.fail_with("sendMessage", 502, "Bad Gateway", times=4)  # the next prompt never arrives
    await ann.send("Ann Lee")
    assert (await stored_details(polling_bot, ann)).get("your_name") == "Ann Lee"
    assert not any(RECIPIENT in m.text for m in ann.messages)
    mark = ann.mark()
    await ann.send("Ann Lee", expect=RECIPIENT)  # she types it again: it only brings the prompt back
    assert "recipient_name" not in await stored_details(polling_bot, ann)
    shown = [m for m in ann.since(mark) if RECIPIENT in m.text]
    assert len(shown) == 1 and shown[0].buttons
    again = guide.catalog("en").text("ui.tg_step_again")
    assert any(again in m.text for m in ann.since(mark))
    await ann.send("Dana Rook")  # now the prompt is on screen: this is the answer
    assert (await stored_details(polling_bot, ann)).get("recipient_name") == "Dana Rook"
    assert fake.violations == []


async def test_text_written_before_the_prompt_arrived_is_not_its_answer(
    polling_bot: RunningBot, guide: Guide
) -> None:
    """The bot is slow: "hello?" is typed before the next prompt exists, and reaches the bot
    after it was shown. Older than the prompt, it cannot be its answer."""
    fake, ann = polling_bot.fake, polling_bot.person()
    await walk(guide, ann, FINAL, stop_at_detail="your_name")
    fake.answer_slowly("sendMessage", delay=None, chat_id=ann.id)
    ann.user.send("Ann Lee")
    await fake.wait_held("sendMessage")
    hello = ann.user.send("hello?")  # written now, before the prompt exists
    fake.release_held()
    await fake.wait_for_message(ann.id, contains=RECIPIENT)
    await fake.idle()
    [prompt] = [m for m in ann.messages if RECIPIENT in m.text]  # shown once, not again per message
    assert hello["message"]["message_id"] < prompt.message_id and prompt.buttons
    details = await stored_details(polling_bot, ann)
    assert details.get("your_name") == "Ann Lee" and "recipient_name" not in details
    await ann.send("Dana Rook")  # typed after it came: the answer
    assert (await stored_details(polling_bot, ann)).get("recipient_name") == "Dana Rook"
    assert fake.violations == []


async def test_text_typed_while_a_tapped_prompt_was_on_its_way_is_not_its_answer(
    polling_bot: RunningBot, guide: Guide
) -> None:
    """A tap leads to a text prompt while the bot is slow, and "hello?" typed meanwhile reaches
    the bot after the prompt is shown. The prompt comes as a new message (an edit would keep
    the tapped message's older id), so "hello?" is older than it: not its answer."""
    fake, ann = polling_bot.fake, polling_bot.person()
    catalog = guide.catalog("en")
    await walk(guide, ann, FINAL, stop_at_detail="your_name")
    await ann.tap(catalog.text("ui.back"), expect="what I'd suggest")
    fake.answer_slowly(None, chat_id=ann.id)  # whatever brings the prompt waits
    ann.user.press_button(catalog.text("ui.proceed"))
    await fake.wait_held()
    hello = ann.user.send("hello?")  # written before the prompt is on screen
    fake.release_held()
    await fake.wait_for_message(ann.id, contains=YOUR_NAME)
    await fake.idle()
    [prompt] = [m for m in ann.messages if YOUR_NAME in m.text and m.buttons]
    assert prompt.message_id > hello["message"]["message_id"]
    assert "your_name" not in await stored_details(polling_bot, ann)
    await ann.send("Ann Lee", expect=RECIPIENT)  # typed after it came: the answer
    assert (await stored_details(polling_bot, ann)).get("your_name") == "Ann Lee"
    assert fake.violations == []


async def test_a_step_sent_but_not_confirmed_is_not_repeated_and_a_tap_on_it_counts(
    polling_bot: RunningBot, guide: Guide
) -> None:
    fake, ann = polling_bot.fake, polling_bot.person()
    await ann.send("/start", expect="1/7")
    await ann.tap("After the final round", expect="2/7")
    fake.answer_late("editMessageText", delay=None, chat_id=ann.id)  # 3/7 arrives; its answer does not
    fake.answer_late("sendMessage", delay=None, chat_id=ann.id)
    ann.user.press_button("I'm not sure")
    await fake.wait_held()
    await fake.idle(quiet=6, timeout=30)  # the client gives up after 5 s
    fake.release_held()
    error = guide.catalog("en").text("ui.tg_error")
    assert not any(error in m.text for m in ann.messages)  # nothing alarming was said
    steps = [m for m in ann.messages if "3/7" in m.text]
    assert len(steps) == 1  # shown once
    await ann.tap("In the last 2 days", expect="4/7")  # tapped on the unconfirmed step: taken
    record = await polling_bot.store.load_chat(ann.id)
    assert record is not None and record.session is not None
    assert record.session["answers"]["time_since"] == "recent"
    assert len([m for m in ann.messages if "4/7" in m.text]) == 1
    assert fake.violations == []


async def test_start_in_the_middle_offers_to_continue_or_start_over(
    running_bot: RunningBot, guide: Guide
) -> None:
    catalog = guide.catalog("en")
    ann = running_bot.person()
    await ann.send("/start", expect="1/7")
    await ann.tap("After the final round", expect="2/7")
    await ann.send("/start", expect=catalog.text("ui.tg_start_midway"))
    await ann.tap(catalog.text("ui.tg_continue"), expect="2/7")
    record = await running_bot.store.load_chat(ann.id)
    assert record is not None and record.session is not None
    assert record.session["answers"] == {"stage": "final"}
    await ann.send("/start", expect=catalog.text("ui.tg_start_midway"))
    await ann.tap(catalog.text("ui.restart"), expect="1/7")
    record = await running_bot.store.load_chat(ann.id)
    assert record is not None and record.session is not None and record.session["answers"] == {}
    assert running_bot.fake.violations == [] and running_bot.fake.unanswered_callback_queries() == []


async def test_info_logs_carry_no_chat_id_and_no_start_payload(
    polling_bot: RunningBot, guide: Guide, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake = polling_bot.fake
    ann = polling_bot.person(918273645, "Ann")
    await ann.send("/start campaign_spring_secret", expect="1/7")
    await ann.send("/start share_DoesNotExist123")
    fake.block_user(ann.id)
    ann.user.press_button("After the final round")
    await fake.idle()
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert info, "expected some INFO lines"
    for line in info:
        assert "918273645" not in line and "campaign_spring_secret" not in line
        assert "DoesNotExist123" not in line


async def test_polling_confirms_a_committed_turn_while_its_messages_still_wait(
    polling_bot: RunningBot, guide: Guide
) -> None:
    """A committed turn is durable (a step it could not send is shown again at start-up), so
    Telegram is told it is done without waiting for its sends: one slow chat does not hold the
    offset back, and with it every other chat's next update."""
    fake, ann, bob = polling_bot.fake, polling_bot.person(), polling_bot.person(2002, "Bob")
    await walk(guide, ann, FINAL, stop_at_detail="your_name")
    fake.answer_slowly("sendMessage", delay=None, chat_id=ann.id)
    typed = ann.user.send("Ann Lee")
    await fake.wait_held("sendMessage")  # her turn's message waits...
    assert (await stored_details(polling_bot, ann)).get("your_name") == "Ann Lee"  # ...committed
    await fake.wait_for(
        lambda: typed["update_id"] not in fake.unconfirmed(), 5, "Ann's committed update confirmed"
    )
    await bob.send("/start", expect="1/7")  # meanwhile others go on
    assert not fake.unconfirmed()
    fake.release_held()
    await fake.wait_for_message(ann.id, contains=RECIPIENT)
    await fake.idle()
    assert fake.violations == []
