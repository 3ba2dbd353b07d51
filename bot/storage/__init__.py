"""Durable sessions: the Store protocol and its backends, chosen by `DATABASE_URL`.

`sqlite:///relative/path.sqlite3` (relative to the working directory) or
`sqlite:////absolute/path.sqlite3`. Another backend (PostgreSQL) plugs in behind the same
protocol with its own scheme.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from bot.storage.base import (
    ChatRecord,
    Reminder,
    SavedReply,
    SavedResult,
    SharedPath,
    Store,
    StoreError,
)
from bot.storage.sqlite import SQLiteStore

__all__ = [
    "ChatRecord", "Reminder", "SQLiteStore", "SavedReply", "SavedResult", "SharedPath", "Store",
    "StoreError", "open_store", "sqlite_path",
]


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


def open_store(database_url: str) -> SQLiteStore:
    """Open (and create if missing) the store `database_url` names; raises StoreError."""
    scheme = database_url.partition(":")[0].lower() if ":" in database_url else ""
    if scheme == "sqlite":
        return SQLiteStore(sqlite_path(database_url))
    raise StoreError(
        f"DATABASE_URL must start with sqlite:/// (e.g. sqlite:///data/reconsider.sqlite3); "
        f"{scheme or database_url!r} is not supported yet"
    )
