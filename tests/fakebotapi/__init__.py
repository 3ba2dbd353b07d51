"""A strict local fake of the Telegram Bot API for end-to-end tests and benchmarks.

A real aiohttp server on 127.0.0.1 that a real PTB ``Application`` talks to over HTTP::

    async with FakeBotAPI() as fake:            # or: fake = FakeBotAPI().start_in_thread()
        app = (ApplicationBuilder().token(fake.token).base_url(fake.base_url)
               .base_file_url(fake.base_file_url).build())
        ann = fake.user(1001, "Ann")
        ann.send("/start")                      # a private message; returns the Update dict
        reply = await fake.wait_for_message(1001, contains="Hello")
        ann.press_button("Yes")                 # or ann.press(message_id, callback_data)
        await fake.idle()                       # all updates taken, no request for 0.15 s
        assert not fake.violations

Strict: unknown methods (404) and parameters, missing required parameters and wrong types
(from ``api.json`` when found, see ``spec.py``; else from ``telegram.Bot`` signatures), HTML
``parse_mode`` (``formatting.py``), text/caption length, keyboards (callback_data 1-64 bytes,
ForceReply placeholders 1-64 characters),
callback/inline queries answered once, edits of missing messages. Each such error is answered
like Telegram (400/404) and recorded in ``fake.violations``. Realistic errors that are not the
bot's fault ("message is not modified", injected 403/429/5xx) are not violations.

Updates reach the bot by ``getUpdates`` (offset/limit/timeout long poll) or, after
``setWebhook``, by POSTs with the secret header, retried on non-2xx (``webhook_deliveries``).
Users send, reply to a message (``reply_to_message``, also inside a callback query's
message) and paste long texts split as clients do (``SimUser.paste``). Observe with
``calls``, ``method_counts``, ``chat(id).messages`` / ``latest()``, ``uploads``,
``update_timings`` / ``latencies()``, ``unanswered_callback_queries()``. Inject faults with
``block_user``, ``rate_limit``, ``fail_next`` and ``fail_with`` (the next N calls), or open a
fault window: ``outage`` (5xx for N seconds), ``flood`` (429 with ``retry_after`` for N
seconds), ``hang`` (no answer, not performed) and ``answer_late`` (performed, answered after
the client's timeout); ``held`` / ``wait_held`` show the requests held open, ``release_held``
lets them go.
"""

from .formatting import EntityParseError, parse_html
from .records import Button, Call, ChatLog, ChatMessage, UpdateTiming, Upload, WebhookDelivery
from .server import DEFAULT_TOKEN, ApiError, FakeBotAPI, HeldCall
from .spec import default_spec_path, load_spec
from .users import SimUser

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "Button",
    "Call",
    "ChatLog",
    "ChatMessage",
    "EntityParseError",
    "FakeBotAPI",
    "HeldCall",
    "SimUser",
    "UpdateTiming",
    "Upload",
    "WebhookDelivery",
    "default_spec_path",
    "load_spec",
    "parse_html",
]
