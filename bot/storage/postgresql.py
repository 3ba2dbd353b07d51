"""The PostgreSQL store: asyncpg with its connection pool, for several replicas on one database.

Across processes: each update id is claimed once (a primary key), each session write compares
and swaps the chat's version (SessionConflict when another turn wrote it first), each reminder
claim is a conditional UPDATE with one winner, and migrations run under an advisory lock.

The pool is made on first use, in the event loop that uses it; `check_database` (run by
`open_store` before the loop starts) connects once to report a wrong password, an unreachable
host or a missing schema as one clear StoreError, and applies pending migrations.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg

from bot.storage.base import (
    RETIRED_FIGURES,
    ChatRecord,
    Reminder,
    SavedReply,
    SavedResult,
    SessionConflict,
    SharedPath,
    StoreError,
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
MIGRATION_LOCK = (0x5245434F, 1)
"""The advisory lock (two-int key space, apart from the one-bigint space) held while migrating."""
CONNECT_TIMEOUT = 10.0
POOL_SIZE = 10
CONFLICT_SQLSTATE = "RB409"
"""Raised by the commit_turn function when the chat's version moved on (migration 0002)."""
_LOST = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
)
"""The database went away (restart, failover, network): the pool reconnects on the next try."""


def describe(database_url: str) -> str:
    """The URL without its password, for messages: postgresql://user@host:port/db."""
    parts = urlsplit(database_url)
    user = f"{parts.username}@" if parts.username else ""
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def _explain(database_url: str, error: BaseException) -> StoreError:
    where = describe(database_url)
    password = urlsplit(database_url).password
    if isinstance(error, asyncpg.InvalidPasswordError):
        text = f"PostgreSQL at {where} refused the password; check DATABASE_URL"
    elif isinstance(error, asyncpg.InvalidCatalogNameError):
        text = f"PostgreSQL at {where}: the database does not exist; create it (createdb) or fix DATABASE_URL"
    elif isinstance(error, asyncpg.InvalidAuthorizationSpecificationError):
        text = f"PostgreSQL at {where} refused the user: {error}"
    elif isinstance(error, asyncpg.InsufficientPrivilegeError):
        text = (
            f"PostgreSQL at {where}: not allowed to create the schema ({error}); run "
            "`reconsider-bot migrate` as a role that may"
        )
    elif isinstance(error, _LOST):
        text = f"cannot reach PostgreSQL at {where}: {error or type(error).__name__}"
    else:
        text = f"PostgreSQL at {where}: {error}"
    if password:
        text = text.replace(password, "***")
    return StoreError(text)


async def _schema_version(connection: asyncpg.Connection) -> int:
    exists = await connection.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
    if not exists:
        return 0
    return int(await connection.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))


async def migrate(database_url: str) -> tuple[int, int]:
    """Apply pending migrations under the advisory lock; returns (version before, after)."""
    try:
        connection = await asyncpg.connect(database_url, timeout=CONNECT_TIMEOUT)
    except (asyncpg.PostgresError, *_LOST) as error:
        raise _explain(database_url, error) from None
    try:
        async with connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1, $2)", *MIGRATION_LOCK)
            await connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            before = await _schema_version(connection)
            for migration in pending("postgresql", before, describe(database_url)):
                for statement in migration.statements:
                    await connection.execute(statement)
            after = latest_version("postgresql")
            if after != before:
                await connection.execute("DELETE FROM schema_version")
                await connection.execute("INSERT INTO schema_version (version) VALUES ($1)", after)
        return before, after
    except asyncpg.PostgresError as error:
        raise _explain(database_url, error) from None
    finally:
        await connection.close()


async def _check(database_url: str) -> None:
    """Without migrating: refuse a database whose schema is missing or behind."""
    try:
        connection = await asyncpg.connect(database_url, timeout=CONNECT_TIMEOUT)
    except (asyncpg.PostgresError, *_LOST) as error:
        raise _explain(database_url, error) from None
    try:
        version = await _schema_version(connection)
    finally:
        await connection.close()
    latest = latest_version("postgresql")
    pending("postgresql", version, describe(database_url))  # refuses a newer schema
    if version < latest:
        has = "no reconsider-bot schema yet" if version == 0 else f"schema version {version}"
        raise StoreError(
            f"{describe(database_url)} has {has} (this program needs version {latest}): "
            "run `reconsider-bot migrate`, or start with MIGRATE_ON_START=true"
        )


async def _read_snapshot(database_url: str, queries: Mapping[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    try:
        connection = await asyncpg.connect(database_url, timeout=CONNECT_TIMEOUT)
    except (asyncpg.PostgresError, *_LOST) as error:
        raise _explain(database_url, error) from None
    try:
        # One read-only snapshot: every query sees the same moment, and nothing is written.
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            return {
                name: [tuple(row) for row in await connection.fetch(sql)] for name, sql in queries.items()
            }
    except asyncpg.UndefinedTableError:
        raise StoreError(
            f"{describe(database_url)} has no reconsider-bot schema yet: run `reconsider-bot migrate`"
        ) from None
    except asyncpg.PostgresError as error:
        raise _explain(database_url, error) from None
    finally:
        await connection.close()


def read_snapshot(database_url: str, queries: Mapping[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    """Run read-only SELECTs (operators' figures) in one snapshot; StoreError in one line.
    Blocking, like the SQLite reader: callers in an event loop run it in a thread."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, _read_snapshot(database_url, queries)).result()


def check_database(database_url: str, migrate_now: bool) -> None:
    """Connect once, before any event loop runs: migrate (or check) the schema; StoreError
    says what is wrong. Runs in its own thread and loop, so it also works inside one."""
    work = migrate(database_url) if migrate_now else _check(database_url)
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, work).result()


class PostgresStore:
    """The Store protocol on PostgreSQL (see the module docstring)."""

    def __init__(
        self, database_url: str, clock: Callable[[], float] = time.time, pool_size: int = POOL_SIZE
    ) -> None:
        self._url = database_url
        self._clock = clock
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._opening: asyncio.Lock | None = None
        self._recorded = 0
        self._closed = False

    def _now(self) -> int:
        return int(self._clock())

    async def _connected(self) -> asyncpg.Pool:
        if self._closed:
            raise StoreError("the store is closed")
        if self._pool is None:
            self._opening = self._opening or asyncio.Lock()
            async with self._opening:
                if self._pool is None:
                    try:
                        self._pool = await asyncpg.create_pool(
                            self._url,
                            min_size=1,
                            max_size=self._pool_size,
                            timeout=CONNECT_TIMEOUT,
                            reset=_keep_session,
                        )
                    except (asyncpg.PostgresError, *_LOST) as error:
                        raise _explain(self._url, error) from None
        return self._pool

    async def _run(self, work: Callable[[asyncpg.Connection], Awaitable[T]], transaction: bool = True) -> T:
        """`work` on a pooled connection, in a transaction (`transaction=False` for one
        statement, atomic by itself: two round trips fewer); tried once more when the
        connection turns out to be dead (the database restarted), then StoreError."""
        for attempt in (1, 2):
            pool = await self._connected()
            try:
                async with pool.acquire() as connection:
                    if not transaction:
                        return await work(connection)
                    async with connection.transaction():
                        return await work(connection)
            except _LOST as error:
                if attempt == 2:
                    raise _explain(self._url, error) from None
        raise AssertionError("unreachable")

    async def _once_per_update(
        self, update_id: int, work: Callable[[asyncpg.Connection], Awaitable[T]]
    ) -> T | None:
        """`work` in one transaction with the update's dedupe record; None, writing nothing,
        when the update was processed before (by this process or another)."""

        async def guarded(connection: asyncpg.Connection) -> T | None:
            claimed = await connection.fetchval(
                "INSERT INTO processed_updates (update_id, seen_at) VALUES ($1, $2) "
                "ON CONFLICT (update_id) DO NOTHING RETURNING 1",
                update_id,
                self._now(),
            )
            return None if claimed is None else await work(connection)

        done = await self._run(guarded)
        self._recorded += 1
        if self._recorded % PRUNE_EVERY == 0:
            await self.prune()
        return done

    async def prune(self) -> None:
        cutoff = self._now() - UPDATE_RETENTION_SECONDS
        await self._run(
            lambda db: db.execute("DELETE FROM processed_updates WHERE seen_at < $1", cutoff),
            transaction=False,
        )

    # ---- turns ---------------------------------------------------------------------------

    async def load_chat(self, chat_id: int) -> ChatRecord | None:
        row = await self._run(
            lambda db: db.fetchrow(f"SELECT {CHAT_COLUMNS} FROM chats WHERE chat_id = $1", chat_id),  # noqa: S608
            transaction=False,
        )
        return None if row is None else chat_from_row(row)

    async def save_preferences(
        self,
        chat_id: int,
        user_id: int | None,
        *,
        language: str | None = None,
        time_zone: str | None = None,
    ) -> None:
        now = self._now()
        # No session change, so the chat's version stays: a turn in flight still commits.
        await self._run(
            lambda db: db.execute(
                "INSERT INTO chats (chat_id, user_id, runs, blocked, version, created_at, updated_at, seen_at, "  # noqa: E501
                "language, time_zone) VALUES ($1, $2, 0, FALSE, 0, $3, $3, $3, $4, $5) "
                "ON CONFLICT (chat_id) DO UPDATE SET user_id = COALESCE(EXCLUDED.user_id, chats.user_id), "
                "language = COALESCE(EXCLUDED.language, chats.language), "
                "time_zone = COALESCE(EXCLUDED.time_zone, chats.time_zone), "
                "updated_at = EXCLUDED.updated_at, seen_at = EXCLUDED.seen_at",
                chat_id,
                user_id,
                now,
                language,
                time_zone,
            ),
            transaction=False,
        )

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
        text = None if session is None else _json(session)
        runs = int(session.get("run", 0)) if session is not None else 0
        arguments = (update_id, chat_id, user_id, text, runs, self._now(), expected_version)
        if result is None and reply is None:  # the usual turn: one round trip (migrations/postgresql/0002)
            return await self._write_turn(lambda db: _commit_turn(db, *arguments))

        async def with_result(db: asyncpg.Connection) -> bool:
            done = await _commit_turn(db, *arguments)
            if done and result is not None:
                await _save_result(db, result)
            if done and reply is not None:
                await _save_reply(db, reply)
            return done

        return await self._write_turn(with_result, transaction=True)

    async def record_update(self, update_id: int, chat_id: int | None = None) -> bool:
        return await self._write_turn(
            lambda db: db.fetchval("SELECT record_update($1, $2, $3)", update_id, chat_id, self._now())
        )

    async def _write_turn(
        self, work: Callable[[asyncpg.Connection], Awaitable[bool]], transaction: bool = False
    ) -> bool:
        """A write that records the update (False when it was processed before); SessionConflict
        when another turn wrote the chat first (nothing was written)."""
        try:
            done = bool(await self._run(work, transaction=transaction))
        except asyncpg.PostgresError as error:
            if getattr(error, "sqlstate", None) == CONFLICT_SQLSTATE:
                raise SessionConflict(str(error)) from None
            raise
        self._recorded += 1
        if self._recorded % PRUNE_EVERY == 0:
            await self.prune()
        return done

    async def undelivered_chats(self, limit: int = 1000) -> list[ChatRecord]:
        rows = await self._run(
            lambda db: db.fetch(
                "SELECT chat_id FROM chats WHERE session IS NOT NULL AND NOT blocked "
                "AND (message_step IS NULL OR ABS(message_step) <> (session::jsonb ->> 'step')::bigint "
                "OR (message_step < 0 AND (message_unsent > 0 OR message_in_place))) "
                "ORDER BY updated_at LIMIT $1",
                limit,
            ),
            transaction=False,
        )
        found = [await self.load_chat(row[0]) for row in rows]
        return [record for record in found if record is not None]

    async def readiness(self) -> str | None:
        return None if await self.ping() else "the PostgreSQL database does not answer"

    def lost(self) -> str | None:
        return None  # a server database cannot vanish under us the way a file can

    async def record_delivery(
        self, chat_id: int, message_id: int | None, step: int, unsent: int = 0, *, in_place: bool = False
    ) -> None:
        await self._run(
            lambda db: db.execute(
                "UPDATE chats SET message_id = $2, message_step = $3, message_unsent = $4, "
                "message_in_place = $5 WHERE chat_id = $1",
                chat_id,
                message_id,
                step,
                unsent,
                in_place,
            ),
            transaction=False,
        )

    async def mark_blocked(self, chat_id: int) -> None:
        await self._run(
            lambda db: db.execute(
                "UPDATE chats SET blocked = TRUE, updated_at = $2 WHERE chat_id = $1", chat_id, self._now()
            ),
            transaction=False,
        )

    # ---- results and shares ----------------------------------------------------------------

    async def save_reply(self, reply: SavedReply) -> None:
        await self._run(lambda db: _save_reply(db, reply), transaction=False)

    async def save_result(self, result: SavedResult) -> None:
        await self._run(lambda db: _save_result(db, result), transaction=False)

    async def load_result(self, user_id: int) -> SavedResult | None:
        row = await self._run(
            lambda db: db.fetchrow(
                "SELECT user_id, flow, flow_version, language, answers, details, saved_at FROM results "
                "WHERE user_id = $1",
                user_id,
            ),
            transaction=False,
        )
        if row is None:
            return None
        return SavedResult(row[0], row[1], row[2], row[3], json.loads(row[4]), json.loads(row[5]), row[6])

    async def add_share(self, shared: SharedPath) -> SharedPath:
        answers = _json(shared.answers)

        async def work(db: asyncpg.Connection) -> SharedPath:
            await db.execute("SELECT pg_advisory_xact_lock($1::bigint)", shared.user_id)  # one link per path
            row = await db.fetchrow(
                "SELECT code, user_id, flow, flow_version, language, answers, created_at FROM shares "
                "WHERE user_id = $1 AND flow = $2 AND flow_version = $3 AND answers = $4",
                shared.user_id,
                shared.flow,
                shared.flow_version,
                answers,
            )
            if row is not None:
                return shared_path_from_row(row)
            await db.execute(
                "INSERT INTO shares (code, user_id, flow, flow_version, language, answers, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                shared.code,
                shared.user_id,
                shared.flow,
                shared.flow_version,
                shared.language,
                answers,
                shared.created_at,
            )
            return shared

        return await self._run(work)

    async def load_share(self, code: str) -> SharedPath | None:
        row = await self._run(
            lambda db: db.fetchrow(
                "SELECT code, user_id, flow, flow_version, language, answers, created_at FROM shares "
                "WHERE code = $1",
                code,
            ),
            transaction=False,
        )
        return shared_path_from_row(row) if row is not None else None

    # ---- reminders -------------------------------------------------------------------------

    async def _reminders_where(self, condition: str, *args: Any, limit: int | None = None) -> list[Reminder]:
        rows = await self._run(
            lambda db: _fetch_reminders(db, condition, *args, limit=limit), transaction=False
        )
        return rows

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
        async def work(db: asyncpg.Connection) -> tuple[Reminder, bool]:
            await db.execute("SELECT pg_advisory_xact_lock($1::bigint)", chat_id)  # one pending per run
            existing = await _fetch_reminders(
                db, "chat_id = $1 AND run = $2 AND state IN ('pending', 'sending')", chat_id, run, limit=1
            )
            if existing:
                return existing[0], False
            row = await db.fetchrow(
                "INSERT INTO reminders (chat_id, user_id, run, delay, language, payload, due_at, "  # noqa: S608
                f"created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {REMINDER_COLUMNS}",
                chat_id,
                user_id,
                run,
                delay,
                language,
                _json(payload),
                due_at,
                self._now(),
            )
            return reminder_from_row(row), True

        return await self._once_per_update(update_id, work)

    async def pending_reminders(self, chat_id: int) -> list[Reminder]:
        return await self._reminders_where("chat_id = $1 AND state = 'pending'", chat_id)

    async def get_reminder(self, reminder_id: int) -> Reminder | None:
        found = await self._reminders_where("id = $1", reminder_id)
        return found[0] if found else None

    async def had_reminder_before(self, chat_id: int, reminder_id: int) -> bool:
        found = await self._reminders_where("chat_id = $1 AND id < $2", chat_id, reminder_id, limit=1)
        return bool(found)

    async def due_reminders(self, now: int, lease: int, limit: int = 100) -> list[Reminder]:
        return await self._reminders_where(
            "(state = 'pending' AND due_at <= $1) "
            "OR (state = 'sending' AND claimed_at <= $2 AND sent_at IS NULL)",
            now,
            now - lease,
            limit=limit,
        )

    async def claim_reminder(self, reminder_id: int, worker: str, now: int, lease: int) -> bool:
        status = await self._run(
            lambda db: db.execute(
                "UPDATE reminders SET state = 'sending', claimed_by = $2, claimed_at = $3 WHERE id = $1 AND "
                "((state = 'pending' AND due_at <= $3) OR "
                "(state = 'sending' AND claimed_at <= $4 AND sent_at IS NULL))",
                reminder_id,
                worker,
                now,
                now - lease,
            ),
            transaction=False,
        )
        return bool(status == "UPDATE 1")

    async def finish_reminder(self, reminder_id: int, worker: str, state: str, now: int) -> bool:
        if state not in ("sent", "blocked", "failed"):
            raise ValueError(f"a claimed reminder ends as sent, blocked or failed, not {state!r}")
        status = await self._run(
            lambda db: db.execute(
                "UPDATE reminders SET state = $3, sent_at = $4 WHERE id = $1 AND state = 'sending' "
                "AND claimed_by = $2",
                reminder_id,
                worker,
                state,
                now if state == "sent" else None,
            ),
            transaction=False,
        )
        return bool(status == "UPDATE 1")

    async def release_reminder(self, reminder_id: int, worker: str, max_attempts: int) -> str:
        async def work(db: asyncpg.Connection) -> str:
            await db.execute(
                "UPDATE reminders SET attempts = attempts + 1, claimed_by = NULL, claimed_at = NULL, "
                "sent_at = NULL, state = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE 'pending' END "
                "WHERE id = $1 AND state = 'sending' AND claimed_by = $2",
                reminder_id,
                worker,
                max_attempts,
            )
            state = await db.fetchval("SELECT state FROM reminders WHERE id = $1", reminder_id)
            return str(state) if state is not None else "missing"

        return await self._run(work)

    async def reminder_leaving(self, reminder_id: int, worker: str, now: int) -> None:
        await self._run(
            lambda db: db.execute(
                "UPDATE reminders SET sent_at = $3 WHERE id = $1 AND state = 'sending' AND claimed_by = $2",
                reminder_id,
                worker,
                now,
            ),
            transaction=False,
        )

    async def settle_reminders(self, now: int, lease: int) -> int:
        status = await self._run(
            lambda db: db.execute(
                "UPDATE reminders SET state = 'sent' "
                "WHERE state = 'sending' AND claimed_at <= $1 AND sent_at IS NOT NULL",
                now - lease,
            ),
            transaction=False,
        )
        return int(str(status).rsplit(" ", 1)[-1])

    async def cancel_reminder(self, update_id: int, chat_id: int, reminder_id: int) -> bool | None:
        async def work(db: asyncpg.Connection) -> bool:
            status = await db.execute(
                "UPDATE reminders SET state = 'cancelled' "
                "WHERE id = $1 AND chat_id = $2 AND state = 'pending'",
                reminder_id,
                chat_id,
            )
            return bool(status == "UPDATE 1")

        return await self._once_per_update(update_id, work)

    async def move_reminder(self, chat_id: int, reminder_id: int, due_at: int) -> bool:
        status = await self._run(
            lambda db: db.execute(
                "UPDATE reminders SET due_at = $3 WHERE id = $1 AND chat_id = $2 AND state = 'pending'",
                reminder_id,
                chat_id,
                due_at,
            ),
            transaction=False,
        )
        return bool(status == "UPDATE 1")

    async def record_outcome(
        self, update_id: int, chat_id: int, reminder_id: int, outcome: str
    ) -> str | None:
        async def work(db: asyncpg.Connection) -> str:
            row = await db.fetchrow(
                "SELECT outcome FROM reminders WHERE id = $1 AND chat_id = $2 FOR UPDATE",
                reminder_id,
                chat_id,
            )
            if row is None:
                return "missing"
            if row[0] is not None:
                return "already"
            await db.execute(
                "UPDATE reminders SET outcome = $2, outcome_at = $3 WHERE id = $1",
                reminder_id,
                outcome,
                self._now(),
            )
            return "recorded"

        return await self._once_per_update(update_id, work)

    # ---- privacy -----------------------------------------------------------------------------

    async def forget_user(self, user_id: int) -> int:
        async def work(db: asyncpg.Connection) -> int:
            await db.execute("DELETE FROM results WHERE user_id = $1", user_id)
            await db.execute("DELETE FROM shares WHERE user_id = $1", user_id)
            await db.execute("DELETE FROM replies WHERE user_id = $1", user_id)
            await _retire_reminders(db, "user_id = $1 OR chat_id = $1", user_id)
            return _count(await db.execute("DELETE FROM chats WHERE user_id = $1 OR chat_id = $1", user_id))

        return await self._run(work)

    async def export_user(self, user_id: int) -> dict[str, Any]:
        async def work(db: asyncpg.Connection) -> dict[str, Any]:
            chats = await db.fetch(
                "SELECT chat_id, session, message_id, blocked, created_at, updated_at, seen_at, language, "
                "time_zone FROM chats WHERE user_id = $1 OR chat_id = $1 ORDER BY chat_id",
                user_id,
            )
            result = await db.fetchrow(
                "SELECT flow, flow_version, language, answers, details, saved_at FROM results "
                "WHERE user_id = $1",
                user_id,
            )
            shares = await db.fetch(
                "SELECT code, user_id, flow, flow_version, language, answers, created_at FROM shares "
                "WHERE user_id = $1 ORDER BY created_at, code",
                user_id,
            )
            reminders = await _fetch_reminders(db, "user_id = $1 OR chat_id = $1", user_id)
            replies = await db.fetch(
                "SELECT user_id, result_flow, result_answers, result_saved_at, flow, flow_version, language, "
                "run, answers, details, saved_at FROM replies WHERE user_id = $1 ORDER BY saved_at, run",
                user_id,
            )
            return {
                "user_id": user_id,
                "chats": [
                    {
                        "chat_id": row[0],
                        "session": json.loads(row[1]) if row[1] is not None else None,
                        "current_message_id": row[2],
                        "blocked": row[3],
                        "created_at": row[4],
                        "updated_at": row[5],
                        "last_seen_at": row[6],
                        "language": row[7],
                        "time_zone": row[8],
                    }
                    for row in chats
                ],
                "latest_result": None
                if result is None
                else {
                    "flow": result[0],
                    "flow_version": result[1],
                    "language": result[2],
                    "answers": json.loads(result[3]),
                    "details": json.loads(result[4]),
                    "saved_at": result[5],
                },
                "shares": [
                    {
                        "code": s.code,
                        "flow": s.flow,
                        "flow_version": s.flow_version,
                        "language": s.language,
                        "answers": s.answers,
                        "created_at": s.created_at,
                    }
                    for s in map(shared_path_from_row, shares)
                ],
                "reminders": [reminder.to_dict() for reminder in reminders],
                "replies": [reply_dict(reply_from_row(row)) for row in replies],
            }

        return await self._run(work, transaction=True)

    async def erase_inactive(self, before: int) -> dict[str, int]:
        active = (
            "EXISTS (SELECT 1 FROM chats AS c WHERE (c.chat_id = {0} OR c.user_id = {0}) AND c.seen_at >= $1)"
        )

        async def work(db: asyncpg.Connection) -> dict[str, int]:
            sessions = await db.execute(
                "UPDATE chats SET session = NULL, version = version + 1 "
                "WHERE seen_at < $1 AND session IS NOT NULL",
                before,
            )
            results = await db.execute(
                "DELETE FROM results WHERE saved_at < $1 AND NOT "  # noqa: S608 - fixed SQL
                + active.format("results.user_id"),
                before,
            )
            shares = await db.execute(
                "DELETE FROM shares WHERE created_at < $1 AND NOT "  # noqa: S608 - fixed SQL
                + active.format("shares.user_id"),
                before,
            )
            await db.execute(  # what employers answered goes with the results it answers
                "DELETE FROM replies WHERE saved_at < $1 AND NOT "  # noqa: S608 - fixed SQL
                + active.format("replies.user_id"),
                before,
            )
            reminders = await _retire_reminders(
                db,
                "state NOT IN ('pending', 'sending') AND created_at < $1 AND NOT "
                + active.format("reminders.chat_id"),
                before,
            )
            return {
                "sessions": _count(sessions),
                "results": _count(results),
                "share_links": _count(shares),
                "reminders": reminders,
            }

        return await self._run(work)

    # ---- operators ---------------------------------------------------------------------------

    async def stats(self) -> dict[str, int]:
        async def work(db: asyncpg.Connection) -> dict[str, int]:
            row = await db.fetchrow(
                "SELECT (SELECT COUNT(*) FROM chats), "
                "(SELECT COUNT(*) FROM chats WHERE session IS NOT NULL "
                "AND (session::json ->> 'state') IS DISTINCT FROM 'result'), "
                "(SELECT COUNT(*) FROM chats WHERE blocked), (SELECT COUNT(*) FROM results), "
                "(SELECT COUNT(*) FROM shares), "
                "(SELECT COUNT(*) FROM reminders WHERE state IN ('pending', 'sending')), "
                "(SELECT COUNT(*) FROM reminders WHERE state = 'sent'), "
                "(SELECT COUNT(*) FROM reminders WHERE outcome = 'yes'), "
                "(SELECT COUNT(*) FROM reminders WHERE outcome = 'no'), "
                "(SELECT COUNT(*) FROM reminders WHERE outcome = 'waiting')"
            )
            names = (
                "chats",
                "guides_in_progress",
                "blocked_chats",
                "results",
                "share_links",
                "reminders_pending",
                "reminders_sent",
                "outcomes_yes",
                "outcomes_no",
                "outcomes_waiting",
            )
            figures = {name: int(value) for name, value in zip(names, row, strict=True)}
            figures |= reply_figures(
                await db.fetch("SELECT outcome, COUNT(*) FROM replies GROUP BY outcome ORDER BY outcome")
            )
            for name, count in await db.fetch("SELECT name, count FROM figures"):
                if name in figures:
                    figures[name] += int(count)
            return figures

        return await self._run(work, transaction=False)

    async def ping(self) -> bool:
        try:
            return bool(await self._run(lambda db: db.fetchval("SELECT 1"), transaction=False) == 1)
        except Exception:  # a health check answers, it never raises
            return False

    async def claim_job(self, name: str, now: int, every: int) -> bool:
        async def work(db: asyncpg.Connection) -> bool:
            await db.execute(
                "INSERT INTO jobs (name, ran_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                name,
                now - every,
            )
            status = await db.execute(
                "UPDATE jobs SET ran_at = $2 WHERE name = $1 AND ran_at <= $3", name, now, now - every
            )
            return bool(status == "UPDATE 1")

        return await self._run(work)

    async def close(self) -> None:
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()


async def _commit_turn(
    db: asyncpg.Connection,
    update_id: int,
    chat_id: int,
    user_id: int | None,
    session: str | None,
    runs: int,
    now: int,
    expected_version: int | None,
) -> bool:
    return bool(
        await db.fetchval(
            "SELECT commit_turn($1, $2, $3, $4, $5, $6, $7)",
            update_id,
            chat_id,
            user_id,
            session,
            runs,
            now,
            expected_version,
        )
    )


async def _keep_session(connection: asyncpg.Connection) -> None:
    """What the pool runs on a released connection, instead of its default reset query (one more
    round trip per call): our statements leave no session state behind (advisory locks are
    transaction-scoped; no LISTEN, SET or cursors). An open transaction is still rolled back."""


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _count(status: str) -> int:
    """Rows touched, from a command tag such as "DELETE 3"."""
    return int(status.rsplit(" ", 1)[-1])


async def _save_result(db: asyncpg.Connection, result: SavedResult) -> None:
    await db.execute(
        "INSERT INTO results (user_id, flow, flow_version, language, answers, details, saved_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) "
        "ON CONFLICT (user_id) DO UPDATE SET flow = EXCLUDED.flow, flow_version = EXCLUDED.flow_version, "
        "language = EXCLUDED.language, answers = EXCLUDED.answers, details = EXCLUDED.details, "
        "saved_at = EXCLUDED.saved_at",
        result.user_id,
        result.flow,
        result.flow_version,
        result.language,
        _json(result.answers),
        _json(result.details),
        result.saved_at,
    )


async def _retire_reminders(db: asyncpg.Connection, condition: str, *args: Any) -> int:
    """Delete the reminders matching `condition`, adding what they counted to the figures."""
    counted = await db.fetchrow(
        "SELECT COUNT(*) FILTER (WHERE state = 'sent'), "  # noqa: S608 - fixed SQL, values are parameters
        "COUNT(*) FILTER (WHERE outcome = 'yes'), COUNT(*) FILTER (WHERE outcome = 'no'), "
        f"COUNT(*) FILTER (WHERE outcome = 'waiting') FROM reminders WHERE {condition}",
        *args,
    )
    for name, count in zip(RETIRED_FIGURES, counted, strict=True):
        if count:
            await db.execute(
                "INSERT INTO figures (name, count) VALUES ($1, $2) "
                "ON CONFLICT (name) DO UPDATE SET count = figures.count + EXCLUDED.count",
                name,
                count,
            )
    return _count(await db.execute(f"DELETE FROM reminders WHERE {condition}", *args))  # noqa: S608


async def _fetch_reminders(
    db: asyncpg.Connection, condition: str, *args: Any, limit: int | None = None
) -> list[Reminder]:
    rows = await db.fetch(
        f"SELECT {REMINDER_COLUMNS} FROM reminders WHERE {condition} "  # noqa: S608 - fixed SQL
        f"ORDER BY due_at, id LIMIT ${len(args) + 1}",
        *args,
        limit,
    )
    return [reminder_from_row(row) for row in rows]


async def _save_reply(db: asyncpg.Connection, reply: SavedReply) -> None:
    await db.execute(
        "INSERT INTO replies (user_id, result_saved_at, run, result_flow, result_answers, flow, "
        "flow_version, language, outcome, answers, details, saved_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
        "ON CONFLICT (user_id, result_saved_at, run) DO UPDATE SET flow = excluded.flow, "
        "flow_version = excluded.flow_version, language = excluded.language, outcome = excluded.outcome, "
        "answers = excluded.answers, details = excluded.details, saved_at = excluded.saved_at",
        *reply_row(reply),
    )
