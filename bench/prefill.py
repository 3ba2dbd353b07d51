"""Databases that look like a bot's after many people used it, for the growth figures.

The schema comes from the store itself (`open_store`), the rows are written in bulk with
plain sqlite3: `sessions` chats holding sessions stopped at random points of random guides,
and `updates_per_session` processed update ids each, recent enough not to be pruned, with
ids below `harness.FIRST_UPDATE_ID` so the benchmark's own updates never look redelivered.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.engine_only import sample_sessions
from bot.engine import Guide
from bot.storage import open_store

PREFILLED_CHAT_IDS = 3_000_000_000
"""First chat id of the pre-filled people (the load uses other ids)."""
RECENT_SECONDS = 2 * 24 * 3600


def prefill(path: Path, guide: Guide, sessions: int, updates_per_session: int = 5) -> Path:
    """Create `path` with `sessions` stored sessions; returns it."""
    path.unlink(missing_ok=True)
    store = open_store(f"sqlite:///{path}")  # the schema, made by the store itself
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, store.close()).result()
    samples = [json.dumps(s, ensure_ascii=False, sort_keys=True) for s in sample_sessions(guide, 300)]
    rng = random.Random(sessions)
    now = int(time.time())
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO chats (chat_id, user_id, session, message_id, message_step, runs, blocked, "
            "version, created_at, updated_at, seen_at) VALUES (?, ?, ?, ?, ?, 1, 0, 1, ?, ?, ?)",
            (
                (
                    PREFILLED_CHAT_IDS + n,
                    PREFILLED_CHAT_IDS + n,
                    samples[n % len(samples)],
                    rng.randint(2, 40),
                    json.loads(samples[n % len(samples)])["step"],
                    now - rng.randint(0, RECENT_SECONDS),
                    *[now - rng.randint(0, RECENT_SECONDS)] * 2,
                )
                for n in range(sessions)
            ),
        )
        connection.executemany(
            "INSERT INTO processed_updates (update_id, seen_at) VALUES (?, ?)",
            ((n + 1, now - rng.randint(0, RECENT_SECONDS)) for n in range(sessions * updates_per_session)),
        )
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return path
