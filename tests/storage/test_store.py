"""The Store protocol, run against every backend (the `store` fixture: SQLite and PostgreSQL),
then what only SQLite files have (WAL, upgrades of files made by earlier versions)."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.storage import (
    SavedResult,
    SessionConflict,
    SharedPath,
    SQLiteStore,
    Store,
    StoreError,
    open_store,
    sqlite_path,
)
from bot.storage.migrations import latest_version
from bot.storage.sqlite import PRUNE_EVERY, UPDATE_RETENTION_SECONDS
from tests.conftest import REPO
from tests.storage.conftest import OpenStore

SESSION = {
    "flow": "reconsider",
    "flow_version": 1,
    "state": "stage",
    "run": 1,
    "step": 3,
    "answers": {"a": "é"},
}
SCHEMA_VERSION = latest_version("sqlite")
LEGACY = REPO / "tests" / "data" / "legacy"


async def test_a_new_chat_is_unknown_then_committed(store: Store) -> None:
    assert await store.load_chat(42) is None
    assert await store.commit_turn(1, 42, 42, SESSION)
    record = await store.load_chat(42)
    assert record is not None
    assert (record.chat_id, record.user_id, record.session) == (42, 42, SESSION)
    assert (record.message_id, record.message_step, record.blocked) == (None, None, False)


async def test_a_redelivered_update_changes_nothing(store: Store) -> None:
    assert await store.commit_turn(7, 42, 42, SESSION)
    assert not await store.commit_turn(7, 42, 42, {**SESSION, "step": 99})
    record = await store.load_chat(42)
    assert record is not None and record.session == SESSION
    assert not await store.record_update(7)
    assert await store.record_update(8)
    assert not await store.record_update(8)


async def test_delivery_blocking_and_coming_back(store: Store) -> None:
    await store.commit_turn(1, 42, 42, SESSION)
    await store.record_delivery(42, 17, 3)
    await store.mark_blocked(42)
    record = await store.load_chat(42)
    assert record is not None and (record.message_id, record.message_step, record.blocked) == (17, 3, True)
    await store.commit_turn(2, 42, 42, None)  # talking again: active, and the message is kept
    record = await store.load_chat(42)
    assert record is not None and (record.session, record.message_id, record.blocked) == (None, 17, False)


async def test_steps_to_show_at_start_up(store: Store) -> None:
    """Never sent, cut off with messages still to send, or an edit in place to redo: shown at
    start-up. Merely uncertain (a new message that may have arrived): left for the person."""
    step = SESSION["step"]
    for chat in (41, 42, 43, 44, 45):
        await store.commit_turn(chat, chat, chat, SESSION)
    await store.record_delivery(41, 7, step - 1)  # never sent
    await store.record_delivery(42, 7, -step, 2)  # two messages still to go
    await store.record_delivery(43, 7, -step, 0, in_place=True)  # an edit of message 7
    await store.record_delivery(44, 7, -step)  # a new message, maybe on screen
    await store.record_delivery(45, 8, step)  # delivered
    found = {record.chat_id: record for record in await store.undelivered_chats()}
    assert sorted(found) == [41, 42, 43]
    assert (found[42].message_unsent, found[42].message_in_place) == (2, False)
    assert (found[43].message_id, found[43].message_step, found[43].message_in_place) == (7, -step, True)
    await store.record_delivery(43, 7, step)  # redone
    record = await store.load_chat(43)
    assert record is not None and (record.message_step, record.message_in_place) == (step, False)


async def test_export_and_forget_touch_only_that_person(store: Store) -> None:
    await store.commit_turn(1, 42, 42, SESSION)
    await store.commit_turn(2, 43, 43, SESSION)
    exported = await store.export_user(42)
    assert exported["user_id"] == 42 and [c["chat_id"] for c in exported["chats"]] == [42]
    assert exported["chats"][0]["session"] == SESSION
    assert await store.forget_user(42) == 1
    assert await store.load_chat(42) is None
    assert (await store.export_user(42))["chats"] == []
    assert await store.load_chat(43) is not None
    assert await store.forget_user(42) == 0


RESULT = SavedResult(42, "reconsider", 1, "en", {"stage": "final"}, {"company": "Zoë & Co"}, 1_700_000_000)


def shared(code: str, user_id: int = 42, answers: dict[str, str] | None = None) -> SharedPath:
    return SharedPath(code, user_id, "reconsider", 1, "en", answers or {"stage": "final"}, 1_700_000_000)


async def test_the_latest_result_is_kept_per_person_and_replaced(store: Store) -> None:
    assert await store.load_result(42) is None
    await store.save_result(RESULT)
    assert await store.load_result(42) == RESULT
    newer = SavedResult(42, "reconsider", 1, "en", {"stage": "screen"}, {}, 1_700_000_100)
    await store.save_result(newer)
    assert await store.load_result(42) == newer
    assert await store.load_result(43) is None


async def test_one_share_link_per_path(store: Store) -> None:
    assert await store.add_share(shared("abc")) == shared("abc")
    assert await store.add_share(shared("xyz")) == shared("abc")  # same answers: the same link
    assert await store.load_share("xyz") is None
    other = shared("def", answers={"stage": "screen"})
    assert await store.add_share(other) == other
    assert await store.load_share("def") == other
    assert await store.load_share("nope") is None


async def test_forget_revokes_share_links_and_the_result_and_export_shows_them(store: Store) -> None:
    await store.commit_turn(1, 42, 42, SESSION)
    await store.save_result(RESULT)
    await store.add_share(shared("abc"))
    await store.add_share(shared("other", user_id=43))
    exported = await store.export_user(42)
    assert exported["latest_result"]["details"] == {"company": "Zoë & Co"}
    assert [s["code"] for s in exported["shares"]] == ["abc"]
    assert "details" not in exported["shares"][0]
    assert await store.forget_user(42) == 1
    assert await store.load_result(42) is None and await store.load_share("abc") is None
    assert (await store.export_user(42)) == {
        "user_id": 42,
        "chats": [],
        "latest_result": None,
        "shares": [],
        "reminders": [],
        "replies": [],
    }
    assert await store.load_share("other") is not None


async def test_ping_and_close(store: Store) -> None:
    assert await store.ping()
    await store.close()
    await store.close()  # closing twice is harmless


async def test_sessions_survive_reopening(open_at: OpenStore) -> None:
    first = open_at()
    await first.commit_turn(1, 42, 42, SESSION)
    await first.close()
    second = open_at()
    record = await second.load_chat(42)
    assert record is not None and record.session == SESSION
    assert not await second.commit_turn(1, 42, 42, SESSION)


async def test_each_session_write_compares_and_swaps_the_chats_version(store: Store) -> None:
    assert await store.commit_turn(1, 42, 42, SESSION, expected_version=0)
    record = await store.load_chat(42)
    assert record is not None and record.version == 1
    with pytest.raises(SessionConflict):  # a turn that loaded the chat before the write above
        await store.commit_turn(2, 42, 42, {**SESSION, "step": 4}, expected_version=0)
    assert await store.commit_turn(2, 42, 42, {**SESSION, "step": 4}, expected_version=1)  # the update id
    record = await store.load_chat(42)  # was not kept by the refused write: the retry goes through
    assert record is not None and (record.version, record.session["step"]) == (2, 4)
    with pytest.raises(SessionConflict):
        await store.commit_turn(3, 43, 43, SESSION, expected_version=5)  # expected a chat that is not there
    assert await store.load_chat(43) is None


async def test_the_result_is_saved_in_the_turns_own_commit(store: Store) -> None:
    assert await store.commit_turn(1, 42, 42, SESSION, result=RESULT)
    assert await store.load_result(42) == RESULT
    other = SavedResult(42, "reconsider", 1, "en", {"stage": "screen"}, {}, 1_700_000_100)
    assert not await store.commit_turn(1, 42, 42, SESSION, result=other)  # redelivered: nothing
    assert await store.load_result(42) == RESULT
    with pytest.raises(SessionConflict):
        await store.commit_turn(2, 42, 42, SESSION, expected_version=0, result=other)
    assert await store.load_result(42) == RESULT


async def test_two_processes_writing_one_chat_never_lose_a_turn(open_at: OpenStore) -> None:
    """Like two replicas: each turn loads, decides (+1 step), commits with the version it
    loaded, and redoes the turn on a conflict. Every turn lands, none twice."""
    stores = [open_at() for _ in range(2)]
    await stores[0].commit_turn(1, 42, 42, {**SESSION, "step": 0})

    async def turn(store: Store, update_id: int) -> int:
        conflicts = 0
        while True:
            record = await store.load_chat(42)
            assert record is not None and record.session is not None
            moved = {**record.session, "step": record.session["step"] + 1}
            try:
                assert await store.commit_turn(update_id, 42, 42, moved, expected_version=record.version)
                return conflicts
            except SessionConflict:
                conflicts += 1

    conflicts = await asyncio.gather(*(turn(stores[n % 2], 100 + n) for n in range(40)))
    record = await stores[1].load_chat(42)
    assert record is not None and record.session is not None
    assert record.session["step"] == 40 and record.version == 41
    assert sum(conflicts) >= 0  # how many turns were redone depends on timing, never the result


async def test_a_redelivered_update_is_applied_once_whichever_process_gets_it(open_at: OpenStore) -> None:
    stores = [open_at() for _ in range(3)]
    done = await asyncio.gather(
        *(store.commit_turn(77, 42, 42, {**SESSION, "step": n}) for n, store in enumerate(stores))
    )
    assert sorted(done) == [False, False, True]
    assert sorted(await asyncio.gather(*(s.record_update(78) for s in stores))) == [False, False, True]


async def test_a_periodic_job_is_claimed_by_one_process_per_period(open_at: OpenStore) -> None:
    stores = [open_at() for _ in range(3)]
    won = await asyncio.gather(*(s.claim_job("retention", 10_000, every=3600) for s in stores))
    assert sorted(won) == [False, False, True]
    assert not await stores[0].claim_job("retention", 10_000 + 3599, every=3600)
    assert await stores[1].claim_job("retention", 10_000 + 3600, every=3600)
    assert await stores[1].claim_job("other", 10_000, every=3600)


async def test_stores_opened_at_once_migrate_once(database_url: str) -> None:
    """Several processes starting together on an empty database (advisory lock / write lock)."""
    loop = asyncio.get_running_loop()
    stores = await asyncio.gather(*(loop.run_in_executor(None, open_store, database_url) for _ in range(4)))
    try:
        assert await stores[0].commit_turn(1, 42, 42, SESSION)
        assert all([await s.load_chat(42) is not None for s in stores])
    finally:
        for store in stores:
            await store.close()


async def test_operator_figures_count_the_same_in_every_backend(store: Store) -> None:
    await store.commit_turn(1, 42, 42, SESSION)
    await store.commit_turn(2, 43, 43, {**SESSION, "state": "result"})
    await store.mark_blocked(43)
    await store.save_result(RESULT)
    await store.add_share(shared("abc"))
    assert await store.stats() == {
        "chats": 2,
        "guides_in_progress": 1,
        "blocked_chats": 1,
        "results": 1,
        "share_links": 1,
        "reminders_pending": 0,
        "reminders_sent": 0,
        "outcomes_yes": 0,
        "outcomes_no": 0,
        "outcomes_waiting": 0,
        "replies": 0,
    }


async def test_processed_update_ids_stay_bounded(tmp_path: Path) -> None:
    now = [1_000_000.0]
    store = SQLiteStore(tmp_path / "bot.sqlite3", clock=lambda: now[0])
    try:
        for update_id in range(PRUNE_EVERY - 1):
            await store.record_update(update_id)
        now[0] += UPDATE_RETENTION_SECONDS + 1
        await store.record_update(10_000)  # the PRUNE_EVERY-th: everything older goes
        assert store.count_processed_updates() == 1
    finally:
        await store.close()


async def test_sessions_survive_reopening_and_the_file_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    first = SQLiteStore(path)
    await first.commit_turn(1, 42, 42, SESSION)
    await first.close()
    second = SQLiteStore(path)
    try:
        record = await second.load_chat(42)
        assert record is not None and record.session == SESSION
        assert not await second.commit_turn(1, 42, 42, SESSION)
    finally:
        await second.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert raw.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


@pytest.mark.parametrize("version", [1, 2, 3])
async def test_a_database_made_by_an_earlier_version_is_upgraded_in_place(
    version: int, tmp_path: Path
) -> None:
    """Files made by the code of schema versions 1-3 (tests/data/legacy) keep their data."""
    path = tmp_path / "bot.sqlite3"
    shutil.copy(LEGACY / f"schema-v{version}.db", path)
    store = SQLiteStore(path, clock=lambda: 1_700_000_200)
    try:
        record = await store.load_chat(42)
        assert record is not None and record.session is not None
        assert (record.session["details"], record.message_id, record.runs) == ({"company": "Zoë; & Co"}, 7, 2)
        assert not await store.commit_turn(1001, 42, 42, SESSION)  # its processed updates are kept
        assert await store.commit_turn(1002 + version, 42, 42, SESSION, expected_version=record.version)
        if version >= 2:
            saved = await store.load_result(42)
            assert saved is not None and saved.details == {"company": "Zoë; & Co"}
            assert await store.load_share("abc") is not None
        if version >= 3:
            assert [r.payload["body"] for r in await store.pending_reminders(42)] == ["Hello; there"]
    finally:
        await store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    raw.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    asyncio.run(SQLiteStore(path).close())
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE schema_version SET version = 99")
    raw.close()
    with pytest.raises(StoreError, match="newer"):
        SQLiteStore(path)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        SQLiteStore(path)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///data/reconsider.sqlite3", Path("data/reconsider.sqlite3")),
        ("sqlite:////var/lib/bot/r.sqlite3", Path("/var/lib/bot/r.sqlite3")),
        ("sqlite:///my%20data/r.sqlite3", Path("my data/r.sqlite3")),
    ],
)
def test_sqlite_urls(url: str, path: Path) -> None:
    assert sqlite_path(url) == path


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://user:secret@db/bot", "'mysql' is not supported"),
        ("data/reconsider.sqlite3", "must start with sqlite:///"),
        ("sqlite://host/file.sqlite3", "host part"),
        ("sqlite:///", "names no file"),
    ],
)
def test_unusable_urls_say_what_to_write(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message) as caught:
        open_store(url)
    assert "secret" not in str(caught.value)
