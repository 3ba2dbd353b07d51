"""The operator's side of the command: --version, bare help, every setting in `run --help` and
in `.env.example`, `backup` while the bot writes, `health`, and a failed start in one line."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot import __version__
from bot.settings import SETTINGS, load_settings
from tests.conftest import REPO

SETTINGS_SOURCE = REPO / "bot" / "settings.py"
ENV_EXAMPLE = REPO / ".env.example"
VALID_LOOKING_TOKEN = "123456789:" + "A" * 35  # split: no token-shaped literal


def cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    clean = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    clean["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def names_settings_reads() -> set[str]:
    """Every variable name bot/settings.py looks up (`get("NAME")` and `.get("NAME", ...)`)."""
    return set(re.findall(r'get\("([A-Z][A-Z0-9_]+)"', SETTINGS_SOURCE.read_text()))


def env_example_entries() -> dict[str, list[str]]:
    """NAME -> the values `.env.example` shows for it (set or commented out)."""
    entries: dict[str, list[str]] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        found = re.match(r"^#?([A-Z][A-Z0-9_]+)=(.*)$", line)
        if found:
            entries.setdefault(found[1], []).append(found[2])
    return entries


def test_version_matches_the_package() -> None:
    done = cli("--version")
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert (
        done.returncode == 0
        and done.stdout.strip() == f"reconsider-bot {declared}" == f"reconsider-bot {__version__}"
    )


def test_bare_command_prints_the_help() -> None:
    done = cli()
    assert done.returncode == 0 and done.stderr == ""
    for command in ("run", "chat", "plan", "check", "graph", "tone", "health", "backup"):
        assert re.search(rf"^\s+{command}\s", done.stdout, re.M), command


def test_every_setting_is_in_run_help_and_env_example() -> None:
    read = names_settings_reads()
    assert {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "LOG_FORMAT", "METRICS_PORT"} <= read  # the scan works
    documented = {name for name, _, _ in SETTINGS}
    assert read <= documented, f"read but not in bot.settings.SETTINGS: {sorted(read - documented)}"
    help_text = cli("run", "--help").stdout
    for name, default, _ in SETTINGS:
        assert re.search(rf"^\s+{name}\s.*\(default: {re.escape(default)}\)$", help_text, re.M), name
    entries = env_example_entries()
    missing = documented - set(entries)
    assert not missing, f".env.example lacks {sorted(missing)}"
    compose_only = set(entries) - documented
    assert compose_only == {"BOT_DOMAIN", "POSTGRES_PASSWORD"}
    assert any(value.startswith("postgresql://") for value in entries["DATABASE_URL"])
    text = ENV_EXAMPLE.read_text()
    for name in documented:  # its meaning and default in the comment right above the entry
        above = re.split(rf"^#?{name}=", text, maxsplit=1, flags=re.M)[0].rstrip().splitlines()
        comment = []
        while above and above[-1].startswith("# "):
            comment.insert(0, above.pop())
        assert comment and re.match(r"# (Default|Required)", comment[0]), name


def test_env_example_as_written_and_with_every_example_switched_on_is_accepted(tmp_path: Path) -> None:
    as_written = load_settings(environ={}, dotenv=ENV_EXAMPLE)
    assert as_written.token == "" and not as_written.webhook_mode and as_written.log_format == "text"
    switched_on = tmp_path / "env"
    switched_on.write_text(
        "\n".join(
            line.removeprefix("#")
            for line in ENV_EXAMPLE.read_text().splitlines()
            if re.match(r"^#[A-Z]", line)
        )
        + "\n"
    )
    settings = load_settings(environ={}, dotenv=switched_on)  # every example value is valid
    assert settings.webhook_mode and settings.metrics_port == 9090


def test_a_failed_start_prints_one_line_and_nothing_else(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = cli(
        "run",
        cwd=tmp_path,
        env={
            "TELEGRAM_BOT_TOKEN": VALID_LOOKING_TOKEN,
            "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
            "DATABASE_URL": f"sqlite:///{tmp_path}/bot.sqlite3",
            "METRICS_PORT": "off",
        },
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr  # no retries, no "Unclosed client session"
    assert done.stderr.startswith("reconsider-bot: could not reach the Bot API")
    assert VALID_LOOKING_TOKEN not in done.stderr and done.stdout == ""


def test_a_busy_ops_port_is_one_line_too(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = cli(
            "run",
            cwd=tmp_path,
            env={
                "TELEGRAM_BOT_TOKEN": VALID_LOOKING_TOKEN,
                "DATABASE_URL": f"sqlite:///{tmp_path}/bot.sqlite3",
                "METRICS_LISTEN": "127.0.0.1",
                "METRICS_PORT": str(taken.getsockname()[1]),
            },
        )
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("reconsider-bot: could not start the HTTP server")


WRITER = """
import asyncio, sys
from pathlib import Path
from bot.storage import SQLiteStore

async def main() -> None:
    store = SQLiteStore(Path(sys.argv[1]))
    print("ready", flush=True)
    for n in range(1, int(sys.argv[2]) + 1):
        await store.commit_turn(n, n, n, {"step": n})  # a chat row and an update id, one transaction
    await store.close()

asyncio.run(main())
"""


def test_backup_is_a_consistent_copy_while_the_bot_writes(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    turns = 2500
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(database), str(turns)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    env = {"DATABASE_URL": f"sqlite:///{database}"}
    copies: list[tuple[int, int]] = []
    while writer.poll() is None or len(copies) < 2:
        target = tmp_path / f"copy-{len(copies)}.sqlite3"
        done = cli("backup", str(target), env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("backed up ") and "integrity ok" in done.stdout
        with sqlite3.connect(target) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            chats = copy.execute("SELECT COUNT(*) FROM chats").fetchone()[0]
            updates = copy.execute("SELECT COUNT(*) FROM processed_updates").fetchone()[0]
        copy.close()
        assert chats == updates, "a turn's two writes must be in the copy together or not at all"
        copies.append((chats, updates))
        assert len(copies) < 200
    assert writer.wait(60) == 0
    writer.stdout.close()
    assert any(0 < chats < turns for chats, _ in copies), f"no copy was taken mid-write: {copies}"
    assert [c for c, _ in copies] == sorted(c for c, _ in copies)
    assert not list(tmp_path.glob(".*partial"))


def test_backup_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on, on loopback
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    pg = cli(
        "backup", str(tmp_path / "x"), env={"DATABASE_URL": f"postgresql://u:secret@127.0.0.1:{closed}/db"}
    )
    assert pg.returncode == 2 and "pg_dump" in pg.stderr and "secret" not in pg.stderr
    assert pg.stderr.count("\n") == 1 and not (tmp_path / "x").exists()
    missing = cli("backup", str(tmp_path / "x"), env={"DATABASE_URL": f"sqlite:///{tmp_path}/none.sqlite3"})
    assert missing.returncode == 2 and "no database" in missing.stderr
    assert not (tmp_path / "none.sqlite3").exists()  # looking never creates one
    assert missing.stderr.count("\n") == 1


def test_backup_of_postgresql_is_a_dump_pg_restore_reads(tmp_path: Path, fresh_postgres: str) -> None:
    env = {"DATABASE_URL": fresh_postgres}
    assert cli("migrate", env=env).returncode == 0
    target = tmp_path / "reconsider.dump"
    done = cli("backup", str(target), env=env)
    assert done.returncode == 0, done.stderr
    password = urlsplit(fresh_postgres).password
    assert password and password not in done.stdout + done.stderr  # the URL is shown without it
    assert done.stdout.startswith("backed up postgresql://") and target.stat().st_size > 0
    listed = subprocess.run(["pg_restore", "--list", str(target)], capture_output=True, text=True, check=True)
    for table in ("chats", "results", "reminders", "schema_version"):
        assert f"TABLE public {table} " in listed.stdout
    assert not list(tmp_path.glob(".*partial"))


def test_health_asks_the_ops_server(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = cli("health", env={"METRICS_PORT": str(port)})
    assert down.returncode == 1 and f"127.0.0.1:{port}/healthz" in down.stderr
    off = cli("health", env={"METRICS_PORT": "off"})
    assert off.returncode == 2 and "METRICS_PORT" in off.stderr
    # Against a running bot: tests/telegram/test_lifecycle.py (the Dockerfile's HEALTHCHECK).


@pytest.mark.parametrize("value", ["xml", "JSONL"])
def test_a_wrong_log_format_is_refused(value: str) -> None:
    done = cli("run", env={"TELEGRAM_BOT_TOKEN": VALID_LOOKING_TOKEN, "LOG_FORMAT": value})
    assert done.returncode == 2 and "LOG_FORMAT must be one of text, json" in done.stderr
