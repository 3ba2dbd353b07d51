"""Simulated Telegram users: they turn actions (a message, a button press) into updates."""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, Any

from .formatting import utf16_len

if TYPE_CHECKING:
    from .server import FakeBotAPI

MAX_TEXT = 4096  # what one message can carry; clients split longer texts
_file_ids = itertools.count(1)


def _file(prefix: str) -> dict[str, Any]:
    n = next(_file_ids)
    return {"file_id": f"{prefix}-file-{n}", "file_unique_id": f"{prefix}-u{n}"}


class SimUser:
    """A user talking to the bot; every action pushes one update and returns it."""

    def __init__(self, fake: FakeBotAPI, user: dict[str, Any]) -> None:
        self.fake = fake
        self.user = user

    @property
    def id(self) -> int:
        return int(self.user["id"])

    @property
    def private_chat(self) -> dict[str, Any]:
        chat = {"id": self.id, "type": "private", "first_name": self.user["first_name"]}
        if "username" in self.user:
            chat["username"] = self.user["username"]
        return chat

    def open_private_chat(self) -> None:
        """The private chat exists (the user started the bot at some point) with no messages."""
        self.fake._on_loop(self.fake._ensure_chat, self.private_chat)

    # messages -------------------------------------------------------------------------------

    def send(
        self, text: str, *, chat: dict[str, Any] | None = None, reply_to: int | None = None
    ) -> dict[str, Any]:
        """A text message ("/start payload" gets a bot_command entity) in the private chat,
        optionally as a reply to message `reply_to` of that chat. Not limited in length, so
        tests can push the bot's own limits; `paste` sends what a Telegram client would."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to is None:
            return self.send_content(content, chat=chat)
        return self.fake._on_loop(self._reply_update, content, chat, reply_to)

    def reply(self, message_id: int, text: str) -> dict[str, Any]:
        """A text message replying to message `message_id` of the private chat."""
        return self.send(text, reply_to=message_id)

    def paste(self, text: str, *, reply_to: int | None = None) -> list[dict[str, Any]]:
        """Send a long text as a Telegram client does: in messages of at most 4096
        characters, cut at a line break or space where possible; only the first one is the
        reply (if any)."""
        updates = []
        for index, part in enumerate(split_text(text)):
            updates.append(self.send(part, reply_to=reply_to if index == 0 else None))
        return updates

    def send_in_group(self, text: str, *, group_id: int = -1001, title: str = "Test group") -> dict[str, Any]:
        """A text message in a (basic) group chat with a negative id."""
        return self.send(text, chat={"id": group_id, "type": "group", "title": title})

    def send_sticker(self, emoji: str = "👍") -> dict[str, Any]:
        sticker = {
            **_file("sticker"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self.send_content({"sticker": sticker})

    def send_photo(self, caption: str | None = None) -> dict[str, Any]:
        photo = [
            {**_file("photo"), "width": 90, "height": 90},
            {**_file("photo"), "width": 800, "height": 800},
        ]
        content: dict[str, Any] = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        return self.send_content(content)

    def send_voice(self, duration: int = 3) -> dict[str, Any]:
        return self.send_content({"voice": {**_file("voice"), "duration": duration}})

    def send_content(self, content: dict[str, Any], *, chat: dict[str, Any] | None = None) -> dict[str, Any]:
        """A message with arbitrary Message fields (text, photo, ...)."""
        return self.fake._on_loop(self._message_update, content, chat, "message")

    def delete(self, message_id: int) -> None:
        """The user deletes one of their messages (bots are not told, in private chats)."""
        message = self.fake.chat(self.id).get(message_id)
        if message is None or message.from_bot:
            raise LookupError(f"user {self.id} has no message {message_id}")
        message.deleted = True

    def edit(self, message_id: int, text: str) -> dict[str, Any]:
        """The user edits one of their own messages (an edited_message update)."""
        log = self.fake.chat(self.id)
        original = log.get(message_id)
        if original is None or original.from_bot:
            raise LookupError(f"user {self.id} has no message {message_id}")
        message = {**original.raw, "text": text, "edit_date": int(time.time())}
        return self.fake.push_update({"edited_message": message})

    def _message_update(
        self, content: dict[str, Any], chat: dict[str, Any] | None, kind: str
    ) -> dict[str, Any]:
        log = self.fake._ensure_chat(chat or self.private_chat)
        message = {
            "message_id": log.last_message_id + 1,
            "date": int(time.time()),
            "chat": log.chat,
            "from": self.user,
            **content,
        }
        self.fake._store_message(log, message, from_bot=False)
        return self.fake.push_update({kind: message})

    def _reply_update(
        self, content: dict[str, Any], chat: dict[str, Any] | None, reply_to: int
    ) -> dict[str, Any]:
        log = self.fake._ensure_chat(chat or self.private_chat)
        target = log.get(reply_to)
        if target is None or target.deleted:
            raise LookupError(f"chat {log.id} has no message {reply_to} to reply to")
        return self._message_update(
            {**content, "reply_to_message": target.as_reply_target()}, chat, "message"
        )

    # buttons and inline mode ----------------------------------------------------------------

    def press(self, message_id: int, callback_data: str, *, chat_id: int | None = None) -> dict[str, Any]:
        """Press an inline button with `callback_data` (need not be on the message: stale)."""
        return self.fake._on_loop(self._press, message_id, callback_data, chat_id)

    def press_button(self, text: str, *, chat_id: int | None = None) -> dict[str, Any]:
        """Press the callback button labelled `text` on the latest bot message that has it."""
        log = self.fake.chat(self.id if chat_id is None else chat_id)
        seen: list[str] = []
        for message in reversed(log.bot_messages):
            for button in (b for row in message.buttons for b in row):
                if button.text == text and button.kind == "callback_data":
                    return self.press(message.message_id, button.data, chat_id=log.id)
                seen.append(button.text)
        raise LookupError(f"no callback button {text!r} in chat {log.id}; buttons seen: {seen}")

    def _press(self, message_id: int, data: str, chat_id: int | None) -> dict[str, Any]:
        log = self.fake.chat(self.id if chat_id is None else chat_id)
        message = log.get(message_id)
        if message is None or message.deleted:
            raise LookupError(f"chat {log.id} has no message {message_id} to press a button on")
        query_id = self.fake._new_query_id("cbq")
        shown = message.raw
        target = log.get(message.reply_to) if message.reply_to is not None else None
        if target is not None and target.deleted:  # Telegram no longer shows what it replied to
            shown = {k: v for k, v in shown.items() if k != "reply_to_message"}
        update = self.fake.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.user,
                    "message": shown,
                    "chat_instance": f"ci{log.id}",
                    "data": data,
                }
            }
        )
        self.fake._callback_queries[query_id] = update["update_id"]
        return update

    def inline_query(self, query: str, *, offset: str = "") -> dict[str, Any]:
        """The user types `@bot query` in some chat."""
        return self.fake._on_loop(self._inline_query, query, offset)

    def _inline_query(self, query: str, offset: str) -> dict[str, Any]:
        query_id = self.fake._new_query_id("iq")
        update = self.fake.push_update(
            {
                "inline_query": {
                    "id": query_id,
                    "from": self.user,
                    "query": query,
                    "offset": offset,
                    "chat_type": "sender",
                }
            }
        )
        self.fake._inline_queries[query_id] = update["update_id"]
        return update


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut `text` into parts of at most `limit` UTF-16 units, preferring a line break, then a
    space, in the second half of each part; the cut whitespace is dropped."""
    parts: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        end = limit
        while utf16_len(rest[:end]) > limit:
            end -= 1
        cut = rest.rfind("\n", end // 2, end)
        if cut < 0:
            cut = rest.rfind(" ", end // 2, end)
        if cut < 0:
            cut = end
        parts.append(rest[:cut])
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts
