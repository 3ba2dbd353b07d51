"""One plan document, one renderer per format: the section order lives in bot.engine.document
and every format (chat HTML, exported Markdown, terminal text) follows it."""

from __future__ import annotations

from bot.engine import Guide, Plan
from bot.engine.document import (
    SECTIONS,
    DraftBlock,
    Heading,
    Paragraph,
    Section,
    plan_document,
)
from bot.engine.model import Catalog
from bot.telegram.views.export import plan_markdown
from bot.telegram.views.plan import sections_html
from bot.terminal import render_plan

FINAL = {
    "stage": "final",
    "role_status": "unknown",
    "time_since": "recent",
    "feedback": "vague",
    "new_material": "none",
    "contact": "strong",
    "goal": "this_role",
}


def _plan(guide: Guide) -> Plan:
    return guide.plan_for(FINAL, {"your_name": "Alex <A&B>"}, "en")


def test_sections_come_in_reading_order_with_each_draft_and_its_channel(guide: Guide) -> None:
    plan = _plan(guide)
    names = [section.name for section in plan_document(plan, guide.catalog("en"))]
    assert names[:3] == ["recommendation", "why", "expect"]
    count = len(plan.drafts)
    assert count > 0 and names.count("draft") == count
    assert names[-count - 1 :] == ["draft"] * count + ["next_steps"]
    sections = plan_document(plan, guide.catalog("en"))
    drafts = [b for s in sections for b in s.blocks if isinstance(b, DraftBlock)]
    expected = [(action.title, draft.channel, draft.label, draft.body) for action, draft in plan.drafts]
    assert all(draft.label for _, draft in plan.drafts)
    assert [(d.title, d.channel, d.label, d.body) for d in drafts] == expected


def test_a_new_section_is_one_entry_and_every_format_shows_it_in_place(guide: Guide) -> None:
    def closing(plan: Plan, catalog: Catalog) -> list[Section]:
        blocks = (Heading("Before you send"), Paragraph("Sleep on it <tonight> & reread."))
        return [Section("closing", blocks)]

    plan, catalog = _plan(guide), guide.catalog("en")
    sections = plan_document(plan, catalog, (*SECTIONS[:2], closing, *SECTIONS[2:]))
    html = sections_html(sections)
    assert html.index("<b>Before you send</b>") < html.index(f"<b>{catalog.text('ui.what_to_expect')}</b>")
    assert "Sleep on it &lt;tonight&gt; &amp; reread." in html


def test_html_markdown_and_terminal_follow_the_same_order(guide: Guide) -> None:
    plan, catalog = _plan(guide), guide.catalog("en")
    blocks = [b for s in plan_document(plan, catalog) for b in s.blocks]
    headings = [
        b.text if isinstance(b, Heading) else b.title for b in blocks if isinstance(b, Heading | DraftBlock)
    ]
    assert headings[-1] == catalog.text("ui.next_steps")  # after the drafts
    markdown = plan_markdown(plan, [], catalog)
    terminal = render_plan(plan, catalog)
    html = sections_html(plan_document(plan, catalog)).replace("&amp;", "&")
    for text in (markdown, terminal, html):
        at = 0
        for heading in headings:  # each found after the one before it
            at = text.index(heading, at) + len(heading)
    assert "Alex <A&B>" in markdown and "Alex &lt;A&amp;B&gt;" in sections_html(plan_document(plan, catalog))
