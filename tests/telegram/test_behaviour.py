"""The bot under real-world trouble: blocked users, flood limits, network failures, errors,
lost sends, forged buttons, and what /mydata and /forget do to the database."""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import re
from email import message_from_bytes, policy

import pytest
from telegram import Chat, Message, Update

from bot.telegram import buttons as callbacks
from bot.telegram.app import PerChatUpdateProcessor
from tests.telegram.conftest import SECRET, RunningBot
from tests.telegram.walking import walk

FINAL = {
    "stage": "final",
    "role_status": "unknown",
    "time_since": "recent",
    "feedback": "vague",
    "new_material": "none",
    "contact": "none",
    "goal": "this_role",
}


async def test_startup_sets_commands_and_descriptions(polling_bot: RunningBot) -> None:
    fake = polling_bot.fake
    commands = [c["command"] for c in fake.commands['{"type": "default"}|']]
    assert commands == [
        "start",
        "back",
        "restart",
        "help",
        "mydata",
        "forget",
        "cancel",
        "share",
        "export",
        "reminders",
        "replied",
        "check",
        "timezone",
        "language",
    ]
    assert fake.method_counts["setMyDescription"] >= 1 and fake.method_counts["setMyShortDescription"] >= 1


async def test_failing_command_menu_is_a_warning_not_a_stop(
    polling_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = polling_bot
    await bot.stop()
    bot.fake.fail_with("setMyCommands", 400, "Bad Request: BOT_COMMAND_INVALID", times=2)
    bot.fake.fail_with("setMyDescription", 500, "Internal Server Error", times=20)
    with caplog.at_level(logging.WARNING, logger="bot.telegram.app"):
        await bot.start()
    assert "could not set the bot's commands" in caplog.text
    assert "could not set the bot's description" in caplog.text
    await bot.person().send("/start", expect="1/7")


async def test_a_blocked_chat_is_marked_inactive_and_revives(polling_bot: RunningBot) -> None:
    fake, ann = polling_bot.fake, polling_bot.person()
    await ann.send("/start", expect="1/7")
    fake.block_user(ann.id)
    ann.user.press_button("After the final round")
    await fake.idle()
    record = await polling_bot.store.load_chat(ann.id)
    assert record is not None and record.blocked
    assert record.session is not None and record.session["state"] == "role_status"  # the answer counted
    fake.unblock_user(ann.id)
    await ann.send("/help", expect="/forget")
    await ann.tap("After the final round", expect="2/7")  # the lost step is shown again
    record = await polling_bot.store.load_chat(ann.id)
    assert record is not None and not record.blocked
    assert fake.violations == [] and fake.unanswered_callback_queries() == []


async def test_flood_limits_are_waited_out(polling_bot: RunningBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # else PTB warns building RetryAfter (an error here)
    fake, ann = polling_bot.fake, polling_bot.person()
    fake.rate_limit("sendMessage", times=1, retry_after=1)
    await ann.send("/start", expect="1/7")
    assert [c.status for c in fake.calls_of("sendMessage")][:2] == [429, 200]


async def test_network_errors_are_retried(polling_bot: RunningBot) -> None:
    fake, ann = polling_bot.fake, polling_bot.person()
    fake.fail_next("sendMessage", times=2)
    fake.fail_next("editMessageText", drop=True)
    await ann.send("/start", expect="1/7")
    await ann.tap("After the final round", expect="2/7")
    step = fake.chat(ann.id).bot_messages[1]  # the question, edited into the next one
    assert step.text.startswith("✓ After the final round\n\n2/7") and step.edits == 1
    assert fake.violations == []


async def test_an_unexpected_failure_is_told_kindly_and_the_place_is_kept(polling_bot: RunningBot) -> None:
    fake, ann = polling_bot.fake, polling_bot.person()
    await ann.send("/start", expect="1/7")
    fake.fail_with("editMessageText", 500, "Internal Server Error", times=4)  # beyond the retries
    await ann.tap("After the final round", expect="something went wrong")
    record = await polling_bot.store.load_chat(ann.id)
    assert record is not None and record.session is not None
    assert record.session["state"] == "role_status" and record.message_step != record.session["step"]
    await ann.send("hello?", expect="2/7")  # the step that never arrived is shown
    await ann.tap("I'm not sure", expect="3/7")
    assert fake.violations == [] and fake.unanswered_callback_queries() == []


async def test_forged_and_foreign_buttons_change_nothing(polling_bot: RunningBot) -> None:
    ann = polling_bot.person()
    await ann.send("/start", expect="1/7")
    step = ann.current()
    record = await polling_bot.store.load_chat(ann.id)
    assert record is not None and record.session is not None
    session = record.session
    for data in (
        "garbage",
        callbacks.Payload(99, session["run"], session["step"], "a", "final").encode(),
        callbacks.Payload(1, session["run"], session["step"], "zz").encode(),
        callbacks.Payload(1, session["run"], session["step"], "a", "not_an_option").encode(),
    ):
        await ann.press(step.message_id, data)
        assert "earlier step" in (ann.callback_answer().get("text") or "")
    after = await polling_bot.store.load_chat(ann.id)
    assert after is not None and after.session == session
    assert polling_bot.fake.violations == [] and polling_bot.fake.unanswered_callback_queries() == []


async def test_language_falls_back_to_english(polling_bot: RunningBot) -> None:
    for user_id, code in ((2001, "de"), (2002, "en-US"), (2003, None)):
        person = polling_bot.person(user_id, language_code=code)
        await person.send("/start", expect="about two minutes")


async def test_result_files_mydata_and_forget(polling_bot: RunningBot) -> None:
    fake, ann = polling_bot.fake, polling_bot.person()
    details = {"company": "Zoë & Co", "your_name": "Alex"}
    await walk(polling_bot.guide, ann, FINAL, details)
    assert fake.uploads == []  # files only on request
    await ann.tap("Export", expect="one file that opens anywhere")
    [plan] = fake.uploads  # one document, not a pile of attachments
    assert plan.filename == "plan.txt" and b"Alex" in plan.content and "Zoë & Co".encode() in plan.content
    await ann.tap("Email drafts as .eml files", expect="start an email draft")
    emls = [u for u in fake.uploads if u.filename.endswith(".eml")]
    assert emls and len(fake.uploads) == 1 + len(emls)
    draft = message_from_bytes(emls[0].content, policy=policy.default)
    # The backup ask replies in their thread, so it carries no subject of its own.
    assert draft["X-Unsent"] == "1" and draft["Subject"] is None
    assert "Zoë & Co" in draft.get_content()

    await ann.send("/mydata", expect="in plain words")
    mine = fake.uploads[-1]
    assert mine.filename == "my-data.txt"
    words = mine.content.decode("utf-8")
    catalog = polling_bot.guide.catalog("en")
    assert "Stage: After the final round" in words  # answers in the words of the questions
    assert f"{catalog.text('details.company.prompt')} Zoë & Co" in words  # what they typed, as asked
    assert "Alex" in words and "You have reached your plan." in words
    assert "Your latest plan, kept for /share and /export" in words
    internal = re.findall(r"\b(?:history|step|revising|format|session|state|run|asked)\b|[_{}]", words)
    assert internal == [], f"internal names shown to a person: {internal}"

    await ann.send("/forget", expect="Erase everything")
    await ann.tap("Yes, erase it")
    assert await polling_bot.store.load_chat(ann.id) is None
    await ann.send("/mydata", expect="in plain words")
    assert fake.uploads[-1].content.decode("utf-8") == "I have nothing stored about you.\n"
    assert fake.violations == [] and fake.unanswered_callback_queries() == []


async def test_chats_run_in_parallel_and_each_chat_in_order() -> None:
    processor = PerChatUpdateProcessor(16)
    order: list[str] = []
    release = asyncio.Event()

    async def slow(name: str) -> None:
        order.append(f"{name} start")
        await release.wait()
        order.append(f"{name} end")

    async def quick(name: str) -> None:
        order.append(name)

    def update(update_id: int, chat_id: int) -> Update:
        chat = Chat(chat_id, "private")
        return Update(update_id, message=Message(update_id, dtm.datetime.now(dtm.UTC), chat, text="x"))

    first = asyncio.create_task(processor.process_update(update(1, 10), slow("A1")))
    second = asyncio.create_task(processor.process_update(update(2, 10), quick("A2")))
    other = asyncio.create_task(processor.process_update(update(3, 20), quick("B1")))
    await other  # another chat is not held up by A1
    await asyncio.sleep(0.01)
    assert order == ["A1 start", "B1"]  # A2 waits for A1
    release.set()
    await asyncio.gather(first, second)
    assert order == ["A1 start", "B1", "A1 end", "A2"]
    assert processor._locks == {}  # nothing left behind


async def test_the_token_and_webhook_secret_never_reach_the_logs(
    running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ann = running_bot.person()
    await ann.send("/start", expect="1/7")
    await ann.tap("After the final round", expect="2/7")
    await running_bot.restart()  # start-up and shut-down lines too
    assert caplog.records
    secret = running_bot.fake.token.split(":")[1]
    for record in caplog.records:
        line = record.getMessage() + (record.exc_text or "")
        assert secret not in line and SECRET not in line


async def test_many_people_at_once_each_get_their_own_guide(webhook_bot: RunningBot) -> None:
    # Few people: PTB's rate limiter holds the whole bot to Telegram's 30 requests a second.
    running_bot = webhook_bot
    people = [running_bot.person(3000 + n, f"P{n}") for n in range(5)]
    answers = [dict(FINAL, time_since="recent" if n % 2 else "weeks") for n in range(5)]
    runs = await asyncio.gather(
        *(
            walk(running_bot.guide, p, a, {"company": f"Co{p.id}"})
            for p, a in zip(people, answers, strict=True)
        )
    )
    for person, answer, messages in zip(people, answers, runs, strict=True):
        assert f"Co{person.id}" in "\n".join(m.text for m in messages)
        record = await running_bot.store.load_chat(person.id)
        assert record is not None and record.session is not None
        assert record.session["answers"] == answer and record.session["state"] == "result"
    assert running_bot.fake.violations == [] and running_bot.fake.unanswered_callback_queries() == []
