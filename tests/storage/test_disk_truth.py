"""The SQLite file on disk: private, erased text really gone after /forget, and a store that
notices when its file is deleted or replaced (and says so instead of writing into the void)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from bot.storage import SQLiteStore, StoreLost

SECRET_WORDS = "Zanzibar-Quokka-Recruiter"


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


async def test_what_the_store_creates_is_private(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "bot"
    store = SQLiteStore(folder / "bot.sqlite3")
    try:
        await store.commit_turn(1, 10, 10, {"state": "q1", "step": 1})
        assert mode(folder) == 0o700
        for name in ("bot.sqlite3", "bot.sqlite3-wal", "bot.sqlite3-shm"):
            assert mode(folder / name) == 0o600, name
    finally:
        await store.close()


async def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)  # the operator's choice
    store = SQLiteStore(tmp_path / "bot.sqlite3")
    await store.close()
    assert mode(tmp_path) == 0o755 and mode(tmp_path / "bot.sqlite3") == 0o600


def occurrences(folder: Path, needle: str) -> dict[str, int]:
    data = needle.encode()
    return {p.name: p.read_bytes().count(data) for p in folder.iterdir() if p.is_file()}


async def test_forgotten_text_is_gone_from_the_database_and_its_wal(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "bot.sqlite3")
    try:
        for step in range(1, 6):  # several versions of the session, each in the -wal file
            session = {"state": "detail", "step": step, "details": {"company": f"{SECRET_WORDS} {step}"}}
            assert await store.commit_turn(100 + step, 10, 10, session)
        await store.commit_turn(200, 11, 11, {"state": "q1", "step": 1, "details": {"company": "Other"}})
        assert sum(occurrences(tmp_path, SECRET_WORDS).values()) >= 5
        assert await store.forget_user(10) == 1
        assert sum(occurrences(tmp_path, SECRET_WORDS).values()) == 0, occurrences(tmp_path, SECRET_WORDS)
        record = await store.load_chat(11)  # the others' data is intact
        assert record is not None and record.session == {
            "state": "q1",
            "step": 1,
            "details": {"company": "Other"},
        }
    finally:
        await store.close()


async def test_a_deleted_database_file_is_noticed_and_nothing_is_committed(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = SQLiteStore(path)
    try:
        assert await store.readiness() is None and store.lost() is None
        assert await store.commit_turn(1, 10, 10, {"state": "q1", "step": 1})
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink()
        assert "was deleted" in (store.lost() or "")
        assert "was deleted" in (await store.readiness() or "")
        with pytest.raises(StoreLost, match="was deleted"):
            await store.commit_turn(2, 10, 10, {"state": "q2", "step": 2})
    finally:
        await store.close()


async def test_a_replaced_database_file_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = SQLiteStore(path)
    try:
        await store.commit_turn(1, 10, 10, {"state": "q1", "step": 1})
        shutil.copy(path, tmp_path / "copy.sqlite3")
        os.replace(tmp_path / "copy.sqlite3", path)  # e.g. a backup restored over the live file
        assert "was replaced" in (await store.readiness() or "")
        with pytest.raises(StoreLost):
            await store.record_update(2, 10)
    finally:
        await store.close()


FULL_DISK = """
import asyncio, resource, signal, sys
from bot.storage import SQLiteStore

async def main() -> None:
    store = SQLiteStore(sys.argv[1])
    print("before:", await store.readiness())
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (1, 1))  # no file may grow: the disk is full
    print("after:", await store.readiness())
    sys.stdout.flush()

asyncio.run(main())
"""


def test_readiness_needs_a_write_that_succeeds(tmp_path: Path) -> None:
    """A full disk (simulated with a file size limit in a child process) is not ready."""
    import subprocess
    import sys

    from tests.conftest import REPO

    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(tmp_path / "bot.sqlite3")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    lines = done.stdout.splitlines()
    assert lines[0] == "before: None", done.stderr
    assert lines[1].startswith("after: the database") and "cannot be written" in lines[1], done.stdout
