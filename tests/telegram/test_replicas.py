"""Several real `python -m bot run` processes in webhook mode on one PostgreSQL, behind a
round-robin front: every guide completes, no step lost or doubled, a redelivered update is
applied once whichever replica it reaches, and a replica killed with SIGKILL mid-run costs
nothing. Also what a single process says when it cannot start or must not go on."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.engine import Guide
from bot.storage.migrations import latest_version
from tests.fakebotapi import FakeBotAPI
from tests.storage.raw import all_rows
from tests.telegram.conftest import Person, free_port
from tests.telegram.front import HOOK, Front
from tests.telegram.test_process import FINAL, base_env, run_bot
from tests.telegram.walking import walk

SECRET = "replica-secret"


class Replica:
    def __init__(
        self, fake: FakeBotAPI, workdir: Path, name: str, database_url: str, front_port: int
    ) -> None:
        self.port = free_port()
        self.log_path = workdir / f"{name}.log"
        env = {
            **base_env(),
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "INFO",
            "WEBHOOK_URL": f"http://127.0.0.1:{front_port}{HOOK}",
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(self.port),
            "WEBHOOK_SECRET": SECRET,
        }
        self._log: IO[Any] = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=workdir,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._log.close()

    def terminate(self) -> int:
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(20)
        self._log.close()
        return code

    @property
    def output(self) -> str:
        return self.log_path.read_text()


def start_replicas(
    fake: FakeBotAPI, tmp_path: Path, database_url: str, count: int, redeliver: bool = False
) -> tuple[Front, list[Replica]]:
    """`count` replicas starting at once on one database (they migrate it together), ready when
    each has registered the webhook (the front's URL)."""
    ports: list[int] = []
    front = Front(ports, redeliver)
    before = fake.method_counts["setWebhook"]
    replicas = [Replica(fake, tmp_path, f"replica{n}", database_url, front.port) for n in range(count)]
    ports.extend(replica.port for replica in replicas)
    front.hits = dict.fromkeys(ports, 0)
    fake.run(front.start())
    deadline = time.monotonic() + 60
    while fake.method_counts["setWebhook"] < before + count:
        for replica in replicas:
            assert replica.process.poll() is None, replica.output
        assert time.monotonic() < deadline, "the replicas did not start"
        time.sleep(0.05)
    return front, replicas


@pytest.fixture
def fake_in_thread() -> Iterator[FakeBotAPI]:
    fake = FakeBotAPI().start_in_thread()
    yield fake
    fake.stop_thread()


def sessions(database_url: str) -> dict[int, dict[str, Any]]:
    rows = all_rows(database_url)["chats"]
    return {row[0]: json.loads(row[2]) for row in rows if row[2] is not None}


def finish(front: Front, replicas: list[Replica], fake: FakeBotAPI) -> None:
    for replica in replicas:
        assert replica.terminate() in (0, -signal.SIGKILL), replica.output
    fake.run(front.stop())


async def walk_all(guide: Guide, people: list[Person]) -> list[list[Any]]:
    return list(
        await asyncio.gather(
            *(walk(guide, person, FINAL, {"company": f"Firm {person.id}"}) for person in people)
        )
    )


def test_two_replicas_with_redeliveries_lose_nothing_and_double_nothing(
    fake_in_thread: FakeBotAPI, guide: Guide, fresh_postgres: str, tmp_path: Path
) -> None:
    fake = fake_in_thread
    front, replicas = start_replicas(fake, tmp_path, fresh_postgres, 2, redeliver=True)
    try:
        people = [Person(fake, fake.user(2000 + n, f"P{n}")) for n in range(4)]
        fake.run(walk_all(guide, people), timeout=120)
        footer = guide.catalog("en").text("ui.tg_result_footer")
        for person in people:
            texts = [m.text for m in person.messages]
            assert sum(footer in text for text in texts) == 1, texts  # one result, not two
            assert len(set(texts)) == len(texts), texts  # no step or notice shown twice
            assert f"Firm {person.id}" in "\n".join(texts)
        assert len({len(person.messages) for person in people}) == 1  # the same path: as many messages
        stored = sessions(fresh_postgres)
        for person in people:
            assert stored[person.id]["answers"] == FINAL and stored[person.id]["state"] == "result"
        assert front.redelivered > 20 and all(hits > 10 for hits in front.hits.values())
        assert fake.violations == [] and fake.unanswered_callback_queries() == []
    finally:
        finish(front, replicas, fake)
    for replica in replicas:
        assert " ERROR " not in replica.output, replica.output
        assert fake.token.split(":")[1] not in replica.output and SECRET not in replica.output
        assert "Firm" not in replica.output  # nothing a person typed reaches a log line


def test_four_replicas_go_on_when_one_is_killed_mid_run(
    fake_in_thread: FakeBotAPI, guide: Guide, fresh_postgres: str, tmp_path: Path
) -> None:
    fake = fake_in_thread
    front, replicas = start_replicas(fake, tmp_path, fresh_postgres, 4)
    try:
        # A send cut off by the kill may or may not have reached Telegram; it is not sent twice
        # on the redelivery, but comes back when the person writes, as people do when a bot
        # goes quiet.
        people = [Person(fake, fake.user(3000 + n, f"Q{n}"), nudge_after=3.0) for n in range(6)]

        async def walk_and_kill() -> list[list[Any]]:
            walking = asyncio.ensure_future(walk_all(guide, people))
            while sum(front.hits.values()) < 20:
                await asyncio.sleep(0.01)
            await asyncio.get_running_loop().run_in_executor(None, replicas[1].kill)
            return await walking

        fake.run(walk_and_kill(), timeout=120)
        footer = guide.catalog("en").text("ui.tg_result_footer")
        stored = sessions(fresh_postgres)
        for person in people:
            assert any(footer in m.text for m in person.messages)
            assert stored[person.id]["answers"] == FINAL
        assert replicas[1].process.returncode == -signal.SIGKILL
        assert fake.violations == []
    finally:
        finish(front, replicas, fake)


# ---- one process that cannot start, or must not go on --------------------------------------


def test_a_second_poller_is_one_clear_line_and_exit_2(fake_in_thread: FakeBotAPI, tmp_path: Path) -> None:
    fake = fake_in_thread
    fake.fail_with(
        "getUpdates",
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
        times=10,
    )
    env = {
        **base_env(),
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/bot.sqlite3",
    }
    done = run_bot(env, tmp_path)
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("reconsider-bot: another process is polling Telegram with this bot token")
    assert "webhook mode" in last and done.stderr.count("reconsider-bot:") == 1
    assert "Traceback" not in done.stderr and fake.token not in done.stderr


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{password}@{parts.hostname}:{parts.port}"))


@pytest.mark.parametrize("problem", ["wrong password", "unreachable", "no schema"])
def test_an_unusable_database_is_one_clear_line_and_exit_2(
    problem: str, fresh_postgres: str, tmp_path: Path
) -> None:
    env = {**base_env(), "TELEGRAM_BOT_TOKEN": "123456789:" + "B" * 35}
    if problem == "wrong password":
        env["DATABASE_URL"] = with_password(fresh_postgres, "Wrong-Pass-77")
        expected = "refused the password"
    elif problem == "unreachable":
        parts = urlsplit(fresh_postgres)
        env["DATABASE_URL"] = urlunsplit(
            parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{free_port()}")
        )
        expected = "cannot reach PostgreSQL"
    else:
        env["DATABASE_URL"] = fresh_postgres
        env["MIGRATE_ON_START"] = "false"
        expected = "has no reconsider-bot schema yet"
    done = run_bot(env, tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reconsider-bot: ") and expected in lines[0], done.stderr
    assert "Wrong-Pass-77" not in done.stderr and str(urlsplit(fresh_postgres).password) not in done.stderr


def test_migrate_before_a_deploy(fresh_postgres: str, tmp_path: Path) -> None:
    env = {**base_env(), "DATABASE_URL": fresh_postgres}
    migrate = [sys.executable, "-m", "bot", "migrate"]
    first = subprocess.run(migrate, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    latest = latest_version("postgresql")
    assert first.returncode == 0 and f"migrated from version 0 to {latest}" in first.stdout, first.stderr
    again = subprocess.run(migrate, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "up to date" in again.stdout
    assert str(urlsplit(fresh_postgres).password) not in first.stdout + again.stdout
    sqlite = subprocess.run(
        migrate,
        cwd=tmp_path,
        env={**base_env(), "DATABASE_URL": "sqlite:///b.sqlite3"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sqlite.returncode == 0
    assert f"b.sqlite3: the schema was migrated from version 0 to {latest_version('sqlite')}" in sqlite.stdout
    bad = subprocess.run(
        migrate,
        cwd=tmp_path,
        env={**base_env(), "DATABASE_URL": "mysql://x@y/z"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "is not supported" in bad.stderr and "Traceback" not in bad.stderr
