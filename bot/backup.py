"""`reconsider-bot backup PATH`: an online, consistent copy of the database.

SQLite: sqlite3's backup API copies the pages inside one read transaction, so the copy is
the database as of one moment even while the bot keeps writing (WAL mode: the bot never
waits for it). PostgreSQL: PostgreSQL's own `pg_dump` (one snapshot, custom format, for
`pg_restore`); we only run it, with the password in its environment, never on its command
line. Either copy is written next to PATH first and renamed into place once it checks out.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bot.storage import POSTGRESQL_SCHEMES, StoreError, sqlite_path

PG_DUMP_TIMEOUT = 6 * 3600


@dataclass(frozen=True)
class BackupDone:
    source: str
    """The database copied: its file, or its URL without the password."""
    target: Path
    size: int


def backup(database_url: str, target: Path) -> BackupDone:
    """Copy the database `database_url` names to `target`; raises StoreError (one line each)."""
    scheme = database_url.partition(":")[0].lower()
    if scheme == "sqlite":
        return backup_sqlite(database_url, target)
    if scheme in POSTGRESQL_SCHEMES:
        return backup_postgresql(database_url, target)
    raise StoreError(f"backup knows sqlite: and postgresql: databases, not {scheme or 'this'!r}.")


def _check_target(target: Path, example_name: str) -> Path:
    """The partial file to write first; refuses a folder or a missing parent."""
    if target.is_dir():
        raise StoreError(f"{target} is a folder; name the backup file, e.g. {target / example_name}.")
    if not target.parent.is_dir():
        raise StoreError(f"the folder {target.parent} does not exist.")
    partial = target.with_name(f".{target.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    return partial


def backup_sqlite(database_url: str, target: Path) -> BackupDone:
    source = sqlite_path(database_url)
    if not source.is_file():
        raise StoreError(f"no database at {source} (DATABASE_URL={database_url}); nothing to back up.")
    if target.resolve() == source.resolve():
        raise StoreError("the backup must go to another file than the database itself.")
    partial = _check_target(target, source.name)
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
    return BackupDone(str(source), target, target.stat().st_size)


def _without_password(database_url: str) -> tuple[str, str | None]:
    """The URL for pg_dump's command line (no password: `ps` shows it) and the password."""
    parts = urlsplit(database_url)
    if parts.password is None:
        return database_url, None
    user = f"{parts.username}@" if parts.username else ""
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}{host}{port}")), parts.password


def _one_line(output: bytes, password: str | None) -> str:
    lines = [line.strip() for line in output.decode(errors="replace").splitlines() if line.strip()]
    text = lines[-1] if lines else "no message"
    return text.replace(password, "***") if password else text


def backup_postgresql(database_url: str, target: Path) -> BackupDone:
    from bot.storage.postgresql import describe

    pg_dump, pg_restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    if pg_dump is None or pg_restore is None:
        raise StoreError(
            "backup of a PostgreSQL database runs PostgreSQL's pg_dump and pg_restore, which are not on "
            "PATH: install the PostgreSQL client (e.g. apt install postgresql-client), same major "
            "version as the server or newer."
        )
    where = describe(database_url)
    partial = _check_target(target, "reconsider.dump")
    dbname, password = _without_password(database_url)
    environment = dict(os.environ)
    if password is not None:
        environment["PGPASSWORD"] = password
    try:
        dumped = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={dbname}"],
            env=environment,
            capture_output=True,
            timeout=PG_DUMP_TIMEOUT,
            check=False,
        )
        if dumped.returncode != 0:
            raise StoreError(f"pg_dump of {where} failed: {_one_line(dumped.stderr, password)}")
        # The archive must be readable by the tool that restores it.
        listed = subprocess.run(
            [pg_restore, "--list", str(partial)], capture_output=True, timeout=600, check=False
        )
        if listed.returncode != 0 or b"schema_version" not in listed.stdout:
            raise StoreError(
                f"the dump of {where} does not read back ({_one_line(listed.stderr, password)}); not kept."
            )
        os.replace(partial, target)
    except subprocess.TimeoutExpired:
        raise StoreError(
            f"pg_dump of {where} took longer than {PG_DUMP_TIMEOUT // 3600} hours; stopped."
        ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return BackupDone(where, target, target.stat().st_size)
