"""The plan as a document: ordered sections of transport-neutral blocks.

Every format (Telegram HTML, the share summary, the exported Markdown...) renders these blocks,
so the order of the sections lives here only, and a draft's markup once per format. A new
section of the plan is one entry in SECTIONS (or one function passed to `plan_document`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.engine.model import Catalog
from bot.engine.views import Plan


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    aside: bool = False
    """A side note (when to send, say): shown quieter than the text around it."""


@dataclass(frozen=True)
class Lines:
    """Short lines, one under the other, without bullets."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    text: str
    title: str = ""
    """Shown strong before the text ("Title: text")."""
    aside: str = ""
    """Shown quieter after the text."""


@dataclass(frozen=True)
class Bullets:
    items: tuple[Item, ...]


@dataclass(frozen=True)
class DraftBlock:
    """A message to send, ready to copy, with the channel it goes by."""

    title: str
    when: str
    channel: str
    """How it is sent: "email", "message"... (the flow's channel of the approach)."""
    body: str
    subject: str | None = None
    subject_label: str = ""
    label: str = ""
    """Where it goes, in the person's words ("Reply in their email thread")."""


Block = Heading | Paragraph | Lines | Bullets | DraftBlock


@dataclass(frozen=True)
class Section:
    """One part of the plan (the recommendation, why, tips, one draft...), blocks in order."""

    name: str
    blocks: tuple[Block, ...]

    @property
    def is_draft(self) -> bool:
        return any(isinstance(block, DraftBlock) for block in self.blocks)


SectionMaker = Callable[[Plan, Catalog], Sequence[Section]]


def recommendation(plan: Plan, catalog: Catalog) -> list[Section]:
    primary = plan.actions[0]
    return [
        Section(
            "recommendation",
            (
                Heading(f"{catalog.text('ui.recommendation')}: {primary.title}"),
                Paragraph(primary.why),
                Paragraph(primary.when, aside=True),
            ),
        )
    ]


def recommendation_short(plan: Plan, catalog: Catalog) -> list[Section]:
    """The recommendation without when to send (for a first look, or a shared summary)."""
    [section] = recommendation(plan, catalog)
    return [Section(section.name, section.blocks[:2])]


def why(plan: Plan, catalog: Catalog) -> list[Section]:
    return [
        Section(
            "why",
            (Heading(catalog.text("ui.why_this")), Bullets(tuple(Item(reason) for reason in plan.reasons))),
        )
    ]


def expectations(plan: Plan, catalog: Catalog) -> list[Section]:
    return [Section("expect", (Heading(catalog.text("ui.what_to_expect")), Lines(tuple(plan.expectations))))]


def also(plan: Plan, catalog: Catalog) -> list[Section]:
    others = plan.actions[1:]
    if not others:
        return []
    items = tuple(Item(action.why, title=action.title, aside=action.when) for action in others)
    return [Section("also", (Heading(catalog.text("ui.also")), Bullets(items)))]


def tips(plan: Plan, catalog: Catalog) -> list[Section]:
    if not plan.tips:
        return []
    items = tuple(Item(tip) for tip in plan.tips)
    return [Section("tips", (Heading(catalog.text("ui.tips")), Bullets(items)))]


def drafts(plan: Plan, catalog: Catalog) -> list[Section]:
    return [
        Section(
            "draft",
            (
                DraftBlock(
                    action.title,
                    action.when,
                    draft.channel,
                    draft.body,
                    draft.subject,
                    catalog.text("ui.subject"),
                    draft.label,
                ),
            ),
        )
        for action, draft in plan.drafts
    ]


def next_steps(plan: Plan, catalog: Catalog) -> list[Section]:
    if not plan.next_steps:
        return []
    items = tuple(Item(step) for step in plan.next_steps)
    return [Section("next_steps", (Heading(catalog.text("ui.next_steps")), Bullets(items)))]


ADVICE: tuple[SectionMaker, ...] = (recommendation, why, expectations, also, tips)
"""The advice: everything before the drafts."""
AFTER_ADVICE: tuple[SectionMaker, ...] = (drafts, next_steps)
"""The drafts, then what the person can do for themselves."""
SECTIONS: tuple[SectionMaker, ...] = ADVICE + AFTER_ADVICE
"""The whole plan, in reading order."""
FIRST_LOOK: tuple[SectionMaker, ...] = (recommendation_short, why)
"""What the recommendation step shows before the person goes on."""


def plan_document(plan: Plan, catalog: Catalog, sections: Sequence[SectionMaker] = SECTIONS) -> list[Section]:
    return [section for make in sections for section in make(plan, catalog)]


def answers_section(heading: str, path: Sequence[tuple[str, str]]) -> Section:
    """The answers that led to the plan, as "question: answer" bullets."""
    return Section(
        "answers",
        (Heading(heading), Bullets(tuple(Item(f"{question}: {answer}") for question, answer in path))),
    )
