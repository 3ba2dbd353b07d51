"""What only PostgreSQL has: a server to reach, a password, a schema made by someone else, and
a database that can go away while the bot runs."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.storage import SessionConflict, StoreError, migrate_database, open_store
from bot.storage.migrations import latest_version
from tests.storage import pgserver

SESSION = {"flow": "reconsider", "flow_version": 1, "state": "stage", "run": 1, "step": 3}


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}:{password}@{parts.hostname}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def test_a_wrong_password_is_one_clear_line_without_the_password(fresh_postgres: str) -> None:
    wrong = with_password(fresh_postgres, "Not-The-Password-42")
    with pytest.raises(StoreError) as caught:
        open_store(wrong)
    message = str(caught.value)
    assert "refused the password" in message and "\n" not in message
    assert "Not-The-Password-42" not in message
    assert urlsplit(fresh_postgres).password not in message  # type: ignore[operator]


def test_an_unreachable_server_is_one_clear_line(fresh_postgres: str) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    parts = urlsplit(fresh_postgres)
    url = urlunsplit(parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{port}"))
    with pytest.raises(
        StoreError, match=f"cannot reach PostgreSQL at postgresql://postgres@127.0.0.1:{port}/"
    ):
        open_store(url)


def test_a_missing_database_says_so(fresh_postgres: str) -> None:
    url = urlunsplit(urlsplit(fresh_postgres)._replace(path="/no_such_database"))
    with pytest.raises(StoreError, match="the database does not exist"):
        open_store(url)


async def test_without_migrating_a_database_without_the_schema_is_refused(fresh_postgres: str) -> None:
    with pytest.raises(StoreError, match="has no reconsider-bot schema yet .*: run `reconsider-bot migrate`"):
        open_store(fresh_postgres, migrate=False)
    loop = asyncio.get_running_loop()
    said = await loop.run_in_executor(None, migrate_database, fresh_postgres)
    assert said.endswith(f"migrated from version 0 to {latest_version('postgresql')}")
    assert "@" in said and urlsplit(fresh_postgres).password not in said  # type: ignore[operator]
    said = await loop.run_in_executor(None, migrate_database, fresh_postgres)
    assert said.endswith(f"up to date (version {latest_version('postgresql')})")
    store = open_store(fresh_postgres, migrate=False)
    try:
        assert await store.commit_turn(1, 42, 42, SESSION)
    finally:
        await store.close()


async def test_a_newer_schema_is_refused(fresh_postgres: str) -> None:
    store = open_store(fresh_postgres)
    await store.close()
    import asyncpg

    connection = await asyncpg.connect(fresh_postgres)
    await connection.execute("UPDATE schema_version SET version = 99")
    await connection.close()
    with pytest.raises(StoreError, match="newer than this program understands"):
        open_store(fresh_postgres)


@pytest.fixture
def own_server() -> Iterator[pgserver.PostgresServer]:
    """A server of its own, to stop and start again."""
    if not pgserver.available():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true: initdb is needed to start a server this test can stop")
        pytest.skip("no initdb to start a server that can be stopped")
    server = pgserver.start()
    yield server
    server.stop()


async def test_the_store_recovers_when_the_database_comes_back(own_server: pgserver.PostgresServer) -> None:
    store = open_store(own_server.url())
    loop = asyncio.get_running_loop()
    try:
        assert await store.commit_turn(1, 42, 42, SESSION, expected_version=0)
        await loop.run_in_executor(None, own_server.halt)
        with pytest.raises(StoreError, match="cannot reach PostgreSQL"):
            await store.load_chat(42)
        assert not await store.ping()
        await loop.run_in_executor(None, own_server.resume)
        record = await store.load_chat(42)  # the place is kept
        assert record is not None and record.session == SESSION
        assert await store.commit_turn(2, 42, 42, {**SESSION, "step": 4}, expected_version=record.version)
        with pytest.raises(SessionConflict):
            await store.commit_turn(3, 42, 42, SESSION, expected_version=record.version)
        assert await store.ping()
    finally:
        await store.close()
