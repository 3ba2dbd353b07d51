"""`reconsider-bot backup PATH`: an online, consistent copy of the SQLite database.

sqlite3's backup API copies the pages inside one read transaction, so the copy is the
database as of one moment even while the bot keeps writing (WAL mode: the bot never waits
for it). The copy is written next to PATH first and renamed into place once it checks out.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.storage import StoreError, sqlite_path


@dataclass(frozen=True)
class BackupDone:
    source: Path
    target: Path
    size: int


def backup_sqlite(database_url: str, target: Path) -> BackupDone:
    """Copy the database `database_url` names to `target`; raises StoreError (one line each)."""
    if database_url.partition(":")[0].lower() != "sqlite":
        raise StoreError(
            "backup copies SQLite databases; for PostgreSQL use pg_dump (see the README, Backups)."
        )
    source = sqlite_path(database_url)
    if not source.is_file():
        raise StoreError(f"no database at {source} (DATABASE_URL={database_url}); nothing to back up.")
    if target.resolve() == source.resolve():
        raise StoreError("the backup must go to another file than the database itself.")
    if target.is_dir():
        raise StoreError(f"{target} is a folder; name the backup file, e.g. {target / source.name}.")
    if not target.parent.is_dir():
        raise StoreError(f"the folder {target.parent} does not exist.")
    partial = target.with_name(f".{target.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    try:
        # Read-only: the backup never changes the live database, and never creates one.
        with (
            contextlib.closing(
                sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
            ) as live,
            contextlib.closing(sqlite3.connect(partial)) as copy,
        ):
            live.backup(copy)  # all pages in one step: one read transaction, one moment
            copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
            verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise StoreError(f"the copy failed its integrity check ({verdict}); the database may be damaged.")
        os.replace(partial, target)
    except sqlite3.Error as error:
        raise StoreError(f"could not back up {source}: {error}") from error
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return BackupDone(source, target, target.stat().st_size)
