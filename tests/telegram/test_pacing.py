"""Flood limits kept by the bot itself: each private chat paced, interactive replies before
background sends (reminders, steps shown again at start-up), the bot-wide rate a setting,
served first come first served, and tidying dropped while it is full."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import ExtBot

from bot.settings import Settings, SettingsError, load_settings
from bot.telegram.http import AiohttpRequest, OutcomeUnknown
from bot.telegram.pacing import BACKGROUND, CHAT_BURST, DROPPABLE, Dropped, FairRate, PacedRateLimiter
from tests.fakebotapi import FakeBotAPI

ANN, BO = 3001, 3002


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[ExtBot[None]]:
    fake.user(ANN, "Ann").send("hi")
    fake.user(BO, "Bo").send("hi")
    limiter = PacedRateLimiter(rate=30, delay=0.01)
    async with ExtBot(
        fake.token,
        base_url=fake.base_url,
        rate_limiter=limiter,
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(),
    ) as extbot:
        yield extbot


def test_the_bot_wide_rate_is_a_setting() -> None:
    assert Settings().bot_rate == 30.0
    assert load_settings({"BOT_RATE_LIMIT": "12.5"}, dotenv=None).bot_rate == 12.5
    for wrong in ("0", "-3", "fast", "5000"):
        with pytest.raises(SettingsError, match="BOT_RATE_LIMIT"):
            load_settings({"BOT_RATE_LIMIT": wrong}, dotenv=None)


async def test_interactive_replies_go_before_background_sends(fake: FakeBotAPI, bot: ExtBot[None]) -> None:
    fake.hang("sendMessage", chat_id=ANN)  # an interactive reply that takes its time
    interactive = asyncio.create_task(bot.send_message(ANN, "your next step", read_timeout=30))
    await fake.wait_held("sendMessage")
    background = asyncio.create_task(bot.send_message(BO, "a reminder", rate_limit_args=BACKGROUND))
    await asyncio.sleep(0.3)
    assert not background.done()
    assert [c.params.get("text") for c in fake.calls_of("sendMessage")] == []  # nothing went out
    fake.release_held()
    with pytest.raises(OutcomeUnknown):  # dropped after it went out: not repeated
        await interactive
    assert (await background).text == "a reminder"


async def test_background_sends_go_when_nothing_interactive_waits(
    fake: FakeBotAPI, bot: ExtBot[None]
) -> None:
    sent = await asyncio.gather(
        *(bot.send_message(BO, f"reminder {i}", rate_limit_args=BACKGROUND) for i in range(2))
    )
    assert [m.text for m in sent] == ["reminder 0", "reminder 1"]


async def test_each_private_chat_gets_a_burst_then_is_paced(bot: ExtBot[None]) -> None:
    limiter = bot.rate_limiter
    assert isinstance(limiter, PacedRateLimiter)
    for i in range(CHAT_BURST):
        await bot.send_message(ANN, f"part {i}")
    ann = limiter._chat_limiter(ANN)
    assert ann is not None and not ann.has_capacity()  # the next one to Ann would wait
    bo = limiter._chat_limiter(BO)
    assert bo is not None and bo.has_capacity()  # other chats are not held back
    assert limiter._chat_limiter(-100123) is None  # groups: PTB's own group limit


async def test_tidying_is_dropped_while_a_second_of_requests_waits(fake: FakeBotAPI) -> None:
    """Taking the buttons off a message left behind is not worth delaying everyone's next step:
    while the bot-wide rate is full it is not sent; once the queue drains it is."""
    fake.user(ANN, "Ann").send("hi")
    fake.user(BO, "Bo").send("hi")
    limiter = PacedRateLimiter(rate=4, delay=0.01)
    limiter.pace_chats = False
    request = AiohttpRequest()
    async with ExtBot(fake.token, base_url=fake.base_url, rate_limiter=limiter, request=request) as bot:
        buttons = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])
        first = await bot.send_message(ANN, "the step left behind", reply_markup=buttons)
        steps = [asyncio.create_task(bot.send_message(BO, f"step {i}")) for i in range(10)]
        for _ in range(100):  # 10 asked at 4 a second: soon over a second's worth waits
            if limiter.busy:
                break
            await asyncio.sleep(0.01)
        assert limiter.busy
        with pytest.raises(Dropped):
            await bot.edit_message_reply_markup(ANN, first.message_id, rate_limit_args=DROPPABLE)
        await asyncio.gather(*steps)  # every step still goes
        assert not limiter.busy
        assert await bot.edit_message_reply_markup(ANN, first.message_id, rate_limit_args=DROPPABLE)
    assert len(fake.calls_of("editMessageReplyMarkup")) == 1


async def test_the_bot_wide_rate_serves_requests_in_the_order_they_asked() -> None:
    """30 people asking again and again, faster than the rate allows: no request leaves before
    one that asked earlier (PTB's own limiter let 75 of 177 be overtaken here), and each keeps
    the rate: a burst of `rate`, then one every 1/rate s."""
    rate = FairRate(50)
    rng = random.Random(1)
    asked = itertools.count()
    left: list[tuple[int, float]] = []
    began = time.monotonic()
    stop = began + 2.0

    async def person() -> None:
        while time.monotonic() < stop:
            await asyncio.sleep(rng.uniform(0.05, 0.3))
            number = next(asked)
            async with rate:
                left.append((number, time.monotonic()))

    await asyncio.gather(*(person() for _ in range(30)))
    numbers = [number for number, _ in left]
    assert len(numbers) > 100 and numbers == sorted(numbers)
    for index, (_, at) in enumerate(left):
        assert at - began >= (index - 49) / 50 - 0.01
