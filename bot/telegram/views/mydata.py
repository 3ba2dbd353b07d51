"""/mydata: everything stored about a person, in words they understand (plain UTF-8 text that
opens anywhere). Complete: every field the store exports is said, none by its internal name.

Values in (the store's export as a plain mapping, the flow's words), text out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.engine import ChangeView, DetailView, Flow, QuestionView, RecommendView, ResultView, View
from bot.engine.model import Catalog
from bot.telegram.views.reminders import CHECK_IN, NUDGE, date_words

FILENAME = "my-data.txt"


def _where(view: View | None, catalog: Catalog) -> str:
    if isinstance(view, QuestionView):
        return catalog.text(
            "ui.tg_mydata_at_question", position=str(view.position), total=str(view.total), question=view.text
        )
    if isinstance(view, DetailView):
        return catalog.text("ui.tg_mydata_at_detail", question=view.prompt)
    if isinstance(view, RecommendView):
        return catalog.text("ui.tg_mydata_at_recommendation")
    if isinstance(view, ChangeView):
        return catalog.text("ui.tg_mydata_at_change")
    if isinstance(view, ResultView):
        return catalog.text("ui.tg_mydata_at_result")
    return catalog.text("ui.tg_mydata_at_old_guide")


def _answers(answers: Mapping[str, str], flow: Flow, catalog: Catalog) -> list[str]:
    lines = []
    for question, value in answers.items():
        known = any(q.id == question and value in q.options for q in flow.questions)
        if known:
            question, value = (
                catalog.text(f"questions.{question}.short"),
                catalog.text(f"questions.{question}.options.{value}"),
            )
        lines.append(f"  - {question}: {value}")
    return lines


def _details(details: Mapping[str, str], flow: Flow, catalog: Catalog) -> list[str]:
    known = {detail.id for detail in flow.details}
    return [
        f"  - {catalog.text(f'details.{name}.prompt') if name in known else name} {value}"
        for name, value in details.items()
    ]


def _given(
    title: str, answers: Mapping[str, str], details: Mapping[str, str], flow: Flow, catalog: Catalog
) -> list[str]:
    lines = [title]
    if answers:
        lines += [catalog.text("ui.tg_mydata_answers"), *_answers(answers, flow, catalog)]
    if details:
        lines += [catalog.text("ui.tg_mydata_details"), *_details(details, flow, catalog)]
    return lines


def mydata_text(
    exported: Mapping[str, Any],
    flow: Flow,
    catalog: Catalog,
    now: float,
    share_link: Callable[[str], str],
    view_of: Callable[[Mapping[str, Any]], View | None],
    followers: Mapping[str, tuple[Flow, Catalog]] | None = None,
) -> bytes:
    """The person's data as text. `view_of` says where a stored guide stands (None: an older
    guide), `share_link` turns a share code into the link people open; `followers` gives the
    words of the flows that follow the first one (after_reply), by flow id."""
    others = dict(followers or {})

    def words_of(flow_id: Any) -> tuple[Flow, Catalog]:
        return others.get(str(flow_id), (flow, catalog))

    def date(timestamp: Any) -> str:
        return date_words(int(timestamp), catalog, now)

    out = [catalog.text("ui.tg_mydata_title", date=date(now)), ""]
    chats: Sequence[Mapping[str, Any]] = exported.get("chats", [])
    result = exported.get("latest_result")
    shares: Sequence[Mapping[str, Any]] = exported.get("shares", [])
    reminders: Sequence[Mapping[str, Any]] = exported.get("reminders", [])
    replies: Sequence[Mapping[str, Any]] = exported.get("replies", [])
    if not (chats or result or shares or reminders or replies):
        return (catalog.text("ui.tg_mydata_nothing") + "\n").encode("utf-8")
    for chat in chats:
        out.append(
            catalog.text("ui.tg_mydata_chat", first=date(chat["created_at"]), last=date(chat["updated_at"]))
        )
        if chat.get("blocked"):
            out.append(catalog.text("ui.tg_mydata_blocked"))
        if chat.get("language") or chat.get("time_zone"):  # /language, /timezone
            out.append(
                catalog.text(
                    "ui.tg_mydata_preferences",
                    # the language's own name ("Русский") when it is the one this file is in
                    language=(
                        catalog.text("ui.tg_language_name")
                        if chat.get("language") == catalog.language
                        else chat.get("language") or "-"
                    ),
                    zone=chat.get("time_zone") or "-",
                )
            )
        session = chat.get("session")
        if session is None:
            out.append(catalog.text("ui.tg_mydata_no_guide"))
        else:
            session_flow, session_words = words_of(session.get("flow"))
            out += _given(
                catalog.text(
                    "ui.tg_mydata_guide",
                    runs=str(session.get("run", 1)),
                    where=_where(view_of(session), catalog),
                ),
                session.get("answers", {}),
                session.get("details", {}),
                session_flow,
                session_words,
            )
            skipped = [name for name in session.get("asked", []) if name not in session.get("details", {})]
            if skipped:
                known = {detail.id for detail in session_flow.details}
                out.append(catalog.text("ui.tg_mydata_skipped"))
                out += [
                    f"  - {session_words.text(f'details.{n}.prompt') if n in known else n}" for n in skipped
                ]
            out.append(
                catalog.text(
                    "ui.tg_mydata_bookkeeping",
                    taps=str(session.get("step", 0)),
                    steps=str(len(session.get("history", []))),
                )
            )
        if chat.get("current_message_id") is not None:
            out.append(catalog.text("ui.tg_mydata_message"))
        out.append("")
    if result:
        out += _given(
            catalog.text("ui.tg_mydata_result", date=date(result["saved_at"])),
            result.get("answers", {}),
            result.get("details", {}),
            flow,
            catalog,
        )
        out.append("")
    if shares:
        out.append(catalog.text("ui.tg_mydata_shares"))
        out += [
            "  - "
            + catalog.text(
                "ui.tg_mydata_share", link=share_link(str(shared["code"])), date=date(shared["created_at"])
            )
            for shared in shares
        ]
        out.append("")
    if reminders:
        out.append(catalog.text("ui.tg_mydata_reminders"))
        for reminder in reminders:
            content = reminder.get("payload", {})
            kind = NUDGE if content.get("kind") == NUDGE else CHECK_IN
            state = catalog.text(f"ui.tg_mydata_reminder_{reminder.get('state', 'pending')}")
            outcome = reminder.get("outcome")
            if outcome:
                state += " · " + catalog.text(f"ui.tg_outcome_{outcome}")
            about = f" ({content['about']})" if content.get("about") else ""
            out.append(
                f"  - {date(reminder['due_at'])}: {catalog.text(f'ui.tg_reminder_kind_{kind}')}{about}"
                f" · {state}"
            )
            if content.get("subject"):
                out.append(f"    {catalog.text('ui.subject')}: {content['subject']}")
            out += [f"    {line}" for line in str(content.get("body", "")).splitlines()]
        out.append("")
    if replies:
        out.append(catalog.text("ui.tg_mydata_replies"))
        for reply in replies:
            answered = reply.get("answers_result", {})
            reply_flow, reply_words = words_of(reply.get("flow"))
            out.append(
                "  "
                + catalog.text(
                    "ui.tg_mydata_reply",
                    date=date(reply["saved_at"]),
                    plan_date=date(answered.get("saved_at", reply["saved_at"])),
                )
            )
            out += [f"  {line}" for line in _answers(reply.get("answers", {}), reply_flow, reply_words)]
            out += [f"  {line}" for line in _details(reply.get("details", {}), reply_flow, reply_words)]
            out += [f"    {line.strip()}" for line in _answers(answered.get("answers", {}), flow, catalog)]
        out.append("")
    out.append(catalog.text("ui.tg_mydata_forget"))
    return ("\n".join(out).rstrip() + "\n").encode("utf-8")
