"""Durable sessions: the Store protocol and its backends, chosen by `DATABASE_URL`.

`sqlite:///relative/path.sqlite3` (relative to the working directory),
`sqlite:////absolute/path.sqlite3`, or `postgresql://user:password@host:port/database`
(several processes may share one PostgreSQL database).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bot.storage.base import (
    ChatRecord,
    Reminder,
    SavedReply,
    SavedResult,
    SessionConflict,
    SharedPath,
    Store,
    StoreError,
    StoreLost,
)
from bot.storage.sqlite import SQLiteStore, schema_version_of

__all__ = [
    "ChatRecord",
    "Reminder",
    "SQLiteStore",
    "SavedReply",
    "SavedResult",
    "SessionConflict",
    "SharedPath",
    "Store",
    "StoreError",
    "StoreLost",
    "migrate_database",
    "open_store",
    "sqlite_path",
]
POSTGRESQL_SCHEMES = ("postgresql", "postgres")


def sqlite_path(database_url: str) -> Path:
    """The file a `sqlite:///...` URL names (three slashes: relative, four: absolute)."""
    parts = urlsplit(database_url)
    if parts.scheme != "sqlite":
        raise StoreError(f"not a sqlite URL: {database_url!r}")
    if parts.netloc:
        raise StoreError(
            f"DATABASE_URL {database_url!r} has a host part; write sqlite:///relative/file.sqlite3 "
            "or sqlite:////absolute/file.sqlite3"
        )
    path = unquote(parts.path)
    if path.startswith("//"):  # sqlite:////abs -> path "//abs"
        path = path[1:]
    elif path.startswith("/"):
        path = path[1:]
    if not path or path.endswith("/"):
        raise StoreError(f"DATABASE_URL {database_url!r} names no file, e.g. sqlite:///data/bot.sqlite3")
    return Path(path)


def _scheme(database_url: str) -> str:
    return database_url.partition(":")[0].lower() if ":" in database_url else ""


def open_store(database_url: str, *, migrate: bool = True, clock: Callable[[], float] = time.time) -> Store:
    """Open the store `database_url` names, applying pending migrations (or, with
    `migrate=False`, refusing a schema that is missing or behind); raises StoreError with one
    line that says what to fix (never the password)."""
    scheme = _scheme(database_url)
    if scheme == "sqlite":
        return SQLiteStore(sqlite_path(database_url), clock=clock)
    if scheme in POSTGRESQL_SCHEMES:
        from bot.storage.postgresql import PostgresStore, check_database

        check_database(database_url, migrate)
        return PostgresStore(database_url, clock=clock)
    raise StoreError(
        "DATABASE_URL must start with sqlite:/// (e.g. sqlite:///data/reconsider.sqlite3) or "
        f"postgresql:// (e.g. postgresql://bot:password@localhost:5432/bot); {scheme or 'no scheme'!r} "
        "is not supported"
    )


def migrate_database(database_url: str) -> str:
    """`reconsider-bot migrate`: bring the schema up to date; says what was done."""
    scheme = _scheme(database_url)
    if scheme in POSTGRESQL_SCHEMES:
        from bot.storage.postgresql import describe, migrate

        before, after = asyncio.run(migrate(database_url))
        where = describe(database_url)
    elif scheme == "sqlite":
        path = sqlite_path(database_url)
        before = schema_version_of(path)
        asyncio.run(SQLiteStore(path).close())
        after, where = schema_version_of(path), str(path)
    else:
        open_store(database_url)  # raises the usual message
        raise AssertionError("unreachable")
    if before == after:
        return f"{where}: the schema is up to date (version {after})"
    return f"{where}: the schema was migrated from version {before} to {after}"
