"""The guide as a terminal chat: renders engine views as text and reads one line per turn.

Works the same on a TTY and on piped input, so a whole conversation can be scripted. Text
is wrapped to the terminal's width without splitting a word; `s` (or `chat --save DIR`)
writes the plan and each draft to files, ready to copy.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Mapping
from pathlib import Path
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
    document,
)
from bot.engine.document import Bullets, Heading, Lines, Paragraph, Section, plan_document
from bot.engine.model import Catalog

RULE = "-" * 60
DEFAULT_SAVE_DIR = "reconsider-plan"


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
            lines += [
                f"  - {item.title}: {item.text} ({item.aside})" if item.title else f"  - {item.text}"
                for item in block.items
            ]
        else:
            label = [f"[{block.label}]"] if block.label else []
            lines += [RULE, f"{block.title} ({block.when})", *label, RULE]
            if block.subject:
                lines += [f"{block.subject_label}: {block.subject}", ""]
            lines.append(block.body)
    return lines


ADVICE_PART = (document.recommendation, document.why, document.expectations, document.also)
RESULT_PART = (document.tips, document.drafts, document.next_steps)


def render_plan(plan: Plan, catalog: Catalog, with_drafts: bool = True, with_advice: bool = True) -> str:
    """The plan as plain text: the advice (unless already shown), then tips, drafts, next steps."""
    makers = (ADVICE_PART if with_advice else ()) + (RESULT_PART if with_drafts else ())
    sections = plan_document(plan, catalog, makers)
    last_draft = max((i for i, section in enumerate(sections) if section.is_draft), default=None)
    lines: list[str] = []
    for index, section in enumerate(sections):
        lines += ([""] if index else []) + _plain(section)
        if index == last_draft:
            lines.append(RULE)
    return "\n".join(lines).strip("\n")


def wrap(text: str, width: int) -> str:
    """Each line wrapped to `width`, continuing with the line's indent; words never split."""
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        if line.lstrip().startswith("- "):
            indent += "  "
        out += textwrap.wrap(
            line, width=width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
        )
    return "\n".join(out)


def render(view: View, catalog: Catalog, advice_shown: bool = False) -> str:
    """The text a terminal user sees for one view, ending with the keys that work there."""
    back = catalog.text("ui.terminal_back_restart")
    if isinstance(view, QuestionView):
        lines = [view.notice, ""] if view.notice else []
        lines.append(f"[{view.position}/{view.total}] {view.text}")
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
    plan_text = render_plan(view.plan, catalog, with_advice=not advice_shown)
    return "\n".join([plan_text, "", catalog.text("ui.terminal_result")])


def hint_for(view: View, catalog: Catalog) -> str:
    """What to type here, after an input that meant nothing on this screen."""
    if isinstance(view, RecommendView):
        return catalog.text("ui.terminal_unknown_proceed")
    if isinstance(view, ResultView):
        return catalog.text("ui.terminal_unknown_result")
    return catalog.text("ui.terminal_unknown")


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


def save_plan(plan: Plan, catalog: Catalog, directory: Path) -> list[Path]:
    """plan.txt (the whole plan) and one file per draft, exactly as they would be sent."""
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "plan.txt"]
    written[0].write_text(render_plan(plan, catalog) + "\n", encoding="utf-8")
    for number, (action, draft) in enumerate(plan.drafts, 1):
        path = directory / f"{number}-{action.approach}.txt"
        head = f"{catalog.text('ui.subject')}: {draft.subject}\n\n" if draft.subject else ""
        path.write_text(head + draft.body + "\n", encoding="utf-8")
        written.append(path)
    return written


def run_chat(
    guide: Guide,
    stdin: TextIO,
    stdout: TextIO,
    language: str | None = None,
    save_dir: Path | None = None,
    width: int | None = None,
    carried: Mapping[str, str] | None = None,
) -> int:
    """Talk until the input ends or the user types q. Returns the exit code.

    `carried`: details given before (for a flow that follows another), not asked again."""
    columns = width or max(40, min(shutil.get_terminal_size((100, 24)).columns, 120))
    turn = guide.start(language, carried=carried)
    catalog = guide.catalog(turn.session.language)

    def say(text: str) -> None:
        stdout.write(wrap(text, columns) + "\n> ")
        stdout.flush()

    # A flow that answers a result opens with its own question, which greets.
    welcome = catalog.text("ui.terminal_welcome") + "\n\n" if guide.flow.follows is None else ""
    say(welcome + render(turn.view, catalog))
    session, view = turn.session, turn.view
    advice_shown = False
    for line in stdin:
        lowered = line.strip().lower()
        if lowered == "q":
            break
        if lowered == "s" and isinstance(view, ResultView):
            written = save_plan(view.plan, catalog, save_dir or Path(DEFAULT_SAVE_DIR))
            say(catalog.text("ui.terminal_saved", where=str(written[0].parent)))
            continue
        event = parse(line, view)
        if event is None:
            say(hint_for(view, catalog))
            continue
        try:
            turn = guide.handle(session, event)
        except InvalidMove:
            say(hint_for(view, catalog))
            continue
        session, view = turn.session, turn.view
        if isinstance(event, Restart | Back | Revise):
            advice_shown = False
        stdout.write("\n")
        say(render(view, catalog, advice_shown=advice_shown))
        advice_shown = isinstance(view, RecommendView) or (advice_shown and not isinstance(view, ResultView))
    if save_dir is not None and isinstance(view, ResultView):
        written = save_plan(view.plan, catalog, save_dir)
        stdout.write("\n" + wrap(catalog.text("ui.terminal_saved", where=str(written[0].parent)), columns))
    stdout.write("\n" + catalog.text("ui.terminal_bye") + "\n")
    return 0
