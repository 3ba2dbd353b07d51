"""The token never reaches a log line: noisy HTTP loggers are held back and the root
handler redacts anything token-like in messages, arguments and tracebacks."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.telegram.logs import REDACTED, configure_logging, redact_library_loggers

TOKEN = "123456789:" + "AAH-secret-token-value-for-tests_0123"  # split: no token-shaped literal


@pytest.fixture
def handler_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("DEBUG", secrets=[TOKEN, "hook-secret"], stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def test_messages_arguments_and_tracebacks_are_redacted(handler_stream: io.StringIO) -> None:
    log = logging.getLogger("bot.test")
    log.info("calling https://api.telegram.org/bot%s/getMe", TOKEN)
    log.warning("secret header was hook-secret; another token 987654321:%s", "Z" * 35)
    try:
        raise RuntimeError(f"failed for https://api.telegram.org/bot{TOKEN}/sendMessage")
    except RuntimeError:
        log.exception("request failed")
    output = handler_stream.getvalue()
    assert TOKEN not in output and "hook-secret" not in output and "Z" * 35 not in output
    assert output.count(REDACTED) >= 4
    assert "RuntimeError" in output and "request failed" in output


def test_httpx_request_lines_are_not_logged(handler_stream: io.StringIO) -> None:
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
    logging.getLogger("httpcore.http11").debug("send_request_headers.started")
    assert handler_stream.getvalue() == ""
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING


def test_library_loggers_redact_for_every_handler(caplog: pytest.LogCaptureFixture) -> None:
    redact_library_loggers([TOKEN])
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("telegram.Bot").debug("Set Bot API URL: https://api.telegram.org/bot%s", TOKEN)
    assert TOKEN not in caplog.text and REDACTED in caplog.text


def test_json_lines_are_redacted_and_carry_the_update_fields() -> None:
    import json

    from bot.telegram.logs import hash_chat, set_chat_hash_key

    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("INFO", secrets=[TOKEN], stream=stream, log_format="json")
    try:
        set_chat_hash_key(TOKEN)
        log = logging.getLogger("bot.test")
        log.info(
            "update %s (%s) %s in %.1f ms",
            7,
            "button",
            "ok",
            1.5,
            extra={
                "update_id": 7,
                "chat": hash_chat(1001),
                "handler": "button",
                "latency_ms": 1.5,
                "outcome": "ok",
            },
        )
        try:
            raise RuntimeError(f"failed for https://api.telegram.org/bot{TOKEN}/sendMessage")
        except RuntimeError:
            log.exception("request failed for %s", TOKEN)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["update_id"] == 7 and first["handler"] == "button" and first["outcome"] == "ok"
    assert first["chat"] == hash_chat(1001) != hash_chat(1002) and "1001" not in first["chat"]
    set_chat_hash_key("another bot's token")
    assert hash_chat(1001) != first["chat"]  # keyed: not a plain hash anyone can recompute
    assert second["level"] == "ERROR" and "RuntimeError" in second["traceback"]
    assert TOKEN not in stream.getvalue() and REDACTED in second["message"] + second["traceback"]
