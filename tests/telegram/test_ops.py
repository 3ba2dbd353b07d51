"""The ops paths in both modes: /healthz (alive), /readyz (database and Bot API), /metrics
with counts by update kind, Bot API method and funnel step, and no personal data in any label."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot import metrics
from bot.engine import Guide
from bot.storage import SQLiteStore
from tests.fakebotapi import FakeBotAPI
from tests.telegram.conftest import RunningBot, _running, free_port, settings_for


@pytest.fixture(params=["polling", "webhook"])
async def observed_bot(
    request: pytest.FixtureRequest, fake: FakeBotAPI, guide: Guide, store: SQLiteStore, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    """The bot in each mode, polling with its ops server on a free port."""
    settings = settings_for(
        fake, tmp_path, request.param, metrics_listen="127.0.0.1", metrics_port=free_port()
    )
    async with _running(fake, guide, store, settings) as bot:
        yield bot


def ops_url(bot: RunningBot, path: str) -> str:
    runner = bot.runner
    assert runner is not None
    if runner.webhook is not None:
        assert runner.ops is None, "webhook mode serves the ops paths on the webhook server"
        return f"http://127.0.0.1:{runner.webhook.port}{path}"
    assert runner.ops is not None
    return f"http://127.0.0.1:{runner.ops.port}{path}"


def sample(text: str, name: str, **labels: str) -> float:
    """One sample's value from a Prometheus text exposition (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        metric, _, value = line.rpartition(" ")
        found_name, _, found_labels = metric.partition("{")
        given = ",".join(sorted(filter(None, found_labels.rstrip("}").split(","))))
        if found_name == name and given == wanted:
            return float(value)
    return 0.0


async def get(path_url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(path_url) as response:
        return response.status, await response.text()


async def test_health_ready_and_metrics_in_both_modes(observed_bot: RunningBot) -> None:
    assert await get(ops_url(observed_bot, "/healthz")) == (200, "ok")
    assert await get(ops_url(observed_bot, "/readyz")) == (200, "ready")
    status, before = await get(ops_url(observed_bot, "/metrics"))
    assert status == 200 and "reconsider_updates_total" in before

    ann = observed_bot.person(4242, "Ann")
    await ann.send("/start", expect="1/7")
    await ann.tap("After the final round", expect="2/7")
    await ann.send("hello there")
    await observed_bot.fake.idle()
    _, after = await get(ops_url(observed_bot, "/metrics"))

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("reconsider_updates_total", kind="command", outcome="ok") == 1
    assert grew("reconsider_updates_total", kind="button", outcome="ok") == 1
    assert grew("reconsider_updates_total", kind="text", outcome="ok") == 1
    assert grew("reconsider_update_handling_seconds_count", kind="button") == 1
    assert grew("reconsider_bot_api_calls_total", method="sendMessage") >= 1
    assert grew("reconsider_bot_api_calls_total", method="answerCallbackQuery") == 1
    assert sample(after, "reconsider_bot_api_last_contact_timestamp_seconds") > 0
    # No personal data in any label: not the chat id, the name or what was typed.
    labels = " ".join(re.findall(r"\{[^}]*\}", after))
    for personal in ("4242", "Ann", "hello", observed_bot.fake.token.split(":")[0]):
        assert personal not in labels


async def test_readyz_says_no_without_the_database(observed_bot: RunningBot) -> None:
    await observed_bot.store.close()
    status, text = await get(ops_url(observed_bot, "/readyz"))
    assert status == 503 and "database" in text
    assert (await get(ops_url(observed_bot, "/healthz")))[0] == 200


async def test_readyz_asks_the_bot_api_when_it_was_quiet(
    webhook_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = webhook_bot.fake
    url = ops_url(webhook_bot, "/readyz")
    monkeypatch.setattr(metrics, "_last_contact", 0.0)  # nothing reached the API for a long time
    asked = fake.method_counts["getMe"]
    assert await get(url) == (200, "ready")
    assert fake.method_counts["getMe"] == asked + 1  # it asked once itself
    assert await get(url) == (200, "ready")
    assert fake.method_counts["getMe"] == asked + 1  # and not again while the answer is fresh

    monkeypatch.setattr(metrics, "_last_contact", 0.0)
    await fake.stop()  # now the API does not answer at all
    status, text = await get(url)
    assert status == 503 and "Bot API" in text


def test_api_method_never_takes_the_token() -> None:
    token_url = "https://api.telegram.org/bot123456:" + "A" * 35 + "/sendMessage"
    assert metrics.api_method(token_url) == "sendMessage"
    assert metrics.api_method("https://api.telegram.org/bot123456:" + "A" * 35) == "other"
    assert metrics.api_method("https://example.org/file/bot1/photos/file_1.jpg") == "other"


def counter(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


async def test_the_funnel_and_reminders_are_counted(polling_bot: RunningBot) -> None:
    from tests.telegram.test_reminders import FINAL, make_due, remind_from_result

    bot, ann = polling_bot, polling_bot.person(6001, "Ann")
    approach = bot.guide.plan_for(FINAL, {}, "en").primary
    first = bot.guide.flow.questions[0].id
    names = {
        "started": ("reconsider_guides_started_total", {}),
        "completed": ("reconsider_guides_completed_total", {}),
        "first": ("reconsider_questions_answered_total", {"question": first}),
        "approach": ("reconsider_approaches_recommended_total", {"approach": approach}),
        "due": ("reconsider_reminders_total", {"event": "due"}),
        "sent": ("reconsider_reminders_total", {"event": "sent"}),
        "no": ("reconsider_reply_outcomes_total", {"outcome": "no"}),
    }
    before = {key: counter(name, **labels) for key, (name, labels) in names.items()}
    await remind_from_result(bot, ann, FINAL)
    await bot.fake.idle()
    make_due(bot.store.path)
    assert bot.runner is not None
    await bot.runner.reminders.run_once()
    await bot.fake.wait_for_message(ann.id, contains="Did they reply?")
    await ann.tap("They said no", expect="Thank you for telling me")
    grew = {key: counter(name, **labels) - before[key] for key, (name, labels) in names.items()}
    assert grew == {"started": 1, "completed": 1, "first": 1, "approach": 1, "due": 1, "sent": 1, "no": 1}


async def test_database_errors_are_counted(polling_bot: RunningBot) -> None:
    ann = polling_bot.person(6002, "Bo")
    await ann.send("/start", expect="1/7")
    before = counter("reconsider_database_errors_total")
    errors = counter("reconsider_updates_total", kind="button", outcome="error")
    await polling_bot.store.close()  # the database goes away under the bot
    await ann.tap("After the final round")
    await polling_bot.fake.idle()
    assert counter("reconsider_database_errors_total") == before + 1
    assert counter("reconsider_updates_total", kind="button", outcome="error") == errors + 1
