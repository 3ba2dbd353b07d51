"""The update as a value: which chat and person, their language, and what they typed or tapped.

Built once from PTB's `Update` at the edge (handlers.py); everything past it reads plain fields.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from telegram import Message, Update

_on_durable: ContextVar[Callable[[], None] | None] = ContextVar("on_durable", default=None)


def when_durable(callback: Callable[[], None]) -> None:
    """In the task running one update: call `callback` once the update's turn is committed
    (polling then confirms it to Telegram without waiting for the turn's paced sends)."""
    _on_durable.set(callback)


def update_is_durable() -> None:
    """The running update's turn is committed (or was, by an earlier delivery): from here on,
    a crash loses nothing (its unsent step is shown again at start-up)."""
    callback = _on_durable.get()
    if callback is not None:
        callback()


@dataclass(frozen=True)
class Replied:
    """The message another one replies to (a quote above it)."""

    message_id: int
    text: str
    from_id: int | None


@dataclass(frozen=True)
class Incoming:
    """One update from a private chat."""

    update_id: int
    chat_id: int
    user_id: int | None
    language: str
    """The person's interface language, two letters ("" when Telegram does not say)."""
    text: str | None = None
    """What they typed; None for a tap or a message without text."""
    message_id: int | None = None
    """The id of their message; None for a tap."""
    replied: Replied | None = None
    """What their message replies to, if anything."""
    query_id: str | None = None
    """A tap: the callback query to answer."""
    data: str = ""
    """A tap: the button's callback data."""
    tapped_id: int | None = None
    """A tap: the message the button sits on."""
    tapped_replied: Replied | None = None
    """A tap: what the message with the button replies to (the tone check's offer)."""

    @property
    def person(self) -> int:
        """Whose data this is: the user, or the chat when Telegram names no user."""
        return self.user_id if self.user_id is not None else self.chat_id

    @property
    def is_tap(self) -> bool:
        return self.query_id is not None

    @classmethod
    def from_update(cls, update: Update) -> Incoming:
        chat = update.effective_chat
        assert chat is not None
        user = update.effective_user
        query = update.callback_query
        tapped = query.message if query is not None and isinstance(query.message, Message) else None
        message = update.message
        return cls(
            update_id=update.update_id,
            chat_id=chat.id,
            user_id=user.id if user else None,
            language=language_of(update),
            text=message.text if message is not None else None,
            message_id=message.message_id if message is not None else None,
            replied=_replied(message.reply_to_message) if message is not None else None,
            query_id=query.id if query is not None else None,
            data=(query.data or "") if query is not None else "",
            tapped_id=query.message.message_id if query is not None and query.message else None,
            tapped_replied=_replied(tapped.reply_to_message) if tapped is not None else None,
        )


def _replied(message: Message | None) -> Replied | None:
    if message is None:
        return None
    author = message.from_user
    return Replied(message.message_id, message.text or "", author.id if author else None)


def language_of(update: Update) -> str:
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return code.split("-")[0].lower()
