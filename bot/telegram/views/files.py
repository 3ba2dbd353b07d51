"""Files the bot sends: a draft as `.eml` (opens as an unsent draft).

Pure functions from values to bytes; no Telegram here.
"""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage

from bot.engine import Action, Draft

_EML_POLICY = policy.default.clone(linesep="\r\n", max_line_length=78)


def eml_bytes(draft: Draft) -> bytes:
    """An RFC 5322 message without recipients, marked `X-Unsent: 1` so mail clients open it as a draft."""
    message = EmailMessage(policy=_EML_POLICY)
    if draft.subject:
        # A header is one line: any line break (U+2028, U+0085...) from a typed detail is a space.
        message["Subject"] = " ".join(_utf8(draft.subject).splitlines())
    message["X-Unsent"] = "1"
    message.set_content(_utf8(draft.body) + "\n", charset="utf-8")
    return message.as_bytes()


def _utf8(text: str) -> str:
    """The text with anything UTF-8 cannot hold (a lone surrogate) as U+FFFD."""
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)


def file_stem(action: Action) -> str:
    """A safe, readable file name for an approach's draft: `request-feedback`."""
    return re.sub(r"[^a-z0-9]+", "-", action.approach.lower()).strip("-") or "draft"
