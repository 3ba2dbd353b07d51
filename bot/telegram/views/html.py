"""HTML for Telegram messages, as values: escaping, the message values, splitting long texts.

Pure: values in, values out (nothing here talks to Telegram).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from telegram import ForceReply, InlineKeyboardMarkup

MAX_TEXT = 4096
MAX_CAPTION = 1024
CHOSEN = "✓"
BULLET = "•"


@dataclass(frozen=True)
class Text:
    html: str
    keyboard: InlineKeyboardMarkup | ForceReply | None = None
    reply_to: int | None = None
    """The id of the message this one answers (shown as a quote above it), if any."""


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    caption: str
    """HTML, at most MAX_CAPTION characters."""
    keyboard: InlineKeyboardMarkup | None = None


Outgoing = Text | Document


def esc(text: str) -> str:
    """Text from the catalog or a person, made safe for parse_mode=HTML."""
    return html.escape(text, quote=False)


def plain(text: str, keyboard: InlineKeyboardMarkup | None = None) -> list[Outgoing]:
    """A catalog text (or any plain text) as messages."""
    return list(texts(esc(text), keyboard))


def texts(body: str, keyboard: InlineKeyboardMarkup | None = None) -> list[Outgoing]:
    """HTML as messages that fit; the last one carries the keyboard."""
    return list(text_parts(body, keyboard))


def text_parts(body: str, keyboard: InlineKeyboardMarkup | None = None) -> list[Text]:
    parts = split_html(body)
    return [Text(part, keyboard if index == len(parts) - 1 else None) for index, part in enumerate(parts)]


# ---- splitting ----------------------------------------------------------------------------

_TOKEN = re.compile(r"<[^>]*>|&[#\w]+;|\n\n|.", re.S)
_TAG = re.compile(r"<(/?)([a-zA-Z-]+)")
_BREAKS = {"\n\n": 3, "\n": 2, " ": 1}


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _after(stack: list[tuple[str, str]], token: str) -> list[tuple[str, str]]:
    match = _TAG.match(token)
    if not match:
        return stack
    closing, name = match.group(1) == "/", match.group(2).lower()
    if not closing:
        return [*stack, (name, token)]
    for index in range(len(stack) - 1, -1, -1):
        if stack[index][0] == name:
            return stack[:index]
    return stack


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut HTML into messages of at most `limit` UTF-16 units: at paragraph breaks if possible,
    else at line breaks, else at spaces; tags open at a cut are closed and reopened."""
    if utf16_len(text) <= limit:
        return [text]
    tokens = _TOKEN.findall(text)
    chunks: list[str] = []
    start = 0
    carried: list[tuple[str, str]] = []
    while start < len(tokens):
        pieces = [opening for _, opening in carried]
        size = sum(utf16_len(piece) for piece in pieces)
        stack = carried
        best: tuple[int, int, list[tuple[str, str]], int] | None = None  # rank, end, stack, kept
        index = start
        while index < len(tokens):
            token = tokens[index]
            following = _after(stack, token)
            fits = size + utf16_len(token) + utf16_len(_closing(following)) <= limit
            if not fits and index > start:
                break
            pieces.append(token)
            size += utf16_len(token)
            stack = following
            index += 1
            rank = _BREAKS.get(token, 0)
            if rank and (best is None or rank >= best[0]):
                best = (rank, index, stack, len(pieces))
        if index < len(tokens):
            if best is not None:
                _, index, stack, kept = best
                pieces = pieces[:kept]
            chunk = "".join(pieces).rstrip() + _closing(stack)
        else:
            chunk = "".join(pieces)
        if re.sub(r"<[^>]*>", "", chunk).strip():
            chunks.append(chunk)
        while index < len(tokens) and tokens[index] in _BREAKS:
            index += 1
        start, carried = index, stack
    return chunks
