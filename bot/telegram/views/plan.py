"""The plan document (bot.engine.document) as Telegram HTML: one place for how each block,
and a draft, looks in a chat."""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.document import Block, Bullets, DraftBlock, Heading, Item, Lines, Paragraph, Section
from bot.telegram.views.html import BULLET, esc


def _item(item: Item) -> str:
    text = f"<b>{esc(item.title)}</b>: {esc(item.text)}" if item.title else esc(item.text)
    return f"{BULLET} {text}" + (f" <i>{esc(item.aside)}</i>" if item.aside else "")


def block_html(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<b>{esc(block.text)}</b>"
    if isinstance(block, Paragraph):
        return f"<i>{esc(block.text)}</i>" if block.aside else esc(block.text)
    if isinstance(block, Lines):
        return "\n".join(esc(line) for line in block.items)
    if isinstance(block, Bullets):
        return "\n".join(_item(item) for item in block.items)
    return draft_html(block)


def draft_html(draft: DraftBlock, heading: str | None = None) -> str:
    """A draft ready to copy: its title (or `heading`), when to send it, the subject, the body."""
    head = f"<b>{esc(heading or draft.title)}</b>"
    if heading is None:
        head += f"\n<i>{esc(draft.when)}</i>"
    if draft.label:
        head += f"\n📍 {esc(draft.label)}"
    if draft.subject:
        head += f"\n{esc(draft.subject_label)}: <code>{esc(draft.subject)}</code>"
    return f"{head}\n\n<pre>{esc(draft.body)}</pre>"


def section_html(section: Section) -> str:
    return "\n".join(block_html(block) for block in section.blocks)


def sections_html(sections: Sequence[Section]) -> str:
    """Sections as paragraphs of one message body."""
    return "\n\n".join(section_html(section) for section in sections)
