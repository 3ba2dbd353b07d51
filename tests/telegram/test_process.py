"""`reconsider-bot run` as a real process: settings errors, content errors, a rejected token,
the token kept out of every log line, and a SIGKILL mid-guide that loses nothing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from bot.cli import run_bot as main
from bot.engine import Guide
from bot.settings import Settings
from tests.conftest import FLOWS, REPO
from tests.fakebotapi import FakeBotAPI
from tests.telegram.conftest import Person, free_port
from tests.telegram.walking import walk

FINAL = {
    "stage": "final",
    "role_status": "unknown",
    "time_since": "recent",
    "feedback": "vague",
    "new_material": "none",
    "contact": "strong",
    "goal": "this_role",
}
VALID_LOOKING_TOKEN = "123456789:" + "A" * 35  # split: no token-shaped literal


def base_env() -> dict[str, str]:
    """A clean environment: only what Python needs, none of the developer's bot settings."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "SYSTEMROOT") if key in os.environ}
    env["PYTHONPATH"] = str(REPO)
    return env


def run_bot(env: dict[str, str], cwd: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("token", ["", "not-a-token", "12345:short"])
def test_missing_or_malformed_token_is_one_line_and_exit_2(tmp_path: Path, token: str) -> None:
    env = base_env()
    if token:
        env["TELEGRAM_BOT_TOKEN"] = token
    done = run_bot(env, tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "@BotFather" in lines[0] and "reconsider-bot chat" in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""
    if token:
        assert token not in done.stderr


def test_main_refuses_a_missing_token_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(Settings(token="")) == 2
    assert "@BotFather" in capsys.readouterr().err


def test_content_errors_name_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS, flows)
    telegram_texts = flows / "texts" / "en" / "telegram.yaml"
    telegram_texts.write_text(telegram_texts.read_text().replace("  tg_help:", "  tg_hepl:"))
    code = main(
        Settings(token=VALID_LOOKING_TOKEN, flows_dir=flows, database_url=f"sqlite:///{tmp_path}/bot.sqlite3")
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "texts/en/telegram.yaml:" in err and "tg_hepl" in err and "Traceback" not in err


@pytest.fixture
def fake_in_thread() -> Iterator[FakeBotAPI]:
    fake = FakeBotAPI().start_in_thread()
    yield fake
    fake.stop_thread()


def test_a_token_telegram_rejects_exits_2_without_showing_it(
    fake_in_thread: FakeBotAPI, tmp_path: Path
) -> None:
    env = {
        **base_env(),
        "TELEGRAM_BOT_TOKEN": VALID_LOOKING_TOKEN,
        "TELEGRAM_API_BASE_URL": fake_in_thread.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/b.sqlite3",
    }
    done = run_bot(env, tmp_path)
    assert done.returncode == 2
    assert "rejected TELEGRAM_BOT_TOKEN" in done.stderr and "@BotFather" in done.stderr
    assert VALID_LOOKING_TOKEN not in done.stderr and "AAAAAAAAAAAAAAAAAAAA" not in done.stderr
    assert "Traceback" not in done.stderr


class BotProcess:
    """`python -m bot run` against the fake, stderr kept in a file."""

    def __init__(self, fake: FakeBotAPI, workdir: Path, name: str, **extra_env: str) -> None:
        self.fake = fake
        self.log_path = workdir / f"{name}.log"
        env = {
            **base_env(),
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "DATABASE_URL": f"sqlite:///{workdir}/bot.sqlite3",
            "LOG_LEVEL": "DEBUG",
            **extra_env,
        }
        self._log: IO[Any] = self.log_path.open("w")
        # Ready when polling (start_polling deletes any webhook just before its first
        # getUpdates, whose count only moves when that long poll ends) or the webhook is set.
        ready_method = "setWebhook" if "WEBHOOK_URL" in extra_env else "deleteWebhook"
        ready_before = fake.method_counts[ready_method]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=workdir,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while fake.method_counts[ready_method] <= ready_before:
            assert self.process.poll() is None, self.log_path.read_text()
            assert time.monotonic() < deadline, "the bot did not start polling"
            time.sleep(0.02)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._log.close()

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(20)
        self._log.close()
        return code

    @property
    def output(self) -> str:
        return self.log_path.read_text()


def test_sigkill_mid_guide_then_finish_from_the_same_question(
    fake_in_thread: FakeBotAPI, guide: Guide, tmp_path: Path
) -> None:
    fake = fake_in_thread
    ann = Person(fake, fake.user(1001, "Ann"))
    first = BotProcess(fake, tmp_path, "first")
    fake.run(say(ann, "/start", "1/7"))
    fake.run(tap(ann, "After the final round", "2/7"))
    fake.run(tap(ann, "I'm not sure", "3/7"))
    on_screen = ann.current()
    first.kill()  # no goodbye: the process is gone at once

    second = BotProcess(fake, tmp_path, "second")
    fake.run(tap(ann, "In the last 2 days", "4/7"))
    assert ann.current().message_id == on_screen.message_id  # the question became the next one
    messages = fake.run(walk(guide, ann, FINAL, {"company": "Acme"}, start=False), timeout=60)
    assert "Acme" in "\n".join(m.text for m in messages)
    assert second.terminate() == 0

    assert fake.violations == [] and fake.unanswered_callback_queries() == []
    for process in (first, second):
        assert fake.token not in process.output
        assert fake.token.split(":")[1] not in process.output
    assert "DEBUG" in second.output
    # Our code logged no error. (PTB may log a getUpdates Conflict with a traceback while the
    # killed process's long poll is still open on the server; it retries by itself.)
    assert " ERROR bot." not in second.output


def test_sigkill_right_after_a_tap_loses_no_acknowledged_answer(
    fake_in_thread: FakeBotAPI, guide: Guide, tmp_path: Path
) -> None:
    fake = fake_in_thread
    ann = Person(fake, fake.user(1002, "Bo"))
    first = BotProcess(fake, tmp_path, "first")
    fake.run(say(ann, "/start", "1/7"))
    fake.run(tap(ann, "After the final round", "2/7"))
    ann.user.press_button("I'm not sure")  # and kill while the bot may be mid-turn
    time.sleep(0.005)
    first.kill()

    second = BotProcess(fake, tmp_path, "second")
    mark = ann.mark()
    ann.user.send("where was I?")
    step = fake.run(ann.next_step(mark))
    # Either the tap was taken (and the next question shows) or it was not (the same one shows).
    assert "3/7" in step.text or "2/7" in step.text
    messages = fake.run(walk(guide, ann, FINAL, start=False), timeout=60)
    assert guide.catalog("en").text("ui.tg_result_footer") in messages[-1].text
    assert second.terminate() == 0
    assert fake.violations == []


def test_webhook_mode_from_the_environment(fake_in_thread: FakeBotAPI, guide: Guide, tmp_path: Path) -> None:
    fake = fake_in_thread
    port = free_port()
    bot = BotProcess(
        fake,
        tmp_path,
        "webhook",
        WEBHOOK_URL=f"http://127.0.0.1:{port}/tg/hook",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_SECRET="s3cret-value",
    )
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
        request = urllib.request.Request(f"http://127.0.0.1:{port}/tg/hook", data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 403
        refused.value.close()  # an HTTPError holds the response's socket open until collected
        ann = Person(fake, fake.user(1003, "Cy"))
        messages = fake.run(walk(guide, ann, FINAL), timeout=60)
        assert guide.catalog("en").text("ui.tg_result_footer") in messages[-1].text
        assert fake.method_counts["getUpdates"] == 0 and {d.status for d in fake.webhook_deliveries} == {200}
    finally:
        assert bot.terminate() == 0
    assert fake.violations == [] and fake.unanswered_callback_queries() == []
    assert "s3cret-value" not in bot.output and fake.token.split(":")[1] not in bot.output


async def say(person: Person, text: str, expect: str) -> None:
    await person.send(text, expect=expect)


async def tap(person: Person, label: str, expect: str) -> None:
    await person.tap(label, expect=expect)
