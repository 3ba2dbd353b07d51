"""Files the bot sends: a draft as `.eml` (opens as an unsent draft), drafts as `.txt`, /mydata JSON.

Pure functions from values to bytes; no Telegram here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from typing import Any

from bot.engine import Action, Draft

_EML_POLICY = policy.default.clone(linesep="\r\n", max_line_length=78)


def eml_bytes(draft: Draft) -> bytes:
    """An RFC 5322 message without recipients, marked `X-Unsent: 1` so mail clients open it as a draft."""
    message = EmailMessage(policy=_EML_POLICY)
    if draft.subject:
        message["Subject"] = draft.subject
    message["X-Unsent"] = "1"
    message.set_content(draft.body + "\n", charset="utf-8")
    return message.as_bytes()


def file_stem(action: Action) -> str:
    """A safe, readable file name for an approach's draft: `request-feedback`."""
    return re.sub(r"[^a-z0-9]+", "-", action.approach.lower()).strip("-") or "draft"


def drafts_text(drafts: Sequence[tuple[Action, Draft]], subject_label: str) -> bytes:
    """Every draft of a plan as plain UTF-8 text, one after another."""
    parts = []
    for action, draft in drafts:
        lines = [action.title, "=" * len(action.title), action.when, ""]
        if draft.subject:
            lines += [f"{subject_label}: {draft.subject}", ""]
        lines.append(draft.body)
        parts.append("\n".join(lines))
    return ("\n\n\n".join(parts) + "\n").encode("utf-8")


def mydata_json(exported: dict[str, Any]) -> bytes:
    """What the store holds about one person, readable by people and programs."""
    return (json.dumps(exported, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
