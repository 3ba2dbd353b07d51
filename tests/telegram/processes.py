"""Real bot processes against the fake Bot API, killed with SIGKILL at chosen points.

The kill points come from the fake holding a request open, so no hook lives in the bot:
- before the commit: the test holds SQLite's write lock, so the turn waits inside its commit;
- after the commit, before the send: the fake hangs the send (it is never performed);
- after the send, before recording it: the fake performs the send and holds the answer.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from tests.conftest import REPO
from tests.fakebotapi import FakeBotAPI
from tests.telegram.conftest import free_port

SECRET = "kill-test-secret"
STARTED: list[Bot] = []
"""Every process started, so a failing test leaves none behind (see `kill_leftovers`)."""


def kill_leftovers() -> None:
    while STARTED:
        bot = STARTED.pop()
        if bot.process.poll() is None:
            bot.kill()


def base_env() -> dict[str, str]:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env["PYTHONPATH"] = str(REPO)
    # Not the default 9090: another bot (another test run, the bench) may hold it.
    env["METRICS_PORT"] = str(free_port())
    return env


class Bot:
    """`python -m bot run` (polling, or webhook with `webhook=True`) on `workdir/bot.sqlite3`."""

    def __init__(
        self,
        fake: FakeBotAPI,
        workdir: Path,
        name: str,
        *,
        webhook: bool = False,
        port: int | None = None,
        **extra_env: str,
    ) -> None:
        self.fake = fake
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        env = {
            **base_env(),
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "DATABASE_URL": f"sqlite:///{workdir}/bot.sqlite3",
            "LOG_LEVEL": "DEBUG",
            **extra_env,
        }
        if webhook:
            self.port = port or free_port()
            env.update(
                WEBHOOK_URL=f"http://127.0.0.1:{self.port}/hook",
                WEBHOOK_LISTEN="127.0.0.1",
                WEBHOOK_PORT=str(self.port),
                WEBHOOK_SECRET=SECRET,
            )
        ready_method = "setWebhook" if webhook else "deleteWebhook"
        ready_before = fake.method_counts[ready_method]
        self._log: IO[Any] = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=workdir,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        STARTED.append(self)
        deadline = time.monotonic() + 30
        while fake.method_counts[ready_method] <= ready_before:
            assert self.process.poll() is None, self.output
            assert time.monotonic() < deadline, "the bot did not start"
            time.sleep(0.02)

    @property
    def output(self) -> str:
        return self.log_path.read_text()

    def kill(self) -> None:
        """SIGKILL: no goodbye, nothing flushed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        if not self._log.closed:
            self._log.close()

    def terminate(self, timeout: float = 30) -> tuple[int, float]:
        """SIGTERM; the exit code and the seconds it took."""
        began = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        self._log.close()
        return code, time.monotonic() - began


@contextmanager
def database_locked(workdir: Path) -> Iterator[None]:
    """Hold SQLite's write lock: a turn of the bot waits inside its commit meanwhile."""
    holder = sqlite3.connect(workdir / "bot.sqlite3", isolation_level=None, timeout=30)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def wait_until(predicate: Any, timeout: float = 10, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def taken(fake: FakeBotAPI, update_id: int) -> bool:
    """The bot has received the update (getUpdates answered it, or a webhook POST began)."""
    for call in list(fake.calls):
        if call.method == "getUpdates" and any(
            u.get("update_id") == update_id for u in (call.response.get("result") or [])
        ):
            return True
    delivered = any(d.update_id == update_id for d in list(fake.webhook_deliveries))
    return delivered or update_id in fake.delivering
