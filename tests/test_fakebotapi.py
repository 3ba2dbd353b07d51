"""The fake Bot API enforces Telegram's rules against a real PTB client over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    ReplyParameters,
    SwitchInlineQueryChosenChat,
    Update,
)
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler
from telegram.warnings import PTBUserWarning

from tests.fakebotapi import EntityParseError, FakeBotAPI, default_spec_path, parse_html

HAVE_SPEC = default_spec_path().is_file()
ANN = 1001


@pytest.fixture(params=["api.json", "ptb"])
async def fake(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[FakeBotAPI]:
    """The fake in both modes: with the official spec, and from PTB signatures only."""
    if request.param == "api.json" and not HAVE_SPEC:
        pytest.skip("api.json not available")
    spec_path = None if request.param == "api.json" else tmp_path / "missing.json"
    async with FakeBotAPI(spec_path=spec_path) as server:
        server.user(ANN, "Ann").send("hi")  # the bot may only write to users it has met
        yield server


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


# spec modes ---------------------------------------------------------------------------------------


@pytest.mark.skipif(not HAVE_SPEC, reason="api.json not available")
async def test_spec_present_mode_checks_types(tmp_path: Path) -> None:
    async with FakeBotAPI(spec_path=default_spec_path()) as fake:
        assert fake.spec.source == "api.json"
        fake.user(ANN, "Ann").send("hi")
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            with pytest.raises(BadRequest, match="(?i)wrong parameter type"):
                await bot.send_message(ANN, "x", api_kwargs={"disable_notification": "maybe"})
    assert fake.violations == [
        "sendMessage: Bad Request: wrong parameter type: disable_notification must be Boolean"
    ]


async def test_spec_absent_mode_falls_back_to_ptb(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BOTAPI_SPEC", str(tmp_path / "missing.json"))
    async with FakeBotAPI() as fake:
        assert fake.spec.source == "ptb"
        assert "sendMessage" in fake.spec.methods and "logOut" in fake.spec.methods
        assert "read_timeout" not in fake.spec.methods["sendMessage"].params
        fake.user(ANN, "Ann").send("hi")
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            await bot.send_message(ANN, "x", api_kwargs={"disable_notification": "maybe"})
            with pytest.raises(BadRequest, match="(?i)unknown parameter"):
                await bot.send_message(ANN, "x", api_kwargs={"colour": "red"})


# requests and parameters --------------------------------------------------------------------------


async def test_unknown_parameter_method_and_missing_parameter(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match='(?i)unknown parameter "colour"'):
        await bot.send_message(ANN, "x", api_kwargs={"colour": "red"})
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": ANN})
    with pytest.raises(BadRequest, match="(?i)text is empty"), pytest.warns(PTBUserWarning):
        await bot.do_api_request("sendMessage", api_kwargs={"chat_id": ANN})
    assert len(fake.violations) == 3


async def test_wrong_token_is_unauthorized(fake: FakeBotAPI) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("42:wrong", base_url=fake.base_url):
            pass


async def test_unknown_chat_is_a_violation(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(999, "hello")
    assert fake.violations == ["sendMessage: Bad Request: chat not found"]


# text and HTML -------------------------------------------------------------------------------------


async def test_valid_html_message_passes(fake: FakeBotAPI, bot: Bot) -> None:
    source = '<b>Bold</b> &lt;3 <a href="https://example.org">link</a> 😀 <i>end</i>'
    message = await bot.send_message(ANN, source, parse_mode="HTML")
    assert message.text == "Bold <3 link 😀 end"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 4),
        ("text_link", 8, 4),
        ("italic", 16, 3),
    ]  # 😀 is 2 UTF-16 units
    logged = fake.chat(ANN).latest()
    assert logged is not None and logged.html == source and logged.text == message.text
    assert fake.violations == []


@pytest.mark.parametrize(
    "source",
    ["<b>unclosed", "<b><i>crossed</b></i>", "1 < 2", "Tom & Jerry", "<div>x</div>", "&nbsp;"],
)
async def test_malformed_html_is_rejected(fake: FakeBotAPI, bot: Bot, source: str) -> None:
    with pytest.raises(BadRequest, match="(?i)parse entities"):
        await bot.send_message(ANN, source, parse_mode="HTML")
    assert len(fake.violations) == 1


async def test_text_length_limit_after_entity_parsing(fake: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(ANN, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)too long"):
        await bot.send_message(ANN, "a" * 4097)
    with pytest.raises(BadRequest, match="(?i)empty"):
        await bot.send_message(ANN, "<b> </b>", parse_mode="HTML")
    assert len(fake.violations) == 2


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        (
            '<pre><code class="language-py">x = 1</code></pre>',
            "x = 1",
            [{"type": "pre", "language": "py", "offset": 0, "length": 5}],
        ),
        (
            '<tg-spoiler>s</tg-spoiler><span class="tg-spoiler">t</span>',
            "st",
            [{"type": "spoiler", "offset": 0, "length": 1}, {"type": "spoiler", "offset": 1, "length": 1}],
        ),
        (
            "<blockquote expandable>q</blockquote>&#65;&#x42; > c",
            "qAB > c",
            [{"type": "expandable_blockquote", "offset": 0, "length": 1}],
        ),
    ],
)
def test_html_parser_accepts_telegram_html(source: str, text: str, entities: list) -> None:
    assert parse_html(source) == (text, entities)


@pytest.mark.parametrize("source", ["<code><b>x</b></code>", "<span>x</span>", "<a>x</a>", "x</b>"])
def test_html_parser_rejects_what_telegram_rejects(source: str) -> None:
    with pytest.raises(EntityParseError, match="(?i)can't parse entities"):
        parse_html(source)


# keyboards, callback and inline queries ----------------------------------------------------------------


async def test_callback_data_is_1_to_64_bytes(fake: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(ANN, "ok", reply_markup=keyboard("a" * 64))
    url_button = InlineKeyboardButton("site", url="https://example.org")
    await bot.send_message(ANN, "ok", reply_markup=InlineKeyboardMarkup([[url_button]]))
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(ANN, "too long", reply_markup=keyboard("é" * 33))
    assert len(fake.violations) == 1
    buttons = fake.chat(ANN).latest().buttons  # type: ignore[union-attr]
    assert buttons == [[("site", "https://example.org", "url")]]


async def test_callback_query_must_be_answered_exactly_once(fake: FakeBotAPI, bot: Bot) -> None:
    ann = fake.user(ANN, "Ann")
    sent = await bot.send_message(ANN, "Choose", reply_markup=keyboard("v1:yes", "v1:no"))
    update = ann.press_button("v1:no")
    query = update["callback_query"]
    assert query["data"] == "v1:no" and query["message"]["message_id"] == sent.message_id
    assert fake.unanswered_callback_queries() == [query["id"]]
    assert await bot.answer_callback_query(query["id"], text="Noted")
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query["id"])
    assert fake.unanswered_callback_queries() == []
    assert fake.violations == [
        "answerCallbackQuery: Bad Request: query is too old and response "
        "timeout expired or query ID is invalid"
    ]


async def test_answer_inline_query_limits(fake: FakeBotAPI, bot: Bot) -> None:
    ann = fake.user(ANN, "Ann")

    def article(i: int) -> InlineQueryResultArticle:
        return InlineQueryResultArticle(str(i), f"t{i}", InputTextMessageContent(f"m{i}"))

    ok = ann.inline_query("draft")["inline_query"]["id"]
    assert await bot.answer_inline_query(ok, [article(1), article(2)])
    assert [r["id"] for r in fake.inline_answers[ok]] == ["1", "2"]
    too_many = ann.inline_query("draft")["inline_query"]["id"]
    with pytest.raises(BadRequest, match="(?i)RESULTS_TOO_MUCH"):
        await bot.answer_inline_query(too_many, [article(i) for i in range(51)])
    duplicate = ann.inline_query("draft")["inline_query"]["id"]
    with pytest.raises(BadRequest, match="(?i)RESULT_ID_DUPLICATE"):
        await bot.answer_inline_query(duplicate, [article(1), article(1)])
    assert len(fake.violations) == 2


async def test_inline_answers_are_checked_like_messages(fake: FakeBotAPI, bot: Bot) -> None:
    ann = fake.user(ANN, "Ann")
    start = InlineQueryResultsButton(text="Open the bot", start_parameter="from_inline-1")
    ok = ann.inline_query("")["inline_query"]["id"]
    html = InlineQueryResultArticle("a", "t", InputTextMessageContent("<b>plan</b>", parse_mode="HTML"))
    assert await bot.answer_inline_query(ok, [html], is_personal=True, cache_time=5, button=start)
    content = fake.inline_answers[ok][0]["input_message_content"]
    assert content == {"message_text": "<b>plan</b>", "parse_mode": "HTML"}
    broken = InlineQueryResultArticle("a", "t", InputTextMessageContent("<b>plan", parse_mode="HTML"))
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.answer_inline_query(ann.inline_query("")["inline_query"]["id"], [broken])
    too_long = InlineQueryResultArticle("a", "t", InputTextMessageContent("x" * 4097))
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.answer_inline_query(ann.inline_query("")["inline_query"]["id"], [too_long])
    bad_start = InlineQueryResultsButton(text="Open", start_parameter="not allowed!")
    with pytest.raises(BadRequest, match="(?i)START_PARAM_INVALID"):
        await bot.answer_inline_query(ann.inline_query("")["inline_query"]["id"], [html], button=bad_start)
    assert len(fake.violations) == 3


async def test_a_chosen_chat_button_must_allow_some_chats(fake: FakeBotAPI, bot: Bot) -> None:
    some = SwitchInlineQueryChosenChat(allow_user_chats=True, allow_group_chats=True)
    button = InlineKeyboardButton("Share", switch_inline_query_chosen_chat=some)
    await bot.send_message(ANN, "ok", reply_markup=InlineKeyboardMarkup([[button]]))
    kind = fake.chat(ANN).latest().buttons[0][0].kind  # type: ignore[union-attr]
    assert kind == "switch_inline_query_chosen_chat"
    none = InlineKeyboardButton("Share", switch_inline_query_chosen_chat=SwitchInlineQueryChosenChat())
    with pytest.raises(BadRequest, match="at least one chat type"):
        await bot.send_message(ANN, "no", reply_markup=InlineKeyboardMarkup([[none]]))
    assert len(fake.violations) == 1


async def test_edits(fake: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(ANN, "<b>v1</b>", parse_mode="HTML", reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match="(?i)not modified"):
        await bot.edit_message_text(
            "<b>v1</b>", ANN, sent.message_id, parse_mode="HTML", reply_markup=keyboard("a")
        )
    assert fake.violations == []  # realistic, not the bot's fault
    edited = await bot.edit_message_text("v2", ANN, sent.message_id)
    assert isinstance(edited, Message) and edited.text == "v2" and not edited.entities
    logged = fake.chat(ANN).get(sent.message_id)
    assert logged is not None and logged.edits == 1
    assert (logged.text, logged.entities, logged.buttons) == ("v2", [], [])  # keyboard dropped
    await bot.edit_message_reply_markup(ANN, sent.message_id, reply_markup=keyboard("b"))
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("v3", ANN, 12345)
    assert len(fake.violations) == 1


async def test_force_reply_and_replies(fake: FakeBotAPI, bot: Bot) -> None:
    ann = fake.user(ANN, "Ann")
    prompt = await bot.send_message(
        ANN, "Paste it here", reply_markup=ForceReply(input_field_placeholder="Draft")
    )
    logged = fake.chat(ANN).get(prompt.message_id)
    assert logged is not None
    assert logged.force_reply == {"force_reply": True, "input_field_placeholder": "Draft"}
    assert logged.reply_markup is None and logged.buttons == []  # Telegram does not echo it
    with pytest.raises(BadRequest, match="(?i)placeholder"):
        await bot.send_message(ANN, "x", reply_markup=ForceReply(input_field_placeholder="p" * 65))
    reply = ann.reply(prompt.message_id, "my draft")["message"]
    assert reply["reply_to_message"]["message_id"] == prompt.message_id
    answer = await bot.send_message(
        ANN, "checked", reply_markup=keyboard("again"), reply_parameters=ReplyParameters(reply["message_id"])
    )
    assert answer.reply_to_message is not None and answer.reply_to_message.text == "my draft"
    assert answer.reply_to_message.reply_to_message is None  # never nested
    query = ann.press_button("again")["callback_query"]
    assert query["message"]["reply_to_message"]["text"] == "my draft"
    assert fake.chat(ANN).get(answer.message_id).reply_to == reply["message_id"]  # type: ignore[union-attr]
    with pytest.raises(LookupError):
        ann.reply(9999, "to nothing")
    await bot.delete_message(ANN, reply["message_id"])
    with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
        await bot.send_message(ANN, "x", reply_parameters=ReplyParameters(reply["message_id"]))
    assert len(fake.violations) == 2


def test_long_texts_are_pasted_in_pieces_as_clients_do(fake: FakeBotAPI) -> None:
    ann = fake.user(ANN, "Ann")
    words = " ".join(f"word{i}" for i in range(2000))  # 17,889 characters
    updates = ann.paste(words, reply_to=1)
    texts = [u["message"]["text"] for u in updates]
    assert len(texts) == 5 and all(len(t) <= 4096 for t in texts)
    assert " ".join(texts) == words  # cut at spaces, nothing lost
    assert [("reply_to_message" in u["message"]) for u in updates] == [True] + [False] * 4
    assert ann.paste("é" * 5000)[0]["message"]["text"] == "é" * 4096  # no space: a hard cut


# files -------------------------------------------------------------------------------------------------


async def test_send_document_records_the_upload(fake: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_document(
        ANN, b"Dear team,", filename="draft.txt", caption="<i>Your draft</i>", parse_mode="HTML"
    )
    assert message.document is not None and message.document.file_name == "draft.txt"
    assert message.caption == "Your draft"
    upload = fake.uploads[-1]
    assert (upload.filename, upload.content, upload.mime_type) == ("draft.txt", b"Dear team,", "text/plain")
    assert fake.chat(ANN).latest().upload is upload  # type: ignore[union-attr]
    with pytest.raises(BadRequest, match="(?i)caption is too long"):
        await bot.send_document(ANN, b"x", filename="x.txt", caption="c" * 1025)


# updates -------------------------------------------------------------------------------------------------


async def test_long_poll_returns_an_update_pushed_later(fake: FakeBotAPI, bot: Bot) -> None:
    first = await bot.get_updates(timeout=0)
    assert [u.message.text for u in first] == ["hi"]  # type: ignore[union-attr]
    poll = asyncio.create_task(bot.get_updates(offset=first[-1].update_id + 1, timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    started = time.monotonic()
    fake.user(ANN, "Ann").send("/start ref42")
    updates = await poll
    assert time.monotonic() - started < 1
    message = updates[0].message
    assert message is not None and message.text == "/start ref42"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()


async def test_duplicate_update_and_group_chat(fake: FakeBotAPI, bot: Bot) -> None:
    update = fake.user(ANN, "Ann").send_in_group("hello all")
    fake.push_update(update)  # same update_id again, as after a redelivery
    assert len(await bot.get_updates(timeout=0, limit=1)) == 1
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates][-2:] == [update["update_id"]] * 2
    chat = updates[-1].effective_chat
    assert chat is not None and chat.type == "group" and chat.id < 0


async def test_full_application_round_trip_with_polling(fake: FakeBotAPI) -> None:
    async def start(update: Update, context: object) -> None:
        assert update.message is not None
        await update.message.reply_html("<b>Hello</b>", reply_markup=keyboard("v1:go"))

    async def pressed(update: Update, context: object) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"You chose {query.data}")

    app: Application = (  # type: ignore[type-arg]
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    ann = fake.user(ANN, "Ann")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=2, drop_pending_updates=True)
        ann.send("/start")
        hello = await fake.wait_for_message(ANN, contains="Hello")
        ann.press_button("v1:go")
        await fake.wait_for(lambda: "chose" in fake.chat(ANN).get(hello.message_id).text)  # type: ignore[union-attr]
        await fake.idle()
        await app.updater.stop()
        await app.stop()
    assert fake.violations == [] and fake.unanswered_callback_queries() == []
    assert fake.method_counts["sendMessage"] == 1 and fake.method_counts["editMessageText"] == 1
    assert len(fake.latencies()) == 2 and all(t < 1 for t in fake.latencies())


async def test_webhook_delivery_with_secret_and_redelivery(fake: FakeBotAPI, bot: Bot) -> None:
    received: list[tuple[str | None, dict]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(status=500 if len(received) == 1 else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await bot.set_webhook(
            f"http://127.0.0.1:{port}/hook", secret_token="s3cret", drop_pending_updates=True
        )
        assert (await bot.get_webhook_info()).url.endswith("/hook")
        with pytest.raises(Exception, match="(?i)Conflict"):
            await bot.get_updates(timeout=0)
        update = fake.user(ANN, "Ann").send("via webhook")
        await fake.wait_for(lambda: len(fake.webhook_deliveries) == 2)
        await fake.idle()
        assert [(d.update_id, d.status) for d in fake.webhook_deliveries] == [
            (update["update_id"], 500),
            (update["update_id"], 200),
        ]
        assert received[-1] == ("s3cret", update)
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
    finally:
        await runner.cleanup()


# fault injection ----------------------------------------------------------------------------------------


async def test_rate_limit_and_blocked_user(
    fake: FakeBotAPI, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # else RetryAfter warns, an error under -W error
    fake.rate_limit("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ANN, "x")
    assert caught.value.retry_after == dtm.timedelta(seconds=3)
    assert fake.calls[-1].response["parameters"] == {"retry_after": 3}
    await bot.send_message(ANN, "fine again")
    fake.block_user(ANN)
    with pytest.raises(Forbidden, match="(?i)blocked by the user"):
        await bot.send_message(ANN, "x")
    assert fake.violations == []


async def test_network_failures_and_server_errors(fake: FakeBotAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage")
    with pytest.raises(NetworkError, match="(?i)Bad Gateway"):
        await bot.send_message(ANN, "x")
    fake.fail_next(drop=True)
    with pytest.raises(NetworkError):
        await bot.send_message(ANN, "x")
    fake.fail_with("setMyCommands", 500)
    with pytest.raises(NetworkError):
        await bot.set_my_commands([("start", "Start over")])
    assert await bot.set_my_commands([("start", "Start over")])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert fake.violations == []


async def test_outage_and_flood_windows_end_by_themselves(
    fake: FakeBotAPI, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    fake.outage(0.3, "sendMessage", status=503, description="Service Unavailable")
    for _ in range(2):  # a window, not a count: every call inside it fails
        with pytest.raises(NetworkError, match="Service Unavailable"):
            await bot.send_message(ANN, "x")
    assert await bot.get_me()  # other methods are not affected
    await asyncio.sleep(0.35)  # the outage's window is over; a flood's begins
    fake.flood(0.3, retry_after=2)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ANN, "x")
    assert caught.value.retry_after == dtm.timedelta(seconds=2)
    await asyncio.sleep(0.35)
    assert (await bot.send_message(ANN, "after the windows")).text == "after the windows"
    assert [m.text for m in fake.chat(ANN).messages if m.from_bot] == ["after the windows"]
    assert fake.violations == []


async def test_a_hung_call_is_never_performed(fake: FakeBotAPI, bot: Bot) -> None:
    fake.hang("sendMessage", chat_id=ANN)
    with pytest.raises(NetworkError):  # TimedOut is a NetworkError
        await bot.send_message(ANN, "lost", read_timeout=0.3)
    assert not [m for m in fake.chat(ANN).messages if m.from_bot]
    held = await fake.wait_held("sendMessage")
    assert held.performed is False and held.params["text"] == "lost"
    fake.release_held()
    await fake.wait_for(lambda: not fake.held, 2)
    assert (await bot.send_message(ANN, "next")).text == "next"


async def test_executed_but_late_performs_the_call_and_answers_after_the_timeout(
    fake: FakeBotAPI, bot: Bot
) -> None:
    fake.answer_late("sendMessage", delay=1.0)
    with pytest.raises(NetworkError):
        await bot.send_message(ANN, "sent once", read_timeout=0.3)
    sent = [m.raw["text"] for m in fake.chat(ANN).messages if m.from_bot]
    assert sent == ["sent once"]  # it happened, though the client was told nothing
    assert fake.held and fake.held[0].performed


# running from synchronous code -----------------------------------------------------------------------


def _get(url: str) -> dict:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.load(response)
    except urllib.error.HTTPError as err:
        return json.load(err)


def test_start_in_thread_serves_synchronous_callers() -> None:
    fake = FakeBotAPI().start_in_thread()
    try:
        base = f"{fake.base_url}{fake.token}"
        assert _get(f"{base}/getMe")["result"]["username"] == "reconsider_test_bot"
        update = fake.user(ANN, "Ann").send("hello")
        assert _get(f"{base}/getUpdates?timeout=1")["result"] == [update]
        reply = _get(f"{base}/sendMessage?chat_id={ANN}&text=back")
        assert reply["result"]["text"] == "back"
        assert fake.run(fake.wait_for_message(ANN, contains="back")).message_id == 2
        assert _get(f"{base}/sendMessage?chat_id={ANN}&text=")["error_code"] == 400
    finally:
        fake.stop_thread()
