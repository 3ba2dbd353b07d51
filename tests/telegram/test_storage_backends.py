"""The whole bot on each storage backend (SQLite and PostgreSQL): one person uses every feature,
then /forget leaves no row with their id in any table and nothing they typed in any log line;
and PostgreSQL going away mid-guide is told kindly, keeps the place and recovers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine import Guide
from bot.storage import Store, open_store
from tests.fakebotapi import FakeBotAPI
from tests.storage import pgserver
from tests.storage.raw import rows_mentioning
from tests.telegram.conftest import RunningBot, _running, settings_for
from tests.telegram.test_reminders import DETAILS, FINAL
from tests.telegram.walking import walk

TYPED = ("Zoë & Co", "Designer", "Alex", "Why did you reject me so rudely")


async def test_every_feature_then_forget_leaves_no_row_and_no_log_line(
    bot_on: RunningBot, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake, ann, bob = bot_on.fake, bot_on.person(4242, "Ann"), bot_on.person(4343, "Bob")
    await walk(bot_on.guide, bob, FINAL, DETAILS)  # someone else, who stays
    await walk(bot_on.guide, ann, FINAL, DETAILS)
    await ann.tap("⏰ Remind me in 6 business days", expect="Done. On")
    await ann.tap("Export", expect="one file that opens anywhere")
    await ann.send("/share", expect="Share your plan")
    ann.user.inline_query("")
    await fake.wait_for(lambda: fake.calls_of("answerInlineQuery"), what="the inline answer")
    await ann.send(f"/check {TYPED[3]}", expect="")
    await ann.send("/reminders", expect="Your reminders")
    await ann.send("/mydata", expect="in plain words")
    await ann.send("/help", expect="/forget")
    before = rows_mentioning(database_url, ann.id)
    assert {"chats", "results", "shares", "reminders"} <= set(before)  # the check can see them

    await ann.send("/forget", expect="Erase everything")
    await ann.tap("Yes, erase it", expect="")
    await fake.idle()
    assert rows_mentioning(database_url, ann.id) == {}
    assert {"chats", "results"} <= set(rows_mentioning(database_url, bob.id))
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for typed in TYPED:
        assert typed not in logged
    assert fake.violations == [] and fake.unanswered_callback_queries() == []


@pytest.fixture
def own_server() -> Iterator[pgserver.PostgresServer]:
    server = pgserver.start()
    yield server
    server.stop()


async def test_postgresql_going_away_is_told_kindly_and_the_place_is_kept(
    fake: FakeBotAPI, guide: Guide, tmp_path: Path, own_server: pgserver.PostgresServer
) -> None:
    url = own_server.url()
    store: Store = open_store(url)
    loop = asyncio.get_running_loop()
    try:
        async with _running(fake, guide, store, settings_for(fake, tmp_path, database_url=url)) as bot:
            ann = bot.person()
            await ann.send("/start", expect="1/7")
            await ann.tap("After the final round", expect="2/7")
            await loop.run_in_executor(None, own_server.halt)
            await ann.tap("I'm not sure", expect="something went wrong")
            await loop.run_in_executor(None, own_server.resume)
            await ann.tap("I'm not sure", expect="3/7")  # the same question, answered now
            record = await store.load_chat(ann.id)
            assert record is not None and record.session is not None
            assert record.session["answers"] == {"stage": "final", "role_status": "unknown"}
            assert fake.unanswered_callback_queries() == []
    finally:
        await store.close()


class RivalWritesFirst:
    """The real store, except that the first session write of `chat_id` is preceded by another
    replica's write of that chat (after this turn loaded it): the turn must not overwrite it."""

    def __init__(self, store: Store, rival: Store, chat_id: int) -> None:
        self._store, self._rival, self._chat_id = store, rival, chat_id
        self.armed = False
        self.rival_session: dict[str, object] | None = None

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    async def commit_turn(self, update_id: int, chat_id: int, *args: object, **kwargs: object) -> bool:
        if self.armed and chat_id == self._chat_id:
            self.armed = False
            record = await self._rival.load_chat(chat_id)
            assert record is not None and record.session is not None
            self.rival_session = {
                **record.session,
                "step": record.session["step"] + 1,
                "answers": {"stage": "screen"},
                "state": "role_status",
            }
            assert await self._rival.commit_turn(
                10**9, chat_id, chat_id, self.rival_session, expected_version=record.version
            )
        return await self._store.commit_turn(update_id, chat_id, *args, **kwargs)  # type: ignore[arg-type]


async def test_a_turn_another_replica_overtook_is_redone_on_the_fresh_session(
    fake: FakeBotAPI, guide: Guide, database_url: str, tmp_path: Path
) -> None:
    store, rival = open_store(database_url), open_store(database_url)
    racing = RivalWritesFirst(store, rival, 5151)
    try:
        settings = settings_for(fake, tmp_path, database_url=database_url)
        async with _running(fake, guide, racing, settings) as bot:  # type: ignore[arg-type]
            ann = bot.person(5151)
            await ann.send("/start", expect="1/7")
            racing.armed = True
            await ann.tap("After the final round")  # written by the rival first: redone, stale now
            assert "earlier step" in (ann.callback_answer().get("text") or "")
            record = await store.load_chat(ann.id)
            assert record is not None and record.session == racing.rival_session  # not overwritten
            assert not racing.armed and fake.violations == []
    finally:
        await store.close()
        await rival.close()
