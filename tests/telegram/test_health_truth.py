"""Health that tells the truth: a deleted database file stops a running bot with one clear
line (exit 1) instead of carrying on in memory, and /readyz says 503 meanwhile."""

from __future__ import annotations

import time
from pathlib import Path

import aiohttp

from tests.fakebotapi import FakeBotAPI
from tests.telegram.conftest import Person, RunningBot
from tests.telegram.test_process import BotProcess, fake_in_thread, say  # noqa: F401 - a fixture


def delete_database(folder: Path) -> None:
    for path in folder.glob("bot.sqlite3*"):
        path.unlink()


def test_a_deleted_database_stops_the_bot_with_a_clear_error(
    fake_in_thread: FakeBotAPI,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    fake = fake_in_thread
    ann = Person(fake, fake.user(1101, "Ann"))
    bot = BotProcess(fake, tmp_path, "lost")
    fake.run(say(ann, "/start", "1/7"))
    delete_database(tmp_path)
    code = bot.process.wait(20)
    bot._log.close()
    assert code == 1
    last = bot.output.strip().splitlines()[-1]
    assert last.startswith("reconsider-bot: the database file") and "was deleted" in last, bot.output
    assert "Traceback" not in bot.output
    # Nothing taken from Telegram after the loss was confirmed as handled: a new process on
    # a new database still gets what arrives now.
    mark = ann.mark()
    ann.user.send("/start")
    time.sleep(0.2)
    second = BotProcess(fake, tmp_path, "second")
    fake.run(ann.fake.wait_for_message(ann.id, contains="1/7", changed_after=mark))
    assert second.terminate() == 0


async def test_readyz_is_503_once_the_file_is_gone(webhook_bot: RunningBot) -> None:
    assert webhook_bot.runner is not None and webhook_bot.runner.webhook is not None
    url = f"http://127.0.0.1:{webhook_bot.runner.webhook.port}/readyz"
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as response:
            assert response.status == 200
        delete_database(webhook_bot.store.path.parent)
        async with http.get(url) as response:
            assert response.status == 503 and "database" in await response.text()
    await webhook_bot.runner.gave_up.wait()  # the runner noticed by itself, too
    assert "was deleted" in (webhook_bot.runner.failure or "")
