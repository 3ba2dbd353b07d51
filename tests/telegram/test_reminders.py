"""Follow-up reminders end to end, through the fake Bot API and a real SQLite file: set from
the result, sent at start-up after a restart, answered ("Did they reply?"), listed and
cancelled, erased by /forget, dropped for a blocked chat, and sent exactly once by two
bot processes sharing one database."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.engine import Guide
from bot.engine.followup import DELAYS, nudge_draft
from bot.storage import Reminder, SQLiteStore
from bot.telegram import buttons as callbacks
from bot.telegram.buttons import Act
from bot.telegram.views.reminders import date_words
from tests.fakebotapi import ChatMessage, FakeBotAPI
from tests.telegram.conftest import Person, RunningBot, free_port
from tests.telegram.test_process import BotProcess
from tests.telegram.walking import walk

# The primary asks a question, so the plan has the one follow-up nudge (default: 6 business days).
# Interview, no reason given: one feedback question (naming the company for future roles),
# so one nudge after 5-7 business days.
FINAL = {
    "stage": "interview",
    "role_status": "unknown",
    "time_since": "recent",
    "feedback": "vague",
    "new_material": "none",
    "contact": "none",
    "goal": "future",
}
# Future roles, a month on: nothing to nudge about, a check-in in about a month.
FUTURE = {
    "stage": "interview",
    "role_status": "filled",
    "time_since": "month",
    "feedback": "none",
    "new_material": "none",
    "contact": "none",
    "goal": "future",
}
DETAILS = {"company": "Zoë & Co", "role": "Designer", "your_name": "Alex"}
NUDGE_TITLE = "Time for your one follow-up"


def make_due(database: Path) -> None:
    """Move every pending reminder into the past, in the database itself (as time would)."""
    with sqlite3.connect(database) as raw:
        raw.execute("UPDATE reminders SET due_at = ? WHERE state = 'pending'", (int(time.time()) - 60,))
    raw.close()


async def reminders_of(store: SQLiteStore, chat_id: int) -> list[Reminder]:
    exported = await store.export_user(chat_id)
    return [r for r in (await store.get_reminder(item["id"]) for item in exported["reminders"]) if r]


def reminder_messages(fake: FakeBotAPI, chat_id: int, title: str = NUDGE_TITLE) -> list[ChatMessage]:
    return [m for m in fake.chat(chat_id).bot_messages if title in m.text]


async def remind_from_result(bot: RunningBot, person: Person, answers: dict[str, str]) -> Reminder:
    await walk(bot.guide, person, answers, DETAILS)
    await person.tap("⏰ Remind me in 6 business days", expect="Done. On")
    [reminder] = await bot.store.pending_reminders(person.id)
    return reminder


async def test_remind_me_stores_the_nudge_and_confirms_the_date(polling_bot: RunningBot) -> None:
    bot, ann = polling_bot, polling_bot.person()
    catalog = bot.guide.catalog("en")
    reminder = await remind_from_result(bot, ann, FINAL)
    created = datetime.fromtimestamp(reminder.created_at, UTC)
    assert abs(reminder.due_at - DELAYS["b6"].due(created).timestamp()) <= 1
    assert (reminder.delay, reminder.language, reminder.state) == ("b6", "en", "pending")
    draft = nudge_draft(bot.guide.plan_for(FINAL, DETAILS, "en"))
    assert draft is not None
    assert reminder.payload == {
        "kind": "nudge",
        "subject": draft.subject,
        "body": draft.body,
        "about": "Zoë & Co, Designer",
    }
    confirmation, zone_question = ann.messages[-2:]
    assert date_words(reminder.due_at, catalog, time.time()) + " (UTC)" in confirmation.text
    assert "which time zone are you in?" in zone_question.text  # asked with the first reminder
    result = next(m for m in reversed(ann.messages) if "⏰ Remind me in 6 business days" in m.button_texts)
    assert result.message_id < confirmation.message_id  # the result keeps its buttons

    await ann.tap("⏰ Remind me in 6 business days", expect="You already have a reminder")
    assert len(await bot.store.pending_reminders(ann.id)) == 1
    assert bot.fake.violations == [] and bot.fake.unanswered_callback_queries() == []


async def test_other_delays_and_a_check_in_for_future_roles(polling_bot: RunningBot) -> None:
    bot, bo = polling_bot, polling_bot.person(1002, "Bo")
    await walk(bot.guide, bo, FUTURE, DETAILS)
    assert {"⏰ Remind me in a month", "Other delays…"} <= set(bo.current().button_texts)
    await bo.tap("Other delays…", expect="When should I remind you?")
    choices = bo.messages[-1]
    assert choices.button_texts == [
        "In 6 business days",
        "In 3 days",
        "In 2 weeks",
        "In a month",
        "In 3 months",
    ]
    await bo.tap("In 3 days")
    edited = bo.fake.chat(bo.id).get(choices.message_id)
    assert edited is not None and "Done. On" in edited.text and not edited.buttons
    [reminder] = await bot.store.pending_reminders(bo.id)
    assert reminder.delay == "d3" and reminder.payload["kind"] == "check_in"
    assert "[One line with your reason to write" in reminder.payload["body"]
    assert bot.fake.violations == [] and bot.fake.unanswered_callback_queries() == []


async def test_an_old_remind_button_is_stale_and_stores_nothing(polling_bot: RunningBot) -> None:
    bot, ann = polling_bot, polling_bot.person()
    await walk(bot.guide, ann, FINAL)
    result = ann.current()
    remind = next(b.data for row in result.buttons for b in row if b.text.startswith("⏰"))
    await ann.send("/restart", expect="1/7")
    await ann.press(result.message_id, remind)
    assert "earlier step" in (ann.callback_answer().get("text") or "")
    assert await bot.store.pending_reminders(ann.id) == []
    assert bot.fake.violations == [] and bot.fake.unanswered_callback_queries() == []


async def test_a_reminder_due_while_down_is_sent_at_start_up_and_answered(polling_bot: RunningBot) -> None:
    bot, ann = polling_bot, polling_bot.person()
    reminder = await remind_from_result(bot, ann, FINAL)
    await bot.fake.idle()
    await bot.stop()
    make_due(bot.store.path)
    await bot.start()  # REMINDER_CHECK_SECONDS is the default 30 s: only the start-up check can send it
    message = await bot.fake.wait_for_message(ann.id, contains=NUDGE_TITLE)
    await bot.fake.idle()
    assert len(reminder_messages(bot.fake, ann.id)) == 1
    assert reminder.payload["body"] in message.text and "Zoë & Co, Designer" in message.text
    assert [e["type"] for e in message.entities].count("pre") == 1
    assert "Did they reply?" in message.text
    assert message.button_texts == ["Yes, they replied", "They said no", "No reply yet"]
    yes_data = message.buttons[0][0].data
    sent = await bot.store.get_reminder(reminder.id)
    assert sent is not None and sent.state == "sent" and sent.sent_at is not None

    await ann.tap("They said no", expect="Thank you for telling me")
    first = ann.last_update
    stored = await bot.store.get_reminder(reminder.id)
    assert stored is not None and stored.outcome == "no" and stored.outcome_at is not None
    answered = bot.fake.chat(ann.id).get(message.message_id)
    assert answered is not None and answered.text.endswith("✓ They said no") and not answered.buttons
    ann.callback_answer(first)  # answered exactly once
    # A second tap on the old button (a double tap, or a stale client) keeps the first answer.
    await ann.press(message.message_id, yes_data)
    assert "already noted" in (ann.callback_answer().get("text") or "")
    stored = await bot.store.get_reminder(reminder.id)
    assert stored is not None and stored.outcome == "no"
    assert bot.fake.violations == [] and bot.fake.unanswered_callback_queries() == []


async def test_no_reply_yet_offers_one_later_check_in(polling_bot: RunningBot) -> None:
    bot, ann = polling_bot, polling_bot.person()
    reminder = await remind_from_result(bot, ann, FINAL)
    make_due(bot.store.path)
    assert bot.runner is not None
    await bot.runner.reminders.run_once()
    await ann.send("/restart", expect="1/7")  # a new guide run meanwhile: the reminder's buttons still work
    await ann.tap("No reply yet", expect="Then let it rest")
    stored = await bot.store.get_reminder(reminder.id)
    assert stored is not None and stored.outcome == "waiting"
    await ann.tap("⏰ Remind me in 3 months", expect="Done. On")
    [later] = await bot.store.pending_reminders(ann.id)
    assert (later.delay, later.payload["kind"]) == ("d90", "check_in")
    assert later.payload["about"] == "Zoë & Co, Designer"
    assert bot.fake.violations == [] and bot.fake.unanswered_callback_queries() == []


async def test_reminders_lists_and_cancels(polling_bot: RunningBot) -> None:
    bot, ann = polling_bot, polling_bot.person()
    await ann.send("/reminders", expect="You have no reminders")
    reminder = await remind_from_result(bot, ann, FINAL)
    catalog = bot.guide.catalog("en")
    messages = await ann.send("/reminders", expect="Your reminders")
    [item] = [m for m in messages if m.buttons]
    cancel_data = item.buttons[0][0].data
    assert date_words(reminder.due_at, catalog, time.time()) in item.text
    assert "your one follow-up (Zoë & Co, Designer)" in item.text
    await ann.tap("Cancel this reminder")
    cancelled = bot.fake.chat(ann.id).get(item.message_id)
    assert cancelled is not None and cancelled.text.startswith("Cancelled") and not cancelled.buttons
    stored = await bot.store.get_reminder(reminder.id)
    assert stored is not None and stored.state == "cancelled"
    await ann.press(item.message_id, cancel_data)  # the old Cancel, tapped again
    assert "already sent or cancelled" in (ann.callback_answer().get("text") or "")
    await ann.send("/reminders", expect="You have no reminders")
    make_due(bot.store.path)
    assert bot.runner is not None
    await bot.runner.reminders.run_once()
    await bot.fake.idle()
    assert reminder_messages(bot.fake, ann.id) == []  # a cancelled reminder is never sent
    assert bot.fake.violations == [] and bot.fake.unanswered_callback_queries() == []


async def test_forget_erases_reminders_and_their_buttons(polling_bot: RunningBot) -> None:
    bot, ann = polling_bot, polling_bot.person()
    reminder = await remind_from_result(bot, ann, FINAL)
    await ann.send("/mydata", expect="in plain words")
    words = bot.fake.uploads[-1].content.decode()
    assert "Reminders (when, what, and how it went):" in words and "waiting to be sent" in words
    await ann.send("/forget", expect="your reminders")
    await ann.tap("Yes, erase it")
    assert "erased everything" in ann.messages[-1].text
    assert await bot.store.get_reminder(reminder.id) is None
    forged = callbacks.Payload(0, 0, 0, Act.OUTCOME, f"{reminder.id}-y").encode()
    await ann.press(ann.messages[-1].message_id, forged)
    assert "no longer exists" in (ann.callback_answer().get("text") or "")
    assert bot.fake.violations == [] and bot.fake.unanswered_callback_queries() == []


async def test_a_blocked_chat_gets_one_attempt_and_is_marked(polling_bot: RunningBot) -> None:
    bot, ann = polling_bot, polling_bot.person()
    reminder = await remind_from_result(bot, ann, FINAL)
    bot.fake.block_user(ann.id)
    make_due(bot.store.path)
    assert bot.runner is not None
    for _ in range(3):
        await bot.runner.reminders.run_once()
    await bot.fake.idle()
    attempts = [c for c in bot.fake.calls_of("sendMessage") if c.chat_id == ann.id and c.status == 403]
    assert len(attempts) == 1
    stored = await bot.store.get_reminder(reminder.id)
    assert stored is not None and stored.state == "blocked"
    record = await bot.store.load_chat(ann.id)
    assert record is not None and record.blocked


async def test_passing_failures_are_retried_on_the_next_check(polling_bot: RunningBot) -> None:
    bot, ann = polling_bot, polling_bot.person()
    reminder = await remind_from_result(bot, ann, FINAL)
    bot.fake.fail_with("sendMessage", 500, "Internal Server Error", times=4)  # beyond the app's retries
    make_due(bot.store.path)
    assert bot.runner is not None
    await bot.runner.reminders.run_once()
    stored = await bot.store.get_reminder(reminder.id)
    assert stored is not None and (stored.state, stored.attempts) == ("pending", 1)
    await bot.runner.reminders.run_once()
    await bot.fake.wait_for_message(ann.id, contains=NUDGE_TITLE)
    stored = await bot.store.get_reminder(reminder.id)
    assert stored is not None and stored.state == "sent"


async def test_a_reminder_telegram_did_not_confirm_is_sent_at_most_once(polling_bot: RunningBot) -> None:
    """Telegram performs the send but its answer never comes: not repeated, then or later."""
    bot, ann = polling_bot, polling_bot.person()
    reminder = await remind_from_result(bot, ann, FINAL)
    bot.fake.answer_late("sendMessage", delay=None, chat_id=ann.id)
    make_due(bot.store.path)
    assert bot.runner is not None
    await bot.runner.reminders.run_once()  # gives up on the answer after the client's timeout
    bot.fake.release_held()
    for _ in range(2):
        await bot.runner.reminders.run_once()
    await bot.fake.idle()
    assert len(reminder_messages(bot.fake, ann.id)) == 1
    stored = await bot.store.get_reminder(reminder.id)
    assert stored is not None and stored.state == "sent"


@pytest.fixture
def fake_in_thread() -> Iterator[FakeBotAPI]:
    fake = FakeBotAPI().start_in_thread()
    yield fake
    fake.stop_thread()


def test_two_processes_send_each_of_many_reminders_exactly_once(
    fake_in_thread: FakeBotAPI, guide: Guide, tmp_path: Path
) -> None:
    fake = fake_in_thread
    people = [fake.user(6000 + n, f"P{n}") for n in range(40)]
    catalog = guide.catalog("en")
    content = {
        "kind": "nudge",
        "subject": "Following up",
        "about": "",
        "body": catalog.text("ui.tg_check_in_body"),
    }
    store = SQLiteStore(tmp_path / "bot.sqlite3")
    try:
        for update_id, person in enumerate(people, start=1):
            person.open_private_chat()
            fake.run(
                store.add_reminder(
                    update_id,
                    person.id,
                    person.id,
                    1,
                    "b6",
                    "en",
                    {**content, "about": f"Co{person.id}"},
                    int(time.time()) + 3600,
                )
            )
    finally:
        fake.run(store.close())
    env = {"REMINDER_CHECK_SECONDS": "0.05", "WEBHOOK_LISTEN": "127.0.0.1"}
    processes = []
    for name in ("one", "two"):  # webhook mode: no getUpdates conflict between the two
        port = free_port()
        processes.append(
            BotProcess(
                fake,
                tmp_path,
                name,
                WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
                WEBHOOK_PORT=str(port),
                **env,
            )
        )
    try:
        make_due(tmp_path / "bot.sqlite3")  # both are running: they race for every reminder

        def all_sent() -> bool:
            return all(reminder_messages(fake, p.id) for p in people)

        fake.run(fake.wait_for(all_sent, timeout=30, what="40 reminders"), timeout=40)
        fake.run(fake.idle())
    finally:
        codes = [process.terminate() for process in processes]
    assert codes == [0, 0]
    for person in people:
        [message] = reminder_messages(fake, person.id)
        assert f"Co{person.id}" in message.text
    chats = {person.id for person in people}
    sends = [c for c in fake.calls_of("sendMessage") if c.chat_id in chats]
    assert len(sends) == 40 and {c.status for c in sends} == {200}
    with sqlite3.connect(tmp_path / "bot.sqlite3") as raw:
        states = raw.execute("SELECT state, COUNT(*) FROM reminders GROUP BY state").fetchall()
        workers = raw.execute("SELECT COUNT(DISTINCT claimed_by) FROM reminders").fetchone()[0]
    raw.close()
    assert states == [("sent", 40)]
    assert workers >= 1  # usually both won some; which one wins each is up to the race
    assert fake.violations == []
    for process in processes:
        assert " ERROR bot." not in process.output
