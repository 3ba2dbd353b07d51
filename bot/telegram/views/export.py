"""Export: a plan as files on request. /export (and the Export button) sends ONE document,
`plan.txt`: the whole plan with its drafts, Markdown that reads as plain text, so it opens on
any phone. A button under it sends each email draft as an `.eml`. Pure: values in, `Document`s out."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.engine import Plan
from bot.engine.document import (
    Block,
    Bullets,
    DraftBlock,
    Heading,
    Item,
    Lines,
    Paragraph,
    answers_section,
    plan_document,
)
from bot.engine.model import Catalog
from bot.telegram.buttons import Act, Payload
from bot.telegram.views import files
from bot.telegram.views.html import MAX_CAPTION, Document, esc

PLAN_FILE = "plan.txt"


def _fence(body: str) -> str:
    """A code fence longer than any run of backticks in `body`, so the block never ends early."""
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    return "`" * max(3, longest + 1)


def _item(item: Item) -> str:
    text = f"**{item.title}**: {item.text}" if item.title else item.text
    return f"- {text}" + (f" *{item.aside}*" if item.aside else "")


def _block(block: Block) -> list[str]:
    if isinstance(block, Heading):
        return [f"## {block.text}", ""]
    if isinstance(block, Paragraph):
        return [f"*{block.text}*" if block.aside else block.text, ""]
    if isinstance(block, Lines):
        return [*block.items, ""]
    if isinstance(block, Bullets):
        return [*(_item(item) for item in block.items), ""]
    return _draft(block)


def _draft(draft: DraftBlock) -> list[str]:
    """A draft in a fenced block, so Markdown shows it as typed and it copies whole."""
    lines = [f"## {draft.title}", "", f"*{draft.when}*", ""]
    if draft.label:
        lines += [draft.label, ""]
    if draft.subject:
        lines += [f"{draft.subject_label}: {draft.subject}", ""]
    fence = _fence(draft.body)
    return [*lines, f"{fence}text", draft.body, fence, ""]


def plan_markdown(plan: Plan, path: list[tuple[str, str]], catalog: Catalog) -> str:
    """The whole plan, readable as plain text and as Markdown: the answers, then every section
    of the plan document (the recommendation, why, what to expect, the other actions, tips,
    and each draft in a fenced block)."""
    sections = [answers_section(catalog.text("ui.tg_answers"), path), *plan_document(plan, catalog)]
    lines = [f"# {catalog.text('ui.tg_plan_heading')}", ""]
    for section in sections:
        for block in section.blocks:
            lines += _block(block)
    return "\n".join(lines)


def export_documents(plan: Plan, path: list[tuple[str, str]], catalog: Catalog) -> list[Document]:
    """The plan as one document; with email drafts, a button under it for the .eml files."""
    caption = esc(catalog.text("ui.tg_export_caption"))[:MAX_CAPTION]
    keyboard = None
    if any(draft.channel == "email" for _, draft in plan.drafts):
        data = Payload(0, 0, 0, Act.EXPORT_EML).encode()  # valid whatever the guide's step
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton(catalog.text("ui.tg_export_eml"), callback_data=data)]]
        )
    return [Document(PLAN_FILE, plan_markdown(plan, path, catalog).encode("utf-8"), caption, keyboard)]


def eml_documents(plan: Plan, catalog: Catalog) -> list[Document]:
    """An .eml per email draft: opens in a mail app as an unsent email, ready to address."""
    return [
        Document(
            f"{files.file_stem(action)}.eml",
            files.eml_bytes(draft),
            esc(catalog.text("ui.tg_eml_caption", title=action.title))[:MAX_CAPTION],
        )
        for action, draft in plan.drafts
        if draft.channel == "email"
    ]
