"""The person's language and time zone, in every backend: kept with the chat without touching
its session or version, reported by /mydata's export, erased by /forget; and a pending
reminder moved to 9:00 their time."""

from __future__ import annotations

from tests.storage.conftest import OpenStore

PERSON = 555_000_111
NOW = 1_800_000_000
SESSION = {
    "flow": "reconsider",
    "flow_version": 2,
    "state": "stage",
    "run": 1,
    "step": 0,
    "language": "en",
    "answers": {},
    "details": {},
}
CONTENT = {"kind": "nudge", "subject": "s", "body": "b"}


async def test_preferences_are_kept_beside_the_session_and_erased_with_it(open_at: OpenStore) -> None:
    store = open_at(clock=lambda: NOW)
    await store.save_preferences(PERSON, PERSON, language="es")  # before any guide: a row of its own
    record = await store.load_chat(PERSON)
    assert record is not None and (record.language, record.time_zone, record.session) == ("es", None, None)
    assert await store.commit_turn(1, PERSON, PERSON, SESSION, expected_version=record.version)
    record = await store.load_chat(PERSON)
    assert record is not None and record.session == SESSION and record.language == "es"
    version = record.version
    await store.save_preferences(PERSON, PERSON, time_zone="Europe/Madrid")  # language left as it was
    record = await store.load_chat(PERSON)
    assert record is not None and (record.language, record.time_zone) == ("es", "Europe/Madrid")
    assert record.version == version  # a turn read before this still commits
    assert await store.commit_turn(2, PERSON, PERSON, SESSION, expected_version=version)
    [chat] = (await store.export_user(PERSON))["chats"]
    assert (chat["language"], chat["time_zone"]) == ("es", "Europe/Madrid")
    await store.forget_user(PERSON)
    assert await store.load_chat(PERSON) is None


async def test_a_pending_reminder_moves_and_a_sent_one_does_not(open_at: OpenStore) -> None:
    store = open_at(clock=lambda: NOW)
    added = await store.add_reminder(1, PERSON, PERSON, 1, "b6", "es", CONTENT, NOW + 600)
    assert added is not None
    reminder = added[0]
    assert await store.move_reminder(PERSON, reminder.id, NOW + 3600)
    moved = await store.get_reminder(reminder.id)
    assert moved is not None and moved.due_at == NOW + 3600
    assert not await store.move_reminder(PERSON + 1, reminder.id, NOW)  # not that chat's
    await store.cancel_reminder(2, PERSON, reminder.id)
    assert not await store.move_reminder(PERSON, reminder.id, NOW)
