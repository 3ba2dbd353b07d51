"""Export: a plan as files on request. /export (and the Export button) sends ONE document,
`plan.txt`: the whole plan with its drafts, Markdown that reads as plain text, so it opens on
any phone. A button under it sends each email draft as an `.eml`. Pure: values in, `Document`s out."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.engine import Plan
from bot.engine.model import Catalog
from bot.telegram.buttons import Act, Payload
from bot.telegram.views import files
from bot.telegram.views.html import MAX_CAPTION, Document, esc

PLAN_FILE = "plan.txt"


def _fence(body: str) -> str:
    """A code fence longer than any run of backticks in `body`, so the block never ends early."""
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    return "`" * max(3, longest + 1)


def plan_markdown(plan: Plan, path: list[tuple[str, str]], catalog: Catalog) -> str:
    """The whole plan, readable as plain text and as Markdown: the answers, the recommendation,
    why, what to expect, the other actions, tips, and each draft in a fenced block."""
    primary = plan.actions[0]
    lines = [f"# {catalog.text('ui.tg_plan_heading')}", ""]
    lines += [f"## {catalog.text('ui.tg_answers')}", ""]
    lines += [f"- {question}: {answer}" for question, answer in path] + [""]
    lines += [f"## {catalog.text('ui.recommendation')}: {primary.title}", "", primary.why, "",
              f"*{primary.when}*", ""]
    lines += [f"## {catalog.text('ui.why_this')}", ""] + [f"- {reason}" for reason in plan.reasons] + [""]
    lines += [f"## {catalog.text('ui.what_to_expect')}", ""] + list(plan.expectations) + [""]
    if len(plan.actions) > 1:
        lines += [f"## {catalog.text('ui.also')}", ""]
        lines += [f"- **{a.title}**: {a.why} *{a.when}*" for a in plan.actions[1:]] + [""]
    if plan.tips:
        lines += [f"## {catalog.text('ui.tips')}", ""] + [f"- {tip}" for tip in plan.tips] + [""]
    for action, draft in plan.drafts:
        lines += [f"## {action.title}", "", f"*{action.when}*", ""]
        if draft.subject:
            lines += [f"{catalog.text('ui.subject')}: {draft.subject}", ""]
        fence = _fence(draft.body)
        lines += [f"{fence}text", draft.body, fence, ""]
    return "\n".join(lines)


def export_documents(plan: Plan, path: list[tuple[str, str]], catalog: Catalog) -> list[Document]:
    """The plan as one document; with email drafts, a button under it for the .eml files."""
    caption = esc(catalog.text("ui.tg_export_caption"))[:MAX_CAPTION]
    keyboard = None
    if any(draft.channel == "email" for _, draft in plan.drafts):
        data = Payload(0, 0, 0, Act.EXPORT_EML).encode()  # valid whatever the guide's step
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(catalog.text("ui.tg_export_eml"),
                                                               callback_data=data)]])
    return [Document(PLAN_FILE, plan_markdown(plan, path, catalog).encode("utf-8"), caption, keyboard)]


def eml_documents(plan: Plan, catalog: Catalog) -> list[Document]:
    """An .eml per email draft: opens in a mail app as an unsent email, ready to address."""
    return [
        Document(f"{files.file_stem(action)}.eml", files.eml_bytes(draft),
                 esc(catalog.text("ui.tg_eml_caption", title=action.title))[:MAX_CAPTION])
        for action, draft in plan.drafts if draft.channel == "email"
    ]
