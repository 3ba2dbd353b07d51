"""Privacy in every backend: /forget leaves no row carrying the person's id, in any table;
retention (RETENTION_DAYS) erases what inactive people typed and keeps the figures."""

from __future__ import annotations

from bot.storage import SavedReply, SavedResult, SharedPath
from tests.storage.conftest import OpenStore
from tests.storage.raw import rows_mentioning

PERSON, OTHER = 987_654_321, 123_456_789
DAY = 24 * 3600
NOW = 1_800_000_000
SESSION = {
    "flow": "reconsider",
    "flow_version": 1,
    "state": "result",
    "run": 1,
    "step": 9,
    "answers": {"stage": "final"},
    "details": {"company": "Secret Corp"},
}
CONTENT = {"kind": "nudge", "subject": "Following up", "body": "Dear Secret Corp"}


async def use_everything(open_at: OpenStore, person: int, clock: list[float], first_update: int) -> None:
    store = open_at(clock=lambda: clock[0])
    u = first_update
    await store.commit_turn(
        u,
        person,
        person,
        SESSION,
        expected_version=0,
        result=SavedResult(
            person, "reconsider", 1, "en", {"stage": "final"}, {"company": "Secret Corp"}, int(clock[0])
        ),
    )
    await store.record_delivery(person, 55, 9)
    await store.add_share(
        SharedPath(f"code{person}", person, "reconsider", 1, "en", {"stage": "final"}, int(clock[0]))
    )
    added = await store.add_reminder(u + 1, person, person, 1, "b6", "en", CONTENT, int(clock[0]) - 1)
    assert added is not None
    assert await store.claim_reminder(added[0].id, "w", int(clock[0]), 600)
    assert await store.finish_reminder(added[0].id, "w", "sent", int(clock[0]))
    assert await store.record_outcome(u + 2, person, added[0].id, "yes") == "recorded"
    await store.add_reminder(u + 3, person, person, 2, "d3", "en", CONTENT, int(clock[0]) + 90 * DAY)
    await store.record_update(u + 4, person)
    await store.save_reply(
        SavedReply(
            person,
            "reconsider",
            {"stage": "final"},
            int(clock[0]),
            "after_reply",
            1,
            "en",
            2,
            {"reply": "call"},
            {"times": "Tue 10-12"},
            int(clock[0]),
        )
    )


async def test_forget_leaves_no_row_with_the_persons_id_in_any_table(
    database_url: str, open_at: OpenStore
) -> None:
    clock = [float(NOW)]
    await use_everything(open_at, PERSON, clock, 1)
    await use_everything(open_at, OTHER, clock, 101)
    store = open_at(clock=lambda: clock[0])
    exported = await store.export_user(PERSON)
    assert set(exported) == {"user_id", "chats", "latest_result", "shares", "reminders", "replies"}
    assert exported["latest_result"]["details"] == {"company": "Secret Corp"}
    assert len(exported["reminders"]) == 2
    assert rows_mentioning(database_url, PERSON)  # the check below can see the person's rows
    assert await store.forget_user(PERSON) == 1
    assert rows_mentioning(database_url, PERSON) == {}
    assert set(rows_mentioning(database_url, OTHER)) >= {"chats", "results", "shares", "reminders", "replies"}
    figures = await store.stats()  # what the person's reminder counted is kept, without ids
    assert (figures["reminders_sent"], figures["outcomes_yes"], figures["chats"]) == (2, 2, 1)


async def test_retention_erases_what_inactive_people_typed_and_keeps_the_rest(
    database_url: str, open_at: OpenStore
) -> None:
    clock = [float(NOW)]
    await use_everything(open_at, PERSON, clock, 1)  # then silent
    clock[0] += 20 * DAY
    await use_everything(open_at, OTHER, clock, 101)  # active 20 days later
    clock[0] += 15 * DAY  # PERSON: 35 days silent, OTHER: 15
    store = open_at(clock=lambda: clock[0])
    erased = await store.erase_inactive(int(clock[0]) - 30 * DAY)
    assert erased == {"sessions": 1, "results": 1, "share_links": 1, "reminders": 1}
    record = await store.load_chat(PERSON)
    assert record is not None and record.session is None and record.runs == 1  # old buttons stay stale
    assert await store.load_result(PERSON) is None and await store.load_share(f"code{PERSON}") is None
    pending = await store.pending_reminders(PERSON)
    assert [r.delay for r in pending] == ["d3"]  # still to come: they asked for it
    assert await store.load_result(OTHER) is not None and await store.load_share(f"code{OTHER}") is not None
    other = await store.load_chat(OTHER)
    assert other is not None and other.session == SESSION
    figures = await store.stats()
    assert (figures["reminders_sent"], figures["outcomes_yes"]) == (2, 2)
    left = rows_mentioning(database_url, PERSON)
    assert "replies" not in left  # what the employer answered goes with the result it answers
    typed = {table: rows for table, rows in left.items() if "Secret Corp" in str(rows)}
    assert list(typed) == ["reminders"] and len(typed["reminders"]) == 1  # only the pending one
    assert await store.erase_inactive(int(clock[0]) - 30 * DAY) == {
        "sessions": 0,
        "results": 0,
        "share_links": 0,
        "reminders": 0,
    }


async def test_a_person_who_comes_back_is_active_again(open_at: OpenStore) -> None:
    clock = [float(NOW)]
    await use_everything(open_at, PERSON, clock, 1)
    clock[0] += 29 * DAY
    store = open_at(clock=lambda: clock[0])
    assert await store.record_update(50, PERSON)  # e.g. /help: they are here
    clock[0] += 29 * DAY
    assert (await store.erase_inactive(int(clock[0]) - 30 * DAY))["results"] == 0
    assert await store.load_result(PERSON) is not None
