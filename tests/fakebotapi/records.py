"""What the fake Bot API observed, as plain records tests can assert on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

#: Inline keyboard button fields that give a button its action, in Telegram's order.
BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "login_url",
    "web_app",
    "callback_game",
    "pay",
    "copy_text",
)


class Button(NamedTuple):
    """One keyboard button: its label, its action's value and which action it is."""

    text: str
    data: Any  # callback_data / url / switch query ...; None for reply-keyboard buttons
    kind: str  # "callback_data", "url", "switch_inline_query", ... or "keyboard"


@dataclass(slots=True)
class Upload:
    """A file the bot uploaded in a multipart request."""

    field_name: str
    filename: str
    content: bytes
    mime_type: str


@dataclass(slots=True)
class ChatMessage:
    """One message of a chat transcript, with later edits applied."""

    message_id: int
    from_bot: bool
    raw: dict[str, Any]  # the Telegram Message object as the fake returns it
    html: str | None = None  # source text as sent when parse_mode was HTML
    parse_mode: str | None = None
    upload: Upload | None = None
    edits: int = 0
    deleted: bool = False
    force_reply: dict[str, Any] | None = None  # the ForceReply markup sent with it, if any

    def as_reply_target(self) -> dict[str, Any]:
        """The message as `reply_to_message` of another: Telegram drops its own reply_to_message."""
        return {k: v for k, v in self.raw.items() if k != "reply_to_message"}

    @property
    def reply_to(self) -> int | None:
        """The id of the message this one replies to."""
        target = self.raw.get("reply_to_message")
        return int(target["message_id"]) if target else None

    revision: int = 0
    """The chat's revision when this message was sent or last edited (see ChatLog.revision)."""

    @property
    def text(self) -> str:
        """Plain text (entities stripped) or caption."""
        return self.raw.get("text") or self.raw.get("caption") or ""

    @property
    def entities(self) -> list[dict[str, Any]]:
        return self.raw.get("entities") or self.raw.get("caption_entities") or []

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self.raw.get("reply_markup")

    @property
    def document(self) -> dict[str, Any] | None:
        return self.raw.get("document")

    @property
    def buttons(self) -> list[list[Button]]:
        """Inline keyboard rows (or reply keyboard rows) as Button tuples."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard")
        if rows is not None:
            return [[_inline_button(b) for b in row] for row in rows]
        return [
            [Button(b if isinstance(b, str) else b.get("text", ""), None, "keyboard") for b in row]
            for row in markup.get("keyboard", [])
        ]

    @property
    def button_texts(self) -> list[str]:
        return [b.text for row in self.buttons for b in row]


def _inline_button(button: dict[str, Any]) -> Button:
    for kind in BUTTON_ACTIONS:
        if kind in button:
            return Button(button.get("text", ""), button[kind], kind)
    return Button(button.get("text", ""), None, "")


@dataclass(slots=True)
class ChatLog:
    """Everything said in one chat, user and bot messages in order."""

    chat: dict[str, Any]
    messages: list[ChatMessage] = field(default_factory=list)
    last_message_id: int = 0
    revision: int = 0
    """Counts every new or edited message: what changed after a moment has a larger one."""

    @property
    def id(self) -> int:
        return int(self.chat["id"])

    @property
    def bot_messages(self) -> list[ChatMessage]:
        return [m for m in self.messages if m.from_bot and not m.deleted]

    def get(self, message_id: int) -> ChatMessage | None:
        for message in reversed(self.messages):
            if message.message_id == message_id:
                return message
        return None

    def changed_since(self, revision: int) -> list[ChatMessage]:
        """Bot messages sent or edited after `revision`, in chat order."""
        return [m for m in self.bot_messages if m.revision > revision]

    def latest(self, *, from_bot: bool = True) -> ChatMessage | None:
        """The newest undeleted message from the bot (or from the user)."""
        for message in reversed(self.messages):
            if message.from_bot is from_bot and not message.deleted:
                return message
        return None


@dataclass(slots=True)
class Call:
    """One API request the bot made, with the answer it got."""

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]
    started: float  # time.monotonic()
    finished: float
    chat_id: int | None = None


@dataclass(slots=True)
class WebhookDelivery:
    """One POST of an update to the bot's webhook; status None when the connection failed."""

    update_id: int
    attempt: int
    status: int | None
    error: str | None
    at: float


@dataclass(slots=True)
class UpdateTiming:
    """When an update became available and when the bot first replied in its chat."""

    update_id: int
    chat_id: int | None
    available_at: float  # time.monotonic()
    first_reply_at: float | None = None

    @property
    def latency(self) -> float | None:
        if self.first_reply_at is None:
            return None
        return self.first_reply_at - self.available_at
