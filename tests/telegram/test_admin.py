"""Operator commands: /stats answers only the ids in BOT_ADMIN_IDS, with counts and nothing personal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine import Guide
from bot.storage import SQLiteStore
from tests.fakebotapi import FakeBotAPI
from tests.telegram.conftest import RunningBot, _running, settings_for
from tests.telegram.walking import walk

ADMIN = 4242
FINAL = {
    "stage": "final",
    "role_status": "unknown",
    "time_since": "recent",
    "feedback": "vague",
    "new_material": "none",
    "contact": "none",
    "goal": "this_role",
}


@pytest.fixture
async def bot_with_admin(
    fake: FakeBotAPI, guide: Guide, store: SQLiteStore, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    settings = settings_for(fake, tmp_path, admin_ids=frozenset({ADMIN}))
    async with _running(fake, guide, store, settings) as bot:
        yield bot


async def test_stats_for_an_admin_counts_without_personal_details(
    bot_with_admin: RunningBot, guide: Guide
) -> None:
    ann = bot_with_admin.person(1001, "Ann")
    await walk(guide, ann, FINAL, details={"company": "Zyxcorp <b>", "your_name": "Ann Example"})
    await bot_with_admin.person(1002, "Bo").send("/start", expect="1/7")
    admin = bot_with_admin.person(ADMIN, "Operator")
    replies = await admin.send("/stats", expect="Bot statistics")
    text = replies[-1].text
    assert "Chats: 2 (1 with a guide in progress, 0 blocked the bot)" in text
    assert "Finished plans kept: 1" in text
    # The funnel: where the unfinished guide stands, and the approach recommended.
    first = guide.flow.questions[0].id
    assert f"Unfinished guides by the step they are on (stalled over a day):\n  {first}: 1 (0)" in text
    assert f"Approaches recommended: {guide.plan_for(FINAL, {}, 'en').primary} 1" in text
    assert "Zyxcorp" not in text and "Ann" not in text and "1001" not in text
    assert bot_with_admin.fake.violations == []


async def test_stats_is_an_unknown_command_for_everyone_else(
    bot_with_admin: RunningBot, guide: Guide
) -> None:
    ann = bot_with_admin.person(1001, "Ann")
    replies = await ann.send("/stats", expect="/help")
    text = replies[-1].text
    assert guide.catalog("en").text("ui.tg_unknown_command") in text
    assert "Bot statistics" not in text and "Chats:" not in text
