"""The Store protocol, run against every backend (SQLite files in tmp_path for now)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import SavedResult, SharedPath, SQLiteStore, Store, StoreError, open_store, sqlite_path
from bot.storage.sqlite import MIGRATIONS, PRUNE_EVERY, SCHEMA_VERSION, UPDATE_RETENTION_SECONDS

SESSION = {"flow": "reconsider", "flow_version": 1, "state": "stage", "run": 1, "step": 3,
           "answers": {"a": "é"}}


@pytest.fixture(params=["sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path}/nested/dir/bot.sqlite3")
    yield opened
    await opened.close()


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
        "user_id": 42, "chats": [], "latest_result": None, "shares": [], "reminders": [], "replies": []
    }
    assert await store.load_share("other") is not None


async def test_ping_and_close(store: Store) -> None:
    assert await store.ping()
    await store.close()
    await store.close()  # closing twice is harmless


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
    first.close_sync()
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


async def test_a_version_1_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.executescript(MIGRATIONS[0])
        raw.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        raw.execute("INSERT INTO schema_version (version) VALUES (1)")
        raw.execute("INSERT INTO chats (chat_id, user_id, session, created_at, updated_at) "
                    "VALUES (42, 42, '{}', 1, 1)")
    raw.close()
    store = SQLiteStore(path)
    try:
        record = await store.load_chat(42)
        assert record is not None and record.session == {}
        await store.save_result(RESULT)
        assert await store.load_result(42) == RESULT
    finally:
        await store.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    SQLiteStore(path).close_sync()
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
        ("postgresql://user:secret@db/bot", "'postgresql' is not supported"),
        ("data/reconsider.sqlite3", "must start with sqlite:///"),
        ("sqlite://host/file.sqlite3", "host part"),
        ("sqlite:///", "names no file"),
    ],
)
def test_unusable_urls_say_what_to_write(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message) as caught:
        open_store(url)
    assert "secret" not in str(caught.value)
