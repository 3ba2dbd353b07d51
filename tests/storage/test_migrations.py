"""The migration files and their one runner: numbered per dialect, shipped in the package,
cut into statements without breaking a `;` inside a literal."""

from __future__ import annotations

import sqlite3

import pytest

from bot.storage.base import StoreError
from bot.storage.migrations import DIALECTS, latest_version, migrations, pending, split_statements


def test_a_semicolon_inside_a_literal_or_a_comment_survives() -> None:
    script = """
        -- a comment; with a semicolon
        CREATE TABLE notes (body TEXT);
        INSERT INTO notes (body) VALUES ('one; two'), ('it''s; fine');
        /* a block; comment */ INSERT INTO notes (body) VALUES ("three;four");
        SELECT $body$ five; six $body$;
    """
    assert split_statements(script) == [
        "CREATE TABLE notes (body TEXT)",
        "INSERT INTO notes (body) VALUES ('one; two'), ('it''s; fine')",
        'INSERT INTO notes (body) VALUES ("three;four")',
        "SELECT $body$ five; six $body$",
    ]
    db = sqlite3.connect(":memory:")
    for statement in split_statements(script)[:2]:
        db.execute(statement)
    assert db.execute("SELECT body FROM notes").fetchall() == [("one; two",), ("it's; fine",)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_dialect_has_numbered_migrations_without_gaps(dialect: str) -> None:
    found = migrations(dialect)
    assert [m.version for m in found] == list(range(1, len(found) + 1))
    assert all(m.statements for m in found)
    assert pending(dialect, 0, "db") == found
    assert pending(dialect, latest_version(dialect), "db") == ()
    with pytest.raises(StoreError, match="newer than this program understands"):
        pending(dialect, latest_version(dialect) + 1, "db")


def test_both_dialects_end_with_the_same_tables() -> None:
    def tables(dialect: str) -> set[str]:
        statements = [s for m in migrations(dialect) for s in m.statements]
        return {s.split()[2] for s in statements if s.startswith("CREATE TABLE")}

    assert (
        tables("sqlite")
        == tables("postgresql")
        == {"chats", "processed_updates", "results", "shares", "reminders", "figures", "jobs", "replies"}
    )
