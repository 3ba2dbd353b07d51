"""Real processes killed at chosen points, and a Bot API that stops answering.

- An update the bot has taken but not committed is not lost to a SIGKILL (polling: the
  offset is confirmed only after the turn ran; webhook: the 200 comes only after it).
- SIGTERM exits within 10 s while the Bot API answers nothing.
- A send Telegram performed but answered too late is not repeated, nor sent again when the
  update comes again after a kill.
- A reminder whose request left before the process died is not sent again by another.
- A step committed but never sent (killed before the send, or while it waited for its turn
  under the chat's pacing) is shown at start-up; an edit in place cut off by a kill is redone.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine import Guide
from bot.storage import SQLiteStore
from tests.fakebotapi import FakeBotAPI
from tests.telegram.conftest import Person, RunningBot
from tests.telegram.processes import Bot, database_locked, kill_leftovers, taken, wait_until
from tests.telegram.test_delivery import FINAL, RECIPIENT
from tests.telegram.test_reminders import reminder_messages
from tests.telegram.walking import walk


@pytest.fixture(autouse=True)
def no_process_left() -> Iterator[None]:
    yield
    kill_leftovers()


@pytest.fixture
def fake_thread() -> Iterator[FakeBotAPI]:
    # Telegram retries a webhook delivery for a long time; ten seconds' worth here.
    server = FakeBotAPI(webhook_retries=200, webhook_retry_delay=0.05).start_in_thread()
    yield server
    server.stop_thread()


async def say(person: Person, text: str, expect: str) -> None:
    await person.send(text, expect=expect)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_an_update_taken_but_not_committed_survives_a_kill(
    fake_thread: FakeBotAPI, tmp_path: Path, mode: str
) -> None:
    fake = fake_thread
    webhook = mode == "webhook"
    ann = Person(fake, fake.user(1201, "Ann"))
    first = Bot(fake, tmp_path, "first", webhook=webhook)
    fake.run(say(ann, "/start", "1/7"))
    with database_locked(tmp_path):  # the tap's turn waits inside its commit
        update = ann.user.press_button("After the final round")
        wait_until(lambda: taken(fake, update["update_id"]), what="the bot to take the tap")
        time.sleep(0.3)  # long enough for a poller that confirms early to have done so
        first.kill()
    mark = ann.mark()
    second = Bot(fake, tmp_path, "second", webhook=webhook, port=first.port if webhook else None)
    fake.run(fake.wait_for_message(ann.id, contains="2/7", changed_after=mark), timeout=20)
    code, _ = second.terminate()
    assert code == 0
    assert fake.violations == []


def test_sigterm_exits_within_ten_seconds_while_the_bot_api_hangs(
    fake_thread: FakeBotAPI, tmp_path: Path
) -> None:
    fake = fake_thread
    ann = Person(fake, fake.user(1202, "Bo"))
    bot = Bot(fake, tmp_path, "hung")
    fake.run(say(ann, "/start", "1/7"))
    fake.hang(seconds=120)  # every method but getUpdates: no answer, nothing performed
    ann.user.press_button("After the final round")
    fake.run(fake.wait_held())  # a turn is now waiting on the Bot API
    code, took = bot.terminate()
    fake.release_held()
    assert code == 0 and took < 10, (code, took, bot.output[-2000:])
    assert "Traceback" not in bot.output


async def test_a_send_performed_but_answered_late_is_not_repeated(
    polling_bot: RunningBot, guide: Guide
) -> None:
    fake = polling_bot.fake
    ann = polling_bot.person()
    fake.answer_late("sendMessage", delay=None, chat_id=ann.id)  # performed; its answer never comes
    ann.user.send("/start")
    await fake.wait_held("sendMessage")
    await fake.idle(quiet=6, timeout=30)  # the client gives up after 5 s; a retry would follow
    fake.release_held()
    welcome = guide.catalog("en").text("ui.tg_welcome")[:40]
    assert sum(welcome in m.text for m in ann.messages) == 1  # not three times
    assert sum(welcome in (c.params.get("text") or "") for c in fake.calls_of("sendMessage")) <= 1


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_a_step_committed_but_never_sent_is_shown_at_start_up(
    fake_thread: FakeBotAPI, tmp_path: Path, mode: str
) -> None:
    """Killed between the commit and the send: after a restart the person gets the step
    without having to write anything."""
    fake = fake_thread
    webhook = mode == "webhook"
    ann = Person(fake, fake.user(1203, "Cy"))
    first = Bot(fake, tmp_path, "first", webhook=webhook)
    fake.run(say(ann, "/start", "1/7"))
    first.kill()
    crashing = Bot(
        fake,
        tmp_path,
        "crashing",
        webhook=webhook,
        port=first.port if webhook else None,
        RECONSIDER_TEST_CRASH_AT="after-commit",
    )
    mark = ann.mark()
    ann.user.press_button("After the final round")
    assert crashing.process.wait(20) == -9  # it killed itself right after the commit
    crashing.kill()
    assert not [m for m in ann.since(mark) if "2/7" in m.text]
    second = Bot(fake, tmp_path, "second", webhook=webhook, port=first.port if webhook else None)
    step = fake.run(fake.wait_for_message(ann.id, contains="2/7", changed_after=mark), timeout=20)
    assert step.buttons  # a live step, without the person writing anything
    fake.run(ann.tap("I'm not sure", "3/7"))
    code, _ = second.terminate()
    assert code == 0 and fake.violations == []


def chat_row(workdir: Path, chat_id: int) -> tuple[int, int | None]:
    """(the session's step, message_step) of a chat, read as another process would."""
    db = sqlite3.connect(f"file:{workdir / 'bot.sqlite3'}?mode=ro", uri=True, timeout=10)
    try:
        session, message_step = db.execute(
            "SELECT session, message_step FROM chats WHERE chat_id = ?", (chat_id,)
        ).fetchone()
    finally:
        db.close()
    return json.loads(session)["step"], message_step


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_a_step_sent_but_not_recorded_is_not_sent_again_by_a_redelivered_update(
    fake_thread: FakeBotAPI, tmp_path: Path, guide: Guide, mode: str
) -> None:
    """Killed after Telegram performed the send, before the bot heard back: Telegram then
    delivers the update again, which is not the person asking for the step once more."""
    fake = fake_thread
    webhook = mode == "webhook"
    ann = Person(fake, fake.user(1204, "Di"))
    first = Bot(fake, tmp_path, "first", webhook=webhook)
    fake.run(walk(guide, ann, FINAL, stop_at_detail="your_name"), timeout=60)
    fake.answer_late("sendMessage", delay=None, chat_id=ann.id)  # performed; the answer is held
    update = ann.user.send("Ann Lee")
    fake.run(fake.wait_held("sendMessage"))
    first.kill()
    fake.release_held()
    second = Bot(fake, tmp_path, "second", webhook=webhook, port=first.port if webhook else None)
    wait_until(lambda: update["update_id"] in processed(tmp_path), what="the update handled again")
    fake.run(fake.idle(quiet=1.0, timeout=20))
    prompts = [m for m in ann.messages if RECIPIENT in m.text]
    assert len(prompts) == 1, [m.text[:40] for m in ann.messages]  # not sent a second time
    # Its send was never confirmed: what is typed shows it again (saying so), then counts.
    fake.run(ann.send("Dana Rook", expect=RECIPIENT))
    fake.run(ann.send("Dana Rook", expect="3/"))
    code, _ = second.terminate()
    assert code == 0 and fake.violations == []


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_a_step_still_waiting_for_its_turn_to_be_sent_is_shown_at_start_up(
    fake_thread: FakeBotAPI, tmp_path: Path, guide: Guide, mode: str
) -> None:
    """A chat gets a burst of messages, then one a second: killed while the next step waits
    its turn, nothing of it was sent, so after a restart it comes without the person writing."""
    fake = fake_thread
    webhook = mode == "webhook"
    ann = Person(fake, fake.user(1205, "Eve"))
    first = Bot(fake, tmp_path, "first", webhook=webhook)
    fake.run(walk(guide, ann, FINAL, stop_at_detail="your_name"), timeout=60)
    committed, _ = chat_row(tmp_path, ann.id)
    for _ in range(3):  # three replies use up the chat's burst
        ann.user.send("/help")
    ann.user.send("Ann Lee")
    wait_until(
        lambda: chat_row(tmp_path, ann.id) == (committed + 1, committed),
        what="the next step committed, its send waiting",
    )
    first.kill()
    assert not [m for m in ann.messages if RECIPIENT in m.text]
    mark = ann.mark()
    second = Bot(fake, tmp_path, "second", webhook=webhook, port=first.port if webhook else None)
    step = fake.run(fake.wait_for_message(ann.id, contains=RECIPIENT, changed_after=mark), timeout=20)
    assert step.buttons  # without the person writing anything
    fake.run(ann.send("Dana Rook", expect="3/"))
    code, _ = second.terminate()
    assert code == 0 and fake.violations == []


@pytest.mark.parametrize("performed", [False, True], ids=["lost-on-the-way", "performed"])
@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_an_edit_in_place_cut_off_by_a_kill_is_redone_at_start_up(
    fake_thread: FakeBotAPI, tmp_path: Path, mode: str, performed: bool
) -> None:
    """A tap's next step is the tapped message edited in place. Killed before Telegram's answer
    to that edit came, the bot cannot know whether it was done; an edit is safe to repeat, so
    after a restart it is redone without the person writing, and the step is on screen once."""
    fake = fake_thread
    webhook = mode == "webhook"
    ann = Person(fake, fake.user(1207 + performed, "Gil"))
    first = Bot(fake, tmp_path, "first", webhook=webhook)
    fake.run(say(ann, "/start", "1/7"))
    if performed:
        fake.answer_late("editMessageText", delay=None, chat_id=ann.id)
    else:
        fake.hang("editMessageText", chat_id=ann.id)
    ann.user.press_button("After the final round")
    fake.run(fake.wait_held("editMessageText"))
    step, message_step = chat_row(tmp_path, ann.id)
    assert message_step == -step  # begun, outcome unknown
    first.kill()
    fake.release_held()
    assert any("2/7" in m.text for m in ann.messages) is performed
    second = Bot(fake, tmp_path, "second", webhook=webhook, port=first.port if webhook else None)
    wait_until(lambda: chat_row(tmp_path, ann.id) == (step, step), what="the edit redone and recorded")
    fake.run(fake.idle(quiet=1.0, timeout=20))
    shown = [m for m in ann.messages if m.from_bot and "2/7" in m.text]
    assert len(shown) == 1 and shown[0].buttons and shown[0] is ann.current()
    fake.run(ann.tap("I'm not sure", "3/7"))
    code, _ = second.terminate()
    assert code == 0 and fake.violations == []


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_a_tap_taken_then_delivered_again_after_a_kill_is_not_called_stale(
    fake_thread: FakeBotAPI, tmp_path: Path, guide: Guide, mode: str
) -> None:
    """Killed after a tap was taken but before its answer reached Telegram: the tap comes again,
    and the session it moved on no longer matches its button. That is not "a button from an
    earlier step": the person is not told so, and the step it brought is on screen."""
    fake = fake_thread
    webhook = mode == "webhook"
    ann = Person(fake, fake.user(1209, "Hal"))
    first = Bot(fake, tmp_path, "first", webhook=webhook)
    fake.run(say(ann, "/start", "1/7"))
    fake.hang("answerCallbackQuery")
    update = ann.user.press_button("After the final round")
    fake.run(fake.wait_held("answerCallbackQuery"))
    first.kill()
    fake.release_held()
    second = Bot(fake, tmp_path, "second", webhook=webhook, port=first.port if webhook else None)
    wait_until(lambda: update["update_id"] in processed(tmp_path), what="the tap handled")
    fake.run(fake.idle(quiet=1.0, timeout=20))
    query = update["callback_query"]["id"]
    stale = guide.catalog("en").text("ui.tg_stale")
    assert not [
        c
        for c in fake.calls_of("answerCallbackQuery")
        if c.params.get("callback_query_id") == query and c.params.get("text") == stale
    ]
    fake.run(ann.tap("I'm not sure", "3/7"))  # 2/7 is on screen and answers
    code, _ = second.terminate()
    assert code == 0 and fake.violations == []


def processed(workdir: Path) -> set[int]:
    db = sqlite3.connect(f"file:{workdir / 'bot.sqlite3'}?mode=ro", uri=True, timeout=10)
    try:
        return {row[0] for row in db.execute("SELECT update_id FROM processed_updates")}
    finally:
        db.close()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_a_result_cut_off_midway_is_completed_at_start_up_without_repeats(
    fake_thread: FakeBotAPI, tmp_path: Path, guide: Guide, mode: str
) -> None:
    """A result of several messages, killed after its first went out while the others waited
    their turn: after a restart the others come, and none twice."""
    fake = fake_thread
    webhook = mode == "webhook"
    catalog = guide.catalog("en")
    ann = Person(fake, fake.user(1206, "Flo"))
    first = Bot(fake, tmp_path, "first", webhook=webhook)
    fake.run(walk(guide, ann, FINAL), timeout=60)  # to the result, skipping the details
    fake.run(ann.send("/back", expect=catalog.text("ui.skip")))  # the last detail's prompt
    for _ in range(3):  # three replies use up the chat's burst: the result's messages wait
        ann.user.send("/help")
    mark = ann.mark()
    ann.user.press_button(catalog.text("ui.skip"))
    footer = catalog.text("ui.tg_result_footer")

    def result_begun() -> bool:
        texts = [m.text for m in ann.since(mark) if m.from_bot and "/help" not in m.text]
        return bool(texts) and not any(footer in text for text in texts)

    wait_until(result_begun, what="the result's first message out")
    first.kill()
    sent = [m.text for m in ann.since(mark) if m.from_bot and m.text]
    assert not any(footer in text for text in sent)  # cut off before its last message
    second = Bot(fake, tmp_path, "second", webhook=webhook, port=first.port if webhook else None)
    fake.run(fake.wait_for_message(ann.id, contains=footer, changed_after=mark), timeout=20)
    fake.run(fake.idle(quiet=1.0, timeout=20))
    texts = [m.text for m in ann.since(mark) if m.from_bot and m.text and "/help" not in m.text]
    assert sent and len(texts) == len(set(texts)), texts  # nothing twice
    assert ann.current().buttons and footer in ann.current().text
    code, _ = second.terminate()
    assert code == 0 and fake.violations == []


def test_a_reminder_sent_by_a_process_killed_before_it_heard_back_is_not_sent_again(
    fake_thread: FakeBotAPI, tmp_path: Path, guide: Guide
) -> None:
    """Telegram performed the reminder's send; the process died before the answer came. When
    the claim's lease runs out, another process counts it as sent instead of sending it again
    (at most once when the outcome is unknown)."""
    fake = fake_thread
    gus = fake.user(1207, "Gus")
    gus.open_private_chat()
    body = guide.catalog("en").text("ui.tg_check_in_body")
    content = {"kind": "nudge", "subject": "Following up", "about": "Acme", "body": body}
    store = SQLiteStore(tmp_path / "bot.sqlite3")
    try:
        fake.run(store.add_reminder(1, gus.id, gus.id, 1, "b6", "en", content, int(time.time()) - 60))
    finally:
        fake.run(store.close())
    fake.answer_late("sendMessage", delay=None, chat_id=gus.id)  # performed; the answer is held
    first = Bot(fake, tmp_path, "first", REMINDER_CHECK_SECONDS="0.05")
    fake.run(fake.wait_held("sendMessage"))
    first.kill()
    fake.release_held()
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:  # the lease runs out, as time would
        db.execute("UPDATE reminders SET claimed_at = claimed_at - 3600 WHERE state = 'sending'")
    db.close()
    second = Bot(fake, tmp_path, "second", REMINDER_CHECK_SECONDS="0.05")
    wait_until(lambda: reminder_state(tmp_path) == "sent", what="the reminder settled")
    fake.run(fake.idle(quiet=0.5))
    assert len(reminder_messages(fake, gus.id)) == 1  # not twice
    code, _ = second.terminate()
    assert code == 0 and fake.violations == []


def reminder_state(workdir: Path) -> str:
    db = sqlite3.connect(f"file:{workdir / 'bot.sqlite3'}?mode=ro", uri=True, timeout=10)
    try:
        return str(db.execute("SELECT state FROM reminders").fetchone()[0])
    finally:
        db.close()
