"""Every storage test runs against both backends: a SQLite file in tmp_path and a fresh
PostgreSQL schema (see `postgres_url` in tests/conftest.py)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.storage import Store, open_store

BACKENDS = ("sqlite", "postgresql")

OpenStore = Callable[..., Store]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/nested/dir/bot.sqlite3"
    return str(request.getfixturevalue("fresh_postgres"))


@pytest.fixture
async def open_at(database_url: str) -> AsyncIterator[OpenStore]:
    """Opens stores on the test's database (several = several processes); closes them after."""
    opened: list[Store] = []

    def open_(clock: Callable[[], float] = time.time) -> Store:
        store = open_store(database_url, clock=clock)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        await store.close()


@pytest.fixture
def store(open_at: OpenStore) -> Store:
    return open_at()
