"""Schema migrations: numbered SQL files per dialect (`sqlite/0001_chats.sql`, ...), and the one
runner logic both backends share: which files a database at version N still needs, and each
file cut into statements.

A database records its version in `schema_version`; each backend applies the pending files in
one transaction (under a lock: SQLite's write lock, PostgreSQL's advisory lock).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from bot.storage.base import StoreError

DIALECTS = ("sqlite", "postgresql")
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_DOLLAR_TAG = re.compile(r"\$[A-Za-z_]*\$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def migrations(dialect: str) -> tuple[Migration, ...]:
    """The dialect's migrations in order; numbered 1, 2, 3... without gaps (checked)."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}")
    found = []
    for entry in resources.files(__package__).joinpath(dialect).iterdir():
        match = _FILE.match(entry.name)
        if match:
            statements = tuple(split_statements(entry.read_text("utf-8")))
            found.append(Migration(int(match[1]), match[2], statements))
    found.sort(key=lambda migration: migration.version)
    if [migration.version for migration in found] != list(range(1, len(found) + 1)):
        raise StoreError(f"the {dialect} migrations are not numbered 0001, 0002, ... without gaps")
    return tuple(found)


def latest_version(dialect: str) -> int:
    return len(migrations(dialect))


def pending(dialect: str, current: int, where: str) -> tuple[Migration, ...]:
    """What a database at version `current` still needs; refuses a newer database."""
    known = migrations(dialect)
    if current > len(known):
        raise StoreError(
            f"{where} has schema version {current}, newer than this program understands "
            f"({len(known)}); upgrade reconsider-bot"
        )
    return known[current:]


def split_statements(script: str) -> list[str]:
    """Cut a script at the `;` that end statements, not at one inside a quoted literal, a quoted
    name, a comment or a PostgreSQL dollar-quoted body. Comments are dropped."""
    statements: list[str] = []
    current: list[str] = []
    i, n = 0, len(script)
    while i < n:
        char = script[i]
        if char in "'\"":  # a literal or a quoted name; a doubled quote stays inside
            end = i + 1
            while end < n:
                if script[end] == char:
                    if end + 1 < n and script[end + 1] == char:
                        end += 2
                        continue
                    break
                end += 1
            current.append(script[i : end + 1])
            i = end + 1
        elif script.startswith("--", i):
            end = script.find("\n", i)
            i = n if end < 0 else end
        elif script.startswith("/*", i):
            end = script.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif char == "$" and (tag := _DOLLAR_TAG.match(script, i)):
            end = script.find(tag[0], tag.end())
            stop = n if end < 0 else end + len(tag[0])
            current.append(script[i:stop])
            i = stop
        elif char == ";":
            statements.append("".join(current))
            current = []
            i += 1
        else:
            current.append(char)
            i += 1
    statements.append("".join(current))
    return [statement.strip() for statement in statements if statement.strip()]
