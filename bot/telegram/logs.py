"""Logging for the bot process, built so the bot token can never reach a log line.

Three guards: httpx/httpcore (which log request URLs, and the token is part of every Bot API
URL) are held at WARNING; the library loggers that see the token (PTB logs its API URL at
DEBUG) redact at the source, so every handler gets clean records; and a filter on the root
handler rewrites anything that looks like a token, or equals a configured secret, in every
message and traceback.

`LOG_FORMAT=json` writes one JSON object per line instead; the line logged after each update
carries its id, the chat id hashed (HMAC keyed by the bot token: stable, not reversible
without it), the handler, the latency and the outcome as fields.
"""

from __future__ import annotations

import datetime as dtm
import hashlib
import hmac
import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from bot.libraries import quiet_libraries

TOKEN_LIKE = re.compile(r"\d{5,20}:[A-Za-z0-9_-]{30,}")
REDACTED = "<redacted>"
NOISY_LOGGERS = ("httpx", "httpcore")
CONTENT_LOGGERS = ("telegram.ext.ExtBot", "telegram.ext.Application")
"""PTB logs every update and every API call's parameters (what people typed, their drafts) at
DEBUG: held at INFO, so no LOG_LEVEL puts a person's words in a log line."""
TOKEN_AWARE_LIBRARIES = ("telegram", "httpx", "httpcore")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
UPDATE_FIELDS = ("update_id", "chat", "handler", "latency_ms", "outcome")
"""The fields a handled update's log line carries (`extra=`), as keys of its JSON object."""
_chat_key = b""


def set_chat_hash_key(secret: str) -> None:
    global _chat_key
    _chat_key = hashlib.sha256(b"reconsider-bot chat id\0" + secret.encode()).digest()


def hash_chat(chat_id: int | None) -> str | None:
    """A chat id as 12 hex characters: the same chat always reads the same, nobody can read it back."""
    if chat_id is None:
        return None
    return hmac.new(_chat_key, str(chat_id).encode(), hashlib.sha256).hexdigest()[:12]


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the update fields, any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dtm.datetime.fromtimestamp(record.created, dtm.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in UPDATE_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["traceback"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message and traceback with secrets replaced (never drops a record)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets: list[str] = []
        self.add_secrets(secrets)

    def add_secrets(self, secrets: Iterable[str]) -> None:
        self.secrets = sorted({*self.secrets, *(s for s in secrets if s)}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return TOKEN_LIKE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the raw parts, redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
            record.exc_info = None  # the formatter would otherwise render it again, unredacted
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def configure_logging(
    level: str, secrets: Iterable[str] = (), stream: TextIO | None = None, log_format: str = "text"
) -> logging.Handler:
    """One stderr handler on the root logger, with the redacting filter; returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_reconsider_bot", False)]:
        root.removeHandler(old)
    handler._reconsider_bot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    quiet_noisy_loggers()
    return handler


def quiet_noisy_loggers() -> None:
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in CONTENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    quiet_libraries()


_AT_THE_SOURCE = RedactingFilter()


def redact_library_loggers(secrets: Iterable[str]) -> None:
    """Put the redacting filter on every logger of the libraries that see the token.

    A logger's filters run before any handler, including ones we do not own (pytest's
    caplog, a host application's), unlike the filter on our root handler."""
    _AT_THE_SOURCE.add_secrets(secrets)
    names = [
        name for name in list(logging.root.manager.loggerDict) if name.split(".")[0] in TOKEN_AWARE_LIBRARIES
    ]
    for name in {*names, *TOKEN_AWARE_LIBRARIES}:
        logger = logging.getLogger(name)
        if _AT_THE_SOURCE not in logger.filters:
            logger.addFilter(_AT_THE_SOURCE)
