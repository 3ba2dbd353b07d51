"""Read every row of every table, whatever the backend: for privacy checks."""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.storage import sqlite_path


def all_rows(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """{table: rows} for every table in the database."""
    if database_url.startswith("sqlite:"):
        with sqlite3.connect(sqlite_path(database_url)) as raw:
            names = [
                row[0]
                for row in raw.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            found = {name: raw.execute(f'SELECT * FROM "{name}"').fetchall() for name in names}  # noqa: S608
        raw.close()
        return found

    import asyncpg

    async def read() -> dict[str, list[tuple[Any, ...]]]:
        connection = await asyncpg.connect(database_url)
        try:
            names = [
                row[0]
                for row in await connection.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                )
            ]
            return {
                name: [tuple(row) for row in await connection.fetch(f'SELECT * FROM "{name}"')]  # noqa: S608
                for name in names
            }
        finally:
            await connection.close()

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, read()).result()


def rows_mentioning(database_url: str, *ids: int) -> dict[str, list[tuple[Any, ...]]]:
    """Rows in which any value is one of `ids` or a text containing one of them."""
    wanted = {str(i) for i in ids}
    found: dict[str, list[tuple[Any, ...]]] = {}
    for table, rows in all_rows(database_url).items():
        hits = [
            row
            for row in rows
            if any(
                str(value) in wanted or (isinstance(value, str) and any(w in value for w in wanted))
                for value in row
            )
        ]
        if hits:
            found[table] = hits
    return found
