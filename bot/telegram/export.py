"""Export: a plan as files on request (/export, the Export button): `plan.md` with everything,
an `.eml` per email draft and `messages.txt`. Pure: values in, `Document`s out."""

from __future__ import annotations

import re

from bot.engine import Plan
from bot.engine.model import Catalog
from bot.telegram import files
from bot.telegram.render import MAX_CAPTION, Document, esc

PLAN_FILE = "plan.md"


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
    """plan.md, then an .eml per email draft, then every draft in messages.txt."""
    caption = esc(catalog.text("ui.tg_export_caption"))[:MAX_CAPTION]
    out = [Document(PLAN_FILE, plan_markdown(plan, path, catalog).encode("utf-8"), caption)]
    drafts = plan.drafts
    for action, draft in drafts:
        if draft.channel == "email":
            eml_caption = esc(catalog.text("ui.tg_eml_caption", title=action.title))[:MAX_CAPTION]
            out.append(Document(f"{files.file_stem(action)}.eml", files.eml_bytes(draft), eml_caption))
    if drafts:
        out.append(Document("messages.txt", files.drafts_text(drafts, catalog.text("ui.subject")),
                            esc(catalog.text("ui.tg_txt_caption"))[:MAX_CAPTION]))
    return out
