"""The SQLite store: one file, WAL journal, every turn one transaction.

`synchronous=FULL`: each commit is fsynced before the bot replies, so an answer the person
saw acknowledged survives a power cut, not only a killed process (WAL with NORMAL would only
survive the latter). It costs one fsync per update, far below Telegram's own send limits.

sqlite3 blocks, so every call runs on one dedicated worker thread that owns the connection:
the event loop never waits on disk, and the connection is never shared between threads.

Privacy on disk: `secure_delete` zeroes what is deleted, `/forget` ends with a WAL checkpoint
(so erased text is not left in the `-wal` file), and a file or folder the store creates is
private to its owner (0600 / 0700; SQLite gives `-wal` and `-shm` the database file's mode).
Every commit first checks that the file at the path is still the one open: a database file
deleted or replaced under a running bot raises `StoreLost` instead of carrying on in a file
nobody will ever open again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any, TypeVar

from bot.storage.base import (
    RETIRED_FIGURES,
    ChatRecord,
    Reminder,
    SavedReply,
    SavedResult,
    SessionConflict,
    SharedPath,
    StoreError,
    StoreLost,
)
from bot.storage.migrations import latest_version, pending
from bot.storage.replies import reply_dict, reply_figures, reply_from_row, reply_row
from bot.storage.rows import (
    CHAT_COLUMNS,
    REMINDER_COLUMNS,
    chat_from_row,
    reminder_from_row,
    shared_path_from_row,
)

T = TypeVar("T")

UPDATE_RETENTION_SECONDS = 3 * 24 * 3600
"""Telegram keeps an unconfirmed update for 24 hours; ids older than this can never return."""
PRUNE_EVERY = 256
"""Prune the processed-update ids once per this many recorded updates."""


class SQLiteStore:
    """The Store protocol on a SQLite file (see the module docstring)."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._connection: sqlite3.Connection | None = None
        self._recorded = 0
        self._closed = False
        self._identity: tuple[int, int] | None = None  # (st_dev, st_ino) of the file opened
        try:
            self._executor.submit(self._open).result()
        except BaseException:
            self._executor.shutdown(wait=False)
            raise

    # ---- the worker thread ------------------------------------------------------------

    def _open(self) -> None:
        try:
            # Several processes may open the same new database at once: whoever makes the folder
            # or the file first wins, the others go on with it.
            if not self.path.parent.exists():
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self.path.exists():  # an empty file is an empty database; made private here
                with contextlib.suppress(FileExistsError):
                    os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            connection = sqlite3.connect(self.path, isolation_level=None, timeout=10)
            stat = os.stat(self.path)
            self._identity = (stat.st_dev, stat.st_ino)
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"cannot open the database {self.path}: {error}") from error
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA busy_timeout=10000")
            connection.execute("PRAGMA secure_delete=ON")
            self._migrate(connection)
        except sqlite3.DatabaseError as error:
            connection.close()
            raise StoreError(f"{self.path} is not a usable SQLite database: {error}") from error
        self._connection = connection

    def _migrate(self, connection: sqlite3.Connection) -> None:
        """Apply the pending numbered migrations in one transaction; BEGIN IMMEDIATE takes the
        write lock, so two processes opening one file at once migrate it once."""
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = connection.execute("SELECT version FROM schema_version").fetchone()
            version = row[0] if row else 0
            for migration in pending("sqlite", version, str(self.path)):
                for statement in migration.statements:
                    connection.execute(statement)
            latest = latest_version("sqlite")
            if row is None:
                connection.execute("INSERT INTO schema_version (version) VALUES (?)", (latest,))
            elif version != latest:
                connection.execute("UPDATE schema_version SET version = ?", (latest,))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    @property
    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            raise StoreError("the store is closed")
        return self._connection

    def _now(self) -> int:
        return int(self._clock())

    def _claim(self, update_id: int) -> bool:
        """Inside a transaction: note the update id; False if it was there already."""
        cursor = self._db.execute(
            "INSERT INTO processed_updates (update_id, seen_at) VALUES (?, ?) "
            "ON CONFLICT (update_id) DO NOTHING",
            (update_id, self._now()),
        )
        return cursor.rowcount == 1

    def _prune_now_and_then(self) -> None:
        self._recorded += 1
        if self._recorded % PRUNE_EVERY == 0:
            self._prune()

    def _prune(self) -> None:
        cutoff = self._now() - UPDATE_RETENTION_SECONDS
        self._db.execute("DELETE FROM processed_updates WHERE seen_at < ?", (cutoff,))

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            result = work(db)
            lost = self._lost()
            if lost is not None:
                raise StoreLost(lost)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return result

    def _lost(self) -> str | None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return f"the database file {self.path} was deleted while the bot was running"
        except OSError as error:
            return f"the database file {self.path} cannot be checked: {error}"
        if self._identity is not None and (stat.st_dev, stat.st_ino) != self._identity:
            return f"the database file {self.path} was replaced by another file while the bot was running"
        return None

    def _readiness(self) -> str | None:
        lost = self._lost()
        if lost is not None:
            return lost

        def write(db: sqlite3.Connection) -> None:
            # A row written and removed: real pages go to disk (a no-op UPDATE writes none), so
            # a full disk or a read-only file shows here; no update id is ever negative.
            db.execute(
                "INSERT INTO processed_updates (update_id, seen_at) VALUES (-1, ?) "
                "ON CONFLICT (update_id) DO NOTHING",
                (self._now(),),
            )
            db.execute("DELETE FROM processed_updates WHERE update_id = -1")

        try:
            self._transaction(write)
        except sqlite3.Error as error:
            return f"the database {self.path} cannot be written: {error}"
        return None

    def _once_per_update(self, update_id: int, work: Callable[[sqlite3.Connection], T]) -> T | None:
        """`work` in one transaction with the update's dedupe record; None, writing nothing,
        when the update was processed before (redelivered)."""

        def guarded(db: sqlite3.Connection) -> T | None:
            return work(db) if self._claim(update_id) else None

        done = self._transaction(guarded)
        self._prune_now_and_then()
        return done

    def _commit_turn(
        self,
        update_id: int,
        chat_id: int,
        user_id: int | None,
        session: dict[str, Any] | None,
        result: SavedResult | None,
        expected_version: int | None,
        reply: SavedReply | None = None,
    ) -> bool:
        text = None if session is None else json.dumps(session, ensure_ascii=False, sort_keys=True)
        runs = int(session.get("run", 0)) if session is not None else 0
        now = self._now()

        def work(db: sqlite3.Connection) -> bool:
            if expected_version:  # the chat must still be there (not forgotten meanwhile), unchanged
                written = db.execute(
                    "UPDATE chats SET user_id = COALESCE(?, user_id), session = ?, runs = MAX(runs, ?), "
                    "blocked = 0, version = version + 1, updated_at = ?, seen_at = ? "
                    "WHERE chat_id = ? AND version = ?",
                    (user_id, text, runs, now, now, chat_id, expected_version),
                )
            else:
                written = db.execute(
                    "INSERT INTO chats (chat_id, user_id, session, runs, blocked, version, created_at, "
                    "updated_at, seen_at) VALUES (?, ?, ?, ?, 0, 1, ?, ?, ?) "
                    "ON CONFLICT (chat_id) DO UPDATE SET user_id = COALESCE(excluded.user_id, user_id), "
                    "session = excluded.session, runs = MAX(runs, excluded.runs), blocked = 0, "
                    "version = version + 1, updated_at = excluded.updated_at, seen_at = excluded.seen_at "
                    "WHERE ? IS NULL OR version = 0",
                    (chat_id, user_id, text, runs, now, now, now, expected_version),
                )
            if written.rowcount != 1:  # the version moved on: roll back, the update id included
                raise SessionConflict(f"chat {chat_id} was written by another turn")
            if result is not None:
                _write_result(db, result)
            if reply is not None:
                _write_reply(db, reply)
            return True

        return self._once_per_update(update_id, work) is not None

    def _record_update(self, update_id: int, chat_id: int | None) -> bool:
        def work(db: sqlite3.Connection) -> bool:
            if chat_id is not None:
                db.execute(
                    "UPDATE chats SET blocked = 0, seen_at = ? WHERE chat_id = ?", (self._now(), chat_id)
                )
            return True

        return self._once_per_update(update_id, work) is not None

    def _load_chat(self, chat_id: int) -> ChatRecord | None:
        row = self._db.execute(
            f"SELECT {CHAT_COLUMNS} FROM chats WHERE chat_id = ?",  # noqa: S608 - fixed SQL
            (chat_id,),
        ).fetchone()
        return None if row is None else chat_from_row(row)

    def _save_preferences(
        self, chat_id: int, user_id: int | None, language: str | None, time_zone: str | None
    ) -> None:
        now = int(self._clock())
        self._transaction(
            lambda db: db.execute(
                # No session change, so the chat's version stays: a turn in flight still commits.
                "INSERT INTO chats (chat_id, user_id, runs, blocked, created_at, updated_at, seen_at, "
                "language, time_zone) VALUES (?, ?, 0, 0, ?, ?, ?, ?, ?) "
                "ON CONFLICT (chat_id) DO UPDATE SET user_id = COALESCE(excluded.user_id, user_id), "
                "language = COALESCE(excluded.language, language), "
                "time_zone = COALESCE(excluded.time_zone, time_zone), updated_at = excluded.updated_at, "
                "seen_at = excluded.seen_at",
                (chat_id, user_id, now, now, now, language, time_zone),
            )
        )

    def _record_delivery(
        self, chat_id: int, message_id: int | None, step: int, unsent: int, in_place: bool
    ) -> None:
        # Not fsynced: it survives a killed process (the OS has it), and if a power cut loses
        # it the step only counts as undelivered and is shown again.
        db = self._db
        db.execute("PRAGMA synchronous=OFF")
        try:
            self._transaction(
                lambda db: db.execute(
                    "UPDATE chats SET message_id = ?, message_step = ?, message_unsent = ?, "
                    "message_in_place = ? WHERE chat_id = ?",
                    (message_id, step, unsent, int(in_place), chat_id),
                )
            )
        finally:
            db.execute("PRAGMA synchronous=FULL")

    def _undelivered_chats(self, limit: int) -> list[ChatRecord]:
        rows = self._db.execute(
            "SELECT chat_id FROM chats WHERE session IS NOT NULL AND blocked = 0 "
            "AND (message_step IS NULL OR ABS(message_step) <> json_extract(session, '$.step') "
            "OR (message_step < 0 AND (message_unsent > 0 OR message_in_place = 1))) "
            "ORDER BY updated_at LIMIT ?",
            (limit,),
        ).fetchall()
        return [record for (chat_id,) in rows if (record := self._load_chat(chat_id)) is not None]

    def _mark_blocked(self, chat_id: int) -> None:
        self._transaction(
            lambda db: db.execute(
                "UPDATE chats SET blocked = 1, updated_at = ? WHERE chat_id = ?", (self._now(), chat_id)
            )
        )

    def _forget_user(self, user_id: int) -> int:
        # A private chat's id is the person's user id, so both columns identify them.
        def work(db: sqlite3.Connection) -> int:
            db.execute("DELETE FROM results WHERE user_id = ?", (user_id,))
            db.execute("DELETE FROM shares WHERE user_id = ?", (user_id,))
            db.execute("DELETE FROM replies WHERE user_id = ?", (user_id,))
            self._retire_reminders(db, "user_id = ? OR chat_id = ?", (user_id, user_id))
            erased = db.execute("DELETE FROM chats WHERE user_id = ? OR chat_id = ?", (user_id, user_id))
            return erased.rowcount

        erased = self._transaction(work)
        # The erased rows' older versions live on in the -wal file until a checkpoint.
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return erased

    def _retire_reminders(self, db: sqlite3.Connection, condition: str, args: tuple[Any, ...]) -> int:
        """Delete the reminders matching `condition`, adding what they counted to the figures."""
        counted = db.execute(
            "SELECT COALESCE(SUM(state = 'sent'), 0), "  # noqa: S608 - fixed SQL, values are parameters
            "COALESCE(SUM(outcome = 'yes'), 0), COALESCE(SUM(outcome = 'no'), 0), "
            f"COALESCE(SUM(outcome = 'waiting'), 0) FROM reminders WHERE {condition}",
            args,
        ).fetchone()
        for name, count in zip(RETIRED_FIGURES, counted, strict=True):
            if count:
                db.execute(
                    "INSERT INTO figures (name, count) VALUES (?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET count = count + excluded.count",
                    (name, count),
                )
        return db.execute(f"DELETE FROM reminders WHERE {condition}", args).rowcount  # noqa: S608

    def _erase_inactive(self, before: int) -> dict[str, int]:
        active = (
            "EXISTS (SELECT 1 FROM chats AS c WHERE (c.chat_id = {0} OR c.user_id = {0}) AND c.seen_at >= ?)"
        )

        def work(db: sqlite3.Connection) -> dict[str, int]:
            sessions = db.execute(
                "UPDATE chats SET session = NULL, version = version + 1 "
                "WHERE seen_at < ? AND session IS NOT NULL",
                (before,),
            ).rowcount
            results = db.execute(
                "DELETE FROM results WHERE saved_at < ? AND NOT "  # noqa: S608 - fixed SQL
                + active.format("results.user_id"),
                (before, before),
            ).rowcount
            shares = db.execute(
                "DELETE FROM shares WHERE created_at < ? AND NOT "  # noqa: S608 - fixed SQL
                + active.format("shares.user_id"),
                (before, before),
            ).rowcount
            db.execute(  # what employers answered goes with the results it answers
                "DELETE FROM replies WHERE saved_at < ? AND NOT "  # noqa: S608 - fixed SQL
                + active.format("replies.user_id"),
                (before, before),
            )
            reminders = self._retire_reminders(
                db,
                "state NOT IN ('pending', 'sending') AND created_at < ? AND NOT "
                + active.format("reminders.chat_id"),
                (before, before),
            )
            return {"sessions": sessions, "results": results, "share_links": shares, "reminders": reminders}

        return self._transaction(work)

    def _claim_job(self, name: str, now: int, every: int) -> bool:
        def work(db: sqlite3.Connection) -> bool:
            db.execute(
                "INSERT INTO jobs (name, ran_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (name, now - every),
            )
            return (
                db.execute(
                    "UPDATE jobs SET ran_at = ? WHERE name = ? AND ran_at <= ?", (now, name, now - every)
                ).rowcount
                == 1
            )

        return self._transaction(work)

    def _export_user(self, user_id: int) -> dict[str, Any]:
        rows = self._db.execute(
            "SELECT chat_id, session, message_id, blocked, created_at, updated_at, seen_at, language, "
            "time_zone FROM chats WHERE user_id = ? OR chat_id = ? ORDER BY chat_id",
            (user_id, user_id),
        ).fetchall()
        return {
            "user_id": user_id,
            "chats": [
                {
                    "chat_id": row[0],
                    "session": json.loads(row[1]) if row[1] is not None else None,
                    "current_message_id": row[2],
                    "blocked": bool(row[3]),
                    "created_at": row[4],
                    "updated_at": row[5],
                    "last_seen_at": row[6],
                    "language": row[7],
                    "time_zone": row[8],
                }
                for row in rows
            ],
            "latest_result": _result_dict(self._load_result(user_id)),
            "shares": [
                {
                    "code": shared.code,
                    "flow": shared.flow,
                    "flow_version": shared.flow_version,
                    "language": shared.language,
                    "answers": shared.answers,
                    "created_at": shared.created_at,
                }
                for shared in self._shares_of(user_id)
            ],
            "reminders": [
                reminder.to_dict()
                for reminder in self._reminders_where("user_id = ? OR chat_id = ?", (user_id, user_id))
            ],
            "replies": [reply_dict(reply) for reply in self._replies_of(user_id)],
        }

    def _save_reply(self, reply: SavedReply) -> None:
        self._transaction(lambda db: _write_reply(db, reply))

    def _replies_of(self, user_id: int) -> list[SavedReply]:
        rows = self._db.execute(
            "SELECT user_id, result_flow, result_answers, result_saved_at, flow, flow_version, language, "
            "run, answers, details, saved_at FROM replies WHERE user_id = ? ORDER BY saved_at, run",
            (user_id,),
        ).fetchall()
        return [reply_from_row(row) for row in rows]

    def _save_result(self, result: SavedResult) -> None:
        self._transaction(lambda db: _write_result(db, result))

    def _load_result(self, user_id: int) -> SavedResult | None:
        row = self._db.execute(
            "SELECT user_id, flow, flow_version, language, answers, details, saved_at FROM results "
            "WHERE user_id = ?",
            (user_id,),
        ).fetchone()
        if row is None:
            return None
        return SavedResult(row[0], row[1], row[2], row[3], json.loads(row[4]), json.loads(row[5]), row[6])

    def _add_share(self, shared: SharedPath) -> SharedPath:
        answers = _json(shared.answers)

        def work(db: sqlite3.Connection) -> SharedPath:
            row = db.execute(
                "SELECT code, user_id, flow, flow_version, language, answers, created_at FROM shares "
                "WHERE user_id = ? AND flow = ? AND flow_version = ? AND answers = ?",
                (shared.user_id, shared.flow, shared.flow_version, answers),
            ).fetchone()
            if row is not None:
                return shared_path_from_row(row)
            db.execute(
                "INSERT INTO shares (code, user_id, flow, flow_version, language, answers, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    shared.code,
                    shared.user_id,
                    shared.flow,
                    shared.flow_version,
                    shared.language,
                    answers,
                    shared.created_at,
                ),
            )
            return shared

        return self._transaction(work)

    def _load_share(self, code: str) -> SharedPath | None:
        row = self._db.execute(
            "SELECT code, user_id, flow, flow_version, language, answers, created_at FROM shares "
            "WHERE code = ?",
            (code,),
        ).fetchone()
        return shared_path_from_row(row) if row is not None else None

    def _shares_of(self, user_id: int) -> list[SharedPath]:
        rows = self._db.execute(
            "SELECT code, user_id, flow, flow_version, language, answers, created_at FROM shares "
            "WHERE user_id = ? ORDER BY created_at, code",
            (user_id,),
        ).fetchall()
        return [shared_path_from_row(row) for row in rows]

    # ---- reminders (each claim is a conditional UPDATE: one winner across processes) ----

    def _reminders_where(self, condition: str, args: tuple[Any, ...], limit: int = -1) -> list[Reminder]:
        rows = self._db.execute(
            f"SELECT {REMINDER_COLUMNS} FROM reminders WHERE {condition} "  # noqa: S608 - fixed SQL
            "ORDER BY due_at, id LIMIT ?",
            (*args, limit),
        ).fetchall()
        return [reminder_from_row(row) for row in rows]

    def _add_reminder(
        self,
        update_id: int,
        chat_id: int,
        user_id: int | None,
        run: int,
        delay: str,
        language: str,
        payload: dict[str, Any],
        due_at: int,
    ) -> tuple[Reminder, bool] | None:
        def work(db: sqlite3.Connection) -> tuple[Reminder, bool]:
            existing = self._reminders_where(
                "chat_id = ? AND run = ? AND state IN ('pending', 'sending')", (chat_id, run), 1
            )
            if existing:
                return existing[0], False
            cursor = db.execute(
                "INSERT INTO reminders (chat_id, user_id, run, delay, language, payload, due_at, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    chat_id,
                    user_id,
                    run,
                    delay,
                    language,
                    json.dumps(payload, ensure_ascii=False, sort_keys=True),
                    due_at,
                    self._now(),
                ),
            )
            return self._reminders_where("id = ?", (cursor.lastrowid,))[0], True

        return self._once_per_update(update_id, work)

    def _due_reminders(self, now: int, lease: int, limit: int) -> list[Reminder]:
        return self._reminders_where(
            "(state = 'pending' AND due_at <= ?) "
            "OR (state = 'sending' AND claimed_at <= ? AND sent_at IS NULL)",
            (now, now - lease),
            limit,
        )

    def _claim_reminder(self, reminder_id: int, worker: str, now: int, lease: int) -> bool:
        return self._transaction(
            lambda db: (
                db.execute(
                    "UPDATE reminders SET state = 'sending', claimed_by = ?, claimed_at = ? WHERE id = ? AND "
                    "((state = 'pending' AND due_at <= ?) OR "
                    "(state = 'sending' AND claimed_at <= ? AND sent_at IS NULL))",
                    (worker, now, reminder_id, now, now - lease),
                ).rowcount
                == 1
            )
        )

    def _finish_reminder(self, reminder_id: int, worker: str, state: str, now: int) -> bool:
        if state not in ("sent", "blocked", "failed"):
            raise ValueError(f"a claimed reminder ends as sent, blocked or failed, not {state!r}")
        return self._transaction(
            lambda db: (
                db.execute(
                    "UPDATE reminders SET state = ?, sent_at = ? "
                    "WHERE id = ? AND state = 'sending' AND claimed_by = ?",
                    (state, now if state == "sent" else None, reminder_id, worker),
                ).rowcount
                == 1
            )
        )

    def _release_reminder(self, reminder_id: int, worker: str, max_attempts: int) -> str:
        def work(db: sqlite3.Connection) -> str:
            db.execute(
                "UPDATE reminders SET attempts = attempts + 1, claimed_by = NULL, claimed_at = NULL, "
                "sent_at = NULL, state = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END "
                "WHERE id = ? AND state = 'sending' AND claimed_by = ?",
                (max_attempts, reminder_id, worker),
            )
            row = db.execute("SELECT state FROM reminders WHERE id = ?", (reminder_id,)).fetchone()
            return str(row[0]) if row else "missing"

        return self._transaction(work)

    def _reminder_leaving(self, reminder_id: int, worker: str, now: int) -> None:
        db = self._db
        db.execute("PRAGMA synchronous=OFF")  # like record_delivery: a power cut only loses the mark
        try:
            self._transaction(
                lambda db: db.execute(
                    "UPDATE reminders SET sent_at = ? WHERE id = ? AND state = 'sending' AND claimed_by = ?",
                    (now, reminder_id, worker),
                )
            )
        finally:
            db.execute("PRAGMA synchronous=FULL")

    def _settle_reminders(self, now: int, lease: int) -> int:
        return self._transaction(
            lambda db: (
                db.execute(
                    "UPDATE reminders SET state = 'sent' "
                    "WHERE state = 'sending' AND claimed_at <= ? AND sent_at IS NOT NULL",
                    (now - lease,),
                ).rowcount
            )
        )

    def _cancel_reminder(self, update_id: int, chat_id: int, reminder_id: int) -> bool | None:
        def work(db: sqlite3.Connection) -> bool:
            return (
                db.execute(
                    "UPDATE reminders SET state = 'cancelled' WHERE id = ? AND chat_id = ? AND state = 'pending'",  # noqa: E501
                    (reminder_id, chat_id),
                ).rowcount
                == 1
            )

        return self._once_per_update(update_id, work)

    def _move_reminder(self, chat_id: int, reminder_id: int, due_at: int) -> bool:
        return self._transaction(
            lambda db: (
                db.execute(
                    "UPDATE reminders SET due_at = ? WHERE id = ? AND chat_id = ? AND state = 'pending'",
                    (due_at, reminder_id, chat_id),
                ).rowcount
                == 1
            )
        )

    def _record_outcome(self, update_id: int, chat_id: int, reminder_id: int, outcome: str) -> str | None:
        def work(db: sqlite3.Connection) -> str:
            row = db.execute(
                "SELECT outcome FROM reminders WHERE id = ? AND chat_id = ?", (reminder_id, chat_id)
            ).fetchone()
            if row is None:
                return "missing"
            if row[0] is not None:
                return "already"
            db.execute(
                "UPDATE reminders SET outcome = ?, outcome_at = ? WHERE id = ?",
                (outcome, self._now(), reminder_id),
            )
            return "recorded"

        return self._once_per_update(update_id, work)

    def _stats(self) -> dict[str, int]:
        counts = {
            "chats": "SELECT COUNT(*) FROM chats",
            "guides_in_progress": "SELECT COUNT(*) FROM chats WHERE session IS NOT NULL "
            "AND json_extract(session, '$.state') <> 'result'",
            "blocked_chats": "SELECT COUNT(*) FROM chats WHERE blocked = 1",
            "results": "SELECT COUNT(*) FROM results",
            "share_links": "SELECT COUNT(*) FROM shares",
            "reminders_pending": "SELECT COUNT(*) FROM reminders WHERE state IN ('pending', 'sending')",
            "reminders_sent": "SELECT COUNT(*) FROM reminders WHERE state = 'sent'",
            "outcomes_yes": "SELECT COUNT(*) FROM reminders WHERE outcome = 'yes'",
            "outcomes_no": "SELECT COUNT(*) FROM reminders WHERE outcome = 'no'",
            "outcomes_waiting": "SELECT COUNT(*) FROM reminders WHERE outcome = 'waiting'",
        }
        figures = {name: int(self._db.execute(sql).fetchone()[0]) for name, sql in counts.items()}
        figures |= reply_figures(
            self._db.execute(
                "SELECT outcome, COUNT(*) FROM replies GROUP BY outcome ORDER BY outcome"
            ).fetchall()
        )
        for name, count in self._db.execute("SELECT name, count FROM figures").fetchall():
            if name in figures:
                figures[name] += int(count)
        return figures

    def _ping(self) -> bool:
        return bool(self._db.execute("SELECT 1").fetchone() == (1,))

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    # ---- the async face ---------------------------------------------------------------

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise StoreError("the store is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def load_chat(self, chat_id: int) -> ChatRecord | None:
        return await self._call(self._load_chat, chat_id)

    async def commit_turn(
        self,
        update_id: int,
        chat_id: int,
        user_id: int | None,
        session: dict[str, Any] | None,
        result: SavedResult | None = None,
        *,
        expected_version: int | None = None,
        reply: SavedReply | None = None,
    ) -> bool:
        return await self._call(
            self._commit_turn, update_id, chat_id, user_id, session, result, expected_version, reply
        )

    async def save_reply(self, reply: SavedReply) -> None:
        await self._call(self._save_reply, reply)

    async def record_update(self, update_id: int, chat_id: int | None = None) -> bool:
        return await self._call(self._record_update, update_id, chat_id)

    async def record_delivery(
        self, chat_id: int, message_id: int | None, step: int, unsent: int = 0, *, in_place: bool = False
    ) -> None:
        await self._call(self._record_delivery, chat_id, message_id, step, unsent, in_place)

    async def save_preferences(
        self,
        chat_id: int,
        user_id: int | None,
        *,
        language: str | None = None,
        time_zone: str | None = None,
    ) -> None:
        await self._call(self._save_preferences, chat_id, user_id, language, time_zone)

    async def undelivered_chats(self, limit: int = 1000) -> list[ChatRecord]:
        return await self._call(self._undelivered_chats, limit)

    async def mark_blocked(self, chat_id: int) -> None:
        await self._call(self._mark_blocked, chat_id)

    async def forget_user(self, user_id: int) -> int:
        return await self._call(self._forget_user, user_id)

    async def export_user(self, user_id: int) -> dict[str, Any]:
        return await self._call(self._export_user, user_id)

    async def save_result(self, result: SavedResult) -> None:
        await self._call(self._save_result, result)

    async def load_result(self, user_id: int) -> SavedResult | None:
        return await self._call(self._load_result, user_id)

    async def add_share(self, shared: SharedPath) -> SharedPath:
        return await self._call(self._add_share, shared)

    async def load_share(self, code: str) -> SharedPath | None:
        return await self._call(self._load_share, code)

    async def erase_inactive(self, before: int) -> dict[str, int]:
        return await self._call(self._erase_inactive, before)

    async def claim_job(self, name: str, now: int, every: int) -> bool:
        return await self._call(self._claim_job, name, now, every)

    async def add_reminder(
        self,
        update_id: int,
        chat_id: int,
        user_id: int | None,
        run: int,
        delay: str,
        language: str,
        payload: dict[str, Any],
        due_at: int,
    ) -> tuple[Reminder, bool] | None:
        return await self._call(
            self._add_reminder, update_id, chat_id, user_id, run, delay, language, payload, due_at
        )

    async def pending_reminders(self, chat_id: int) -> list[Reminder]:
        return await self._call(self._reminders_where, "chat_id = ? AND state = 'pending'", (chat_id,))

    async def get_reminder(self, reminder_id: int) -> Reminder | None:
        found = await self._call(self._reminders_where, "id = ?", (reminder_id,))
        return found[0] if found else None

    async def had_reminder_before(self, chat_id: int, reminder_id: int) -> bool:
        found = await self._call(self._reminders_where, "chat_id = ? AND id < ?", (chat_id, reminder_id), 1)
        return bool(found)

    async def due_reminders(self, now: int, lease: int, limit: int = 100) -> list[Reminder]:
        return await self._call(self._due_reminders, now, lease, limit)

    async def claim_reminder(self, reminder_id: int, worker: str, now: int, lease: int) -> bool:
        return await self._call(self._claim_reminder, reminder_id, worker, now, lease)

    async def finish_reminder(self, reminder_id: int, worker: str, state: str, now: int) -> bool:
        return await self._call(self._finish_reminder, reminder_id, worker, state, now)

    async def release_reminder(self, reminder_id: int, worker: str, max_attempts: int) -> str:
        return await self._call(self._release_reminder, reminder_id, worker, max_attempts)

    async def reminder_leaving(self, reminder_id: int, worker: str, now: int) -> None:
        await self._call(self._reminder_leaving, reminder_id, worker, now)

    async def settle_reminders(self, now: int, lease: int) -> int:
        return await self._call(self._settle_reminders, now, lease)

    async def cancel_reminder(self, update_id: int, chat_id: int, reminder_id: int) -> bool | None:
        return await self._call(self._cancel_reminder, update_id, chat_id, reminder_id)

    async def move_reminder(self, chat_id: int, reminder_id: int, due_at: int) -> bool:
        return await self._call(self._move_reminder, chat_id, reminder_id, due_at)

    async def record_outcome(
        self, update_id: int, chat_id: int, reminder_id: int, outcome: str
    ) -> str | None:
        return await self._call(self._record_outcome, update_id, chat_id, reminder_id, outcome)

    async def stats(self) -> dict[str, int]:
        return await self._call(self._stats)

    async def ping(self) -> bool:
        try:
            return await self._call(self._ping)
        except Exception:  # a health check answers, it never raises
            return False

    async def readiness(self) -> str | None:
        try:
            return await self._call(self._readiness)
        except Exception as error:  # a health check answers, it never raises
            return f"the database {self.path} does not answer: {error}"

    def lost(self) -> str | None:
        return None if self._closed else self._lost()

    async def prune(self) -> None:
        await self._call(self._transaction, lambda db: self._prune())

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await asyncio.get_running_loop().run_in_executor(self._executor, self._close)
            self._executor.shutdown(wait=True)

    def count_processed_updates(self) -> int:
        """How many update ids are remembered (for tests and diagnostics)."""
        return self._executor.submit(
            lambda: int(self._db.execute("SELECT COUNT(*) FROM processed_updates").fetchone()[0])
        ).result()


def _json(value: dict[str, str]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _result_dict(result: SavedResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "flow": result.flow,
        "flow_version": result.flow_version,
        "language": result.language,
        "answers": result.answers,
        "details": result.details,
        "saved_at": result.saved_at,
    }


def _write_result(db: sqlite3.Connection, result: SavedResult) -> None:
    db.execute(
        "INSERT INTO results (user_id, flow, flow_version, language, answers, details, saved_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET flow = excluded.flow, flow_version = excluded.flow_version, "
        "language = excluded.language, answers = excluded.answers, details = excluded.details, "
        "saved_at = excluded.saved_at",
        (
            result.user_id,
            result.flow,
            result.flow_version,
            result.language,
            _json(result.answers),
            _json(result.details),
            result.saved_at,
        ),
    )


def schema_version_of(path: Path) -> int:
    """The schema version of the SQLite file at `path` (0 for none yet); reads only."""
    if not path.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as raw:
            if raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_version'").fetchone() is None:
                return 0
            row = raw.execute("SELECT version FROM schema_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{path} is not a usable SQLite database: {error}") from error
    return int(row[0]) if row else 0


def _write_reply(db: sqlite3.Connection, reply: SavedReply) -> None:
    db.execute(
        "INSERT INTO replies (user_id, result_saved_at, run, result_flow, result_answers, flow, "
        "flow_version, language, outcome, answers, details, saved_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (user_id, result_saved_at, run) DO UPDATE SET flow = excluded.flow, "
        "flow_version = excluded.flow_version, language = excluded.language, outcome = excluded.outcome, "
        "answers = excluded.answers, details = excluded.details, saved_at = excluded.saved_at",
        reply_row(reply),
    )
