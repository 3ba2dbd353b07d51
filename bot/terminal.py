"""The guide as a terminal chat: renders engine views as text and reads one line per turn.

Works the same on a TTY and on piped input, so a whole conversation can be scripted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from bot.engine import (
    Answer,
    Back,
    ChangeAnswer,
    ChangeView,
    DetailView,
    Event,
    GiveDetail,
    Guide,
    InvalidMove,
    Plan,
    Proceed,
    QuestionView,
    RecommendView,
    Restart,
    ResultView,
    Revise,
    SkipDetail,
    View,
)
from bot.engine.document import Bullets, Heading, Lines, Paragraph, Section, plan_document
from bot.engine.model import Catalog

RULE = "-" * 60


def _plain(section: Section) -> list[str]:
    """One section of the plan document as terminal lines (a side note is left out)."""
    lines: list[str] = []
    listed = any(isinstance(block, Bullets | Lines) for block in section.blocks)
    for block in section.blocks:
        if isinstance(block, Heading):
            lines.append(block.text + (":" if listed else ""))
        elif isinstance(block, Paragraph):
            lines += [] if block.aside else ["", block.text]
        elif isinstance(block, Lines):
            lines += [f"  {line}" for line in block.items]
        elif isinstance(block, Bullets):
            lines += [f"  - {item.title}: {item.text} ({item.aside})" if item.title else f"  - {item.text}"
                      for item in block.items]
        else:
            lines += [RULE, f"{block.title} ({block.when})", RULE]
            if block.subject:
                lines += [f"{block.subject_label}: {block.subject}", ""]
            lines.append(block.body)
    return lines


def render_plan(plan: Plan, catalog: Catalog, with_drafts: bool = True) -> str:
    sections = [s for s in plan_document(plan, catalog) if with_drafts or not s.is_draft]
    lines: list[str] = []
    for index, section in enumerate(sections):
        lines += ([""] if index else []) + _plain(section)
    if any(section.is_draft for section in sections):
        lines.append(RULE)
    return "\n".join(lines)


def render(view: View, catalog: Catalog) -> str:
    """The text a terminal user sees for one view, ending with what they can type."""
    back = catalog.text("ui.terminal_back_restart")
    if isinstance(view, QuestionView):
        lines = [f"[{view.position}/{view.total}] {view.text}"]
        if view.hint:
            lines.append(f"    {view.hint}")
        for number, choice in enumerate(view.choices, 1):
            marker = "*" if choice.selected else " "
            lines.append(f" {marker}{number}. {choice.label}")
        lines.append(catalog.text("ui.terminal_pick") + "  " + back)
        return "\n".join(lines)
    if isinstance(view, DetailView):
        lines = []
        if view.error:
            lines.append(view.error)
        lines.append(f"[{view.position}/{view.total}] {view.prompt}")
        if view.hint:
            lines.append(f"    {view.hint}")
        if view.current:
            lines.append("    " + catalog.text("ui.terminal_current", value=view.current))
        lines.append(catalog.text("ui.terminal_detail") + "  " + back)
        return "\n".join(lines)
    if isinstance(view, RecommendView):
        body = render_plan(view.plan, catalog, with_drafts=False)
        return "\n".join([view.intro, "", body, "", catalog.text("ui.terminal_proceed") + "  " + back])
    if isinstance(view, ChangeView):
        lines = [view.text]
        lines += [f"  {number}. {choice.label}" for number, choice in enumerate(view.choices, 1)]
        lines.append(catalog.text("ui.terminal_pick") + "  " + back)
        return "\n".join(lines)
    return "\n".join([render_plan(view.plan, catalog), catalog.text("ui.terminal_result")])


def parse(line: str, view: View) -> Event | None:
    """The event a typed line stands for, or None when it means nothing here."""
    text = line.strip()
    lowered = text.lower()
    if lowered == "b":
        return Back()
    if lowered == "r":
        return Restart()
    if isinstance(view, QuestionView | ChangeView):
        if text.isdigit() and 1 <= int(text) <= len(view.choices):
            value = view.choices[int(text) - 1].value
            return Answer(value) if isinstance(view, QuestionView) else Revise(value)
        return None
    if isinstance(view, DetailView):
        return GiveDetail(line.rstrip("\n")) if text else SkipDetail()
    if isinstance(view, RecommendView):
        return Proceed() if lowered in ("", "y", "yes") else None
    if isinstance(view, ResultView) and lowered == "c":
        return ChangeAnswer()
    return None


def run_chat(
    guide: Guide,
    stdin: TextIO,
    stdout: TextIO,
    language: str | None = None,
    carried: Mapping[str, str] | None = None,
) -> int:
    """Talk until the input ends or the user types q. Returns the exit code.

    `carried`: details given before (for a flow that follows another), not asked again."""
    turn = guide.start(language, carried=carried)
    catalog = guide.catalog(turn.session.language)
    if guide.flow.follows is None:  # a flow that answers a result opens with its own question
        stdout.write(catalog.text("ui.terminal_welcome") + "\n\n")
    session, view = turn.session, turn.view
    stdout.write(render(view, catalog) + "\n> ")
    stdout.flush()
    for line in stdin:
        if line.strip().lower() == "q":
            break
        event = parse(line, view)
        if event is None:
            stdout.write(catalog.text("ui.terminal_unknown") + "\n> ")
            stdout.flush()
            continue
        try:
            turn = guide.handle(session, event)
        except InvalidMove:
            stdout.write(catalog.text("ui.terminal_unknown") + "\n> ")
            stdout.flush()
            continue
        session, view = turn.session, turn.view
        stdout.write("\n" + render(view, catalog) + "\n> ")
        stdout.flush()
    stdout.write("\n" + catalog.text("ui.terminal_bye") + "\n")
    return 0
