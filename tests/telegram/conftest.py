"""Fixtures for the Telegram transport: the strict fake Bot API, a real SQLite file, and a
real PTB Application running against them in polling or webhook mode, plus `Person`, a
simulated user who types, taps and waits for the bot's replies."""

from __future__ import annotations

import contextlib
import datetime as dtm
import functools
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.content.tone_lexicon import load_tone_lexicons
from bot.engine import Guide
from bot.engine.tone import ToneLexicon
from bot.settings import Settings
from bot.storage import SQLiteStore, open_store
from bot.telegram.app import Runner
from tests.fakebotapi import ChatMessage, FakeBotAPI, SimUser

WEBHOOK_PATH = "/telegram/hook"
POLL_TIMEOUT = dtm.timedelta(seconds=1)  # short long polls: stopping and some fake waits are quicker
SECRET = "test-webhook-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def settings_for(fake: FakeBotAPI, tmp_path: Path, mode: str = "polling", **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "token": fake.token,
        "api_base_url": fake.base_url,
        "database_url": f"sqlite:///{tmp_path}/bot.sqlite3",
        "log_level": "DEBUG",
    }
    if mode == "webhook":
        port = free_port()
        values.update(
            webhook_url=f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
            webhook_listen="127.0.0.1",
            webhook_port=port,
            webhook_secret=SECRET,
        )
    values.update(changes)
    return Settings(**values)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "bot.sqlite3")
    yield opened
    await opened.close()


@dataclass
class RunningBot:
    """The bot under test: a started Runner that can be restarted on the same database."""

    fake: FakeBotAPI
    guide: Guide
    store: SQLiteStore
    settings: Settings
    runner: Runner | None = None
    history: list[Runner] = field(default_factory=list)

    @property
    def tone(self) -> dict[str, ToneLexicon]:
        return tone_lexicons(self.settings.flows_dir, tuple(self.guide.flow.languages))

    @property
    def mode(self) -> str:
        return "webhook" if self.settings.webhook_mode else "polling"

    async def start(self) -> None:
        self.runner = Runner(
            self.settings,
            self.guide,
            self.store,
            self.tone,
            poll_timeout=POLL_TIMEOUT,
            network_retry_delay=0.01,
        )
        self.history.append(self.runner)
        await self.runner.start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.stop()
            self.runner = None

    async def restart(self) -> None:
        await self.fake.idle()
        await self.stop()
        await self.start()

    def person(self, user_id: int = 1001, name: str = "Ann", language_code: str | None = "en") -> Person:
        return Person(self.fake, self.fake.user(user_id, name, language_code=language_code))


@contextlib.asynccontextmanager
async def _running(
    fake: FakeBotAPI, guide: Guide, store: SQLiteStore, settings: Settings
) -> AsyncIterator[RunningBot]:
    bot = RunningBot(fake, guide, store, settings)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
async def polling_bot(
    fake: FakeBotAPI, guide: Guide, store: SQLiteStore, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    async with _running(fake, guide, store, settings_for(fake, tmp_path)) as bot:
        yield bot


@pytest.fixture
async def webhook_bot(
    fake: FakeBotAPI, guide: Guide, store: SQLiteStore, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    async with _running(fake, guide, store, settings_for(fake, tmp_path, "webhook")) as bot:
        yield bot


@pytest.fixture(params=["polling", "webhook"])
async def running_bot(
    request: pytest.FixtureRequest, fake: FakeBotAPI, guide: Guide, store: SQLiteStore, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    """The bot in each mode in turn."""
    async with _running(fake, guide, store, settings_for(fake, tmp_path, request.param)) as bot:
        yield bot


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage backend in turn: a SQLite file, then an empty PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/bot.sqlite3"
    return str(request.getfixturevalue("fresh_postgres"))


OPERATOR = 9090
"""The operator (BOT_ADMIN_IDS) of `bot_on`'s bot."""


@pytest.fixture
async def bot_on(
    fake: FakeBotAPI, guide: Guide, database_url: str, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    """A polling bot on each storage backend in turn, with OPERATOR as its operator."""
    store = open_store(database_url)
    try:
        settings = settings_for(fake, tmp_path, database_url=database_url, admin_ids=frozenset({OPERATOR}))
        async with _running(fake, guide, store, settings) as bot:
            yield bot
    finally:
        await store.close()


@dataclass
class Person:
    """A simulated person in a private chat; each action waits for what it should cause."""

    fake: FakeBotAPI
    user: SimUser
    last_update: dict[str, Any] | None = None
    nudge_after: float | None = None
    """Like a person when the bot goes quiet: after this many seconds without the next step,
    type "hello?" once (a step whose delivery is uncertain comes back on their next message)."""

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def messages(self) -> list[ChatMessage]:
        return self.fake.chat(self.id).bot_messages

    def mark(self) -> int:
        """The chat's revision now: what the bot sends or edits later is "since" it."""
        return self.fake.chat(self.id).revision

    def since(self, mark: int) -> list[ChatMessage]:
        """The bot messages sent or edited after `mark`, in chat order."""
        return self.fake.chat(self.id).changed_since(mark)

    def current(self) -> ChatMessage:
        """The newest bot message that still has buttons: the step on screen."""
        for message in reversed(self.messages):
            if message.buttons:
                return message
        raise AssertionError("no bot message with buttons in the chat")

    async def settle(self, mark: int, expect: str | None) -> list[ChatMessage]:
        """Wait for a reply containing `expect` (if given), then until the bot is quiet."""
        if expect is not None:
            await self.fake.wait_for_message(self.id, contains=expect, changed_after=mark)
        await self.fake.idle()
        return self.since(mark)

    async def next_step(self, mark: int) -> ChatMessage:
        """Wait for the next step: a bot message with buttons, new or edited since `mark`."""

        def found() -> ChatMessage | None:
            return next((m for m in self.since(mark) if m.buttons), None)

        if self.nudge_after is not None:
            with contextlib.suppress(TimeoutError):
                return await self.fake.wait_for(found, self.nudge_after, f"a new step in chat {self.id}")
            self.user.send("hello?")
        return await self.fake.wait_for(found, what=f"a new step in chat {self.id}")

    async def send(self, text: str, expect: str | None = None) -> list[ChatMessage]:
        mark = self.mark()
        self.last_update = self.user.send(text)
        return await self.settle(mark, expect)

    async def reply(self, message_id: int, text: str, expect: str | None = None) -> list[ChatMessage]:
        mark = self.mark()
        self.last_update = self.user.reply(message_id, text)
        return await self.settle(mark, expect)

    async def paste(
        self, text: str, reply_to: int | None = None, expect: str | None = None
    ) -> list[ChatMessage]:
        """A long text, in as many messages as a Telegram client would send."""
        mark = self.mark()
        self.last_update = self.user.paste(text, reply_to=reply_to)[-1]
        return await self.settle(mark, expect)

    async def tap(self, label: str, expect: str | None = None) -> list[ChatMessage]:
        mark = self.mark()
        self.last_update = self.user.press_button(label)
        return await self.settle(mark, expect)

    async def press(self, message_id: int, data: str, expect: str | None = None) -> list[ChatMessage]:
        mark = self.mark()
        self.last_update = self.user.press(message_id, data)
        return await self.settle(mark, expect)

    def callback_answer(self, update: dict[str, Any] | None = None) -> dict[str, Any]:
        """The parameters of the answerCallbackQuery for `update` (default: the last one)."""
        query_id = (update or self.last_update or {})["callback_query"]["id"]
        answers = [
            c.params
            for c in self.fake.calls_of("answerCallbackQuery")
            if c.params.get("callback_query_id") == query_id
        ]
        assert len(answers) == 1, f"query {query_id} answered {len(answers)} times"
        return answers[0]


@functools.cache
def tone_lexicons(flows_dir: Path, languages: tuple[str, ...]) -> dict[str, ToneLexicon]:
    """The tone lexicons, read once per test session (as the composition root reads them once)."""
    return load_tone_lexicons(flows_dir, languages)


@pytest.fixture(autouse=True)
def _chat_pacing_out_of_the_way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Per-chat pacing (a burst, then one message a second) is tested in test_pacing.py; elsewhere a
    story of many messages in one chat would spend its time waiting, so in-process bots get a wide
    burst. Bots in their own processes keep the real pacing."""
    if request.module.__name__.endswith("test_pacing"):
        return
    from bot.telegram import pacing

    monkeypatch.setattr(pacing, "CHAT_BURST", 1000)
