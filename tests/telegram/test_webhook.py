"""Webhook mode: the bot's own server checks the secret, serves /healthz and /readyz, and Telegram (the
fake) delivers every update to it; going back to polling removes the webhook."""

from __future__ import annotations

import aiohttp

from bot.telegram.app import Runner
from tests.telegram.conftest import POLL_TIMEOUT, SECRET, WEBHOOK_PATH, RunningBot, settings_for

HEADER = "X-Telegram-Bot-Api-Secret-Token"


def server_url(bot: RunningBot, path: str) -> str:
    assert bot.runner is not None and bot.runner.webhook is not None
    return f"http://127.0.0.1:{bot.runner.webhook.port}{path}"


async def test_updates_arrive_by_webhook_with_the_secret(webhook_bot: RunningBot) -> None:
    fake = webhook_bot.fake
    registered = fake.calls_of("setWebhook")[-1].params
    assert registered["url"].endswith(WEBHOOK_PATH) and registered["secret_token"] == SECRET
    assert registered["allowed_updates"] == ["message", "callback_query", "inline_query"]
    assert not registered.get("drop_pending_updates")
    ann = webhook_bot.person()
    await ann.send("/start", expect="1/7")
    await ann.tap("After the final round", expect="2/7")
    assert fake.method_counts["getUpdates"] == 0
    assert {d.status for d in fake.webhook_deliveries} == {200}
    assert fake.violations == [] and fake.unanswered_callback_queries() == []


async def test_requests_without_the_right_secret_are_refused(webhook_bot: RunningBot) -> None:
    url = server_url(webhook_bot, WEBHOOK_PATH)
    update = {
        "update_id": 999,
        "message": {"message_id": 1, "date": 0, "text": "/start", "chat": {"id": 5, "type": "private"}},
    }
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=update) as response:
            assert response.status == 403
        async with http.post(url, json=update, headers={HEADER: "wrong"}) as response:
            assert response.status == 403
        json_headers = {HEADER: SECRET, "Content-Type": "application/json"}
        async with http.post(url, data=b"{not json", headers=json_headers) as response:
            assert response.status == 400
        async with http.get(url) as response:
            assert response.status == 405
    await webhook_bot.fake.idle()
    assert await webhook_bot.store.load_chat(5) is None  # nothing reached the bot


async def test_readyz_reports_the_database_and_healthz_only_that_the_bot_is_alive(
    webhook_bot: RunningBot,
) -> None:
    async with aiohttp.ClientSession() as http:
        for path in ("/healthz", "/readyz"):
            async with http.get(server_url(webhook_bot, path)) as response:
                assert response.status == 200, path
        await webhook_bot.store.close()
        async with http.get(server_url(webhook_bot, "/readyz")) as response:
            assert response.status == 503 and "database" in await response.text()
        async with http.get(server_url(webhook_bot, "/healthz")) as response:
            assert response.status == 200  # a restart would not bring the database back


async def test_polling_after_webhook_removes_the_webhook(webhook_bot: RunningBot) -> None:
    fake = webhook_bot.fake
    await webhook_bot.stop()
    settings = settings_for(fake, webhook_bot.store.path.parent)
    polling = Runner(
        settings, webhook_bot.guide, webhook_bot.store, webhook_bot.tone, poll_timeout=POLL_TIMEOUT
    )
    await polling.start()
    try:
        assert fake.calls_of("deleteWebhook")
        ann = webhook_bot.person()
        await ann.send("/start", expect="1/7")
    finally:
        await polling.stop()
    assert fake.violations == []
