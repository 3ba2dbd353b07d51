"""Rendering views to Telegram HTML and keyboards: escaping, splitting, payloads, closing."""

from __future__ import annotations

import itertools

import pytest

from bot.engine import Answer, ChangeAnswer, GiveDetail, Guide, Proceed, ResultView, Revise, SkipDetail
from bot.engine.session import Session
from bot.telegram import buttons as callbacks
from bot.telegram.buttons import Act
from bot.telegram.views.html import MAX_TEXT, Document, Text, split_html, utf16_len
from bot.telegram.views.steps import render_closed, render_view
from tests.fakebotapi import parse_html

# A feedback question to a known recruiter, with a contact and future roles in view: every
# kind of draft block (reply in thread, contact message, the nudge) and a default reminder.
FINAL = {
    "stage": "interview",
    "role_status": "unknown",
    "time_since": "recent",
    "feedback": "vague",
    "new_material": "none",
    "contact": "strong",
    "goal": "future",
}


def to_result(guide: Guide, details: dict[str, str]) -> Session:
    turn = guide.start("en")
    while not isinstance(turn.view, ResultView):
        view = turn.view
        if view.kind == "question":
            turn = guide.handle(turn.session, Answer(FINAL[view.question]))  # type: ignore[union-attr]
        elif view.kind == "recommend":
            turn = guide.handle(turn.session, Proceed())
        else:
            given = details.get(view.detail)  # type: ignore[union-attr]
            turn = guide.handle(turn.session, GiveDetail(given) if given else SkipDetail())
    return turn.session


def every_session(guide: Guide) -> list[Session]:
    """One session at every step of a full run, plus the change screen."""
    sessions = []
    turn = guide.start("en")
    sessions.append(turn.session)
    while not isinstance(turn.view, ResultView):
        view = turn.view
        if view.kind == "question":
            turn = guide.handle(turn.session, Answer(FINAL[view.question]))  # type: ignore[union-attr]
        elif view.kind == "recommend":
            turn = guide.handle(turn.session, Proceed())
        else:
            turn = guide.handle(turn.session, GiveDetail('Zoë <Acme> & "Sons" 🎉'))
        sessions.append(turn.session)
    sessions.append(guide.handle(turn.session, ChangeAnswer()).session)
    return sessions


def test_every_message_is_valid_telegram_html_and_every_button_fits(guide: Guide) -> None:
    catalog = guide.catalog("en")
    for session in every_session(guide):
        for out in render_view(guide.view(session), session, catalog, notice="Heads up <3"):
            if isinstance(out, Document):
                parse_html(out.caption)
                continue
            text, _ = parse_html(out.html)  # raises on broken markup
            assert utf16_len(text) <= MAX_TEXT
            for button in itertools.chain.from_iterable(out.keyboard.inline_keyboard if out.keyboard else []):
                if button.callback_data is not None:
                    data = str(button.callback_data)
                    assert len(data.encode()) <= callbacks.MAX_BYTES
                    payload = callbacks.decode(data)
                    assert payload is not None
                    assert (payload.run, payload.step) == (session.run, session.step)


def test_user_text_is_escaped_and_comes_back_verbatim(guide: Guide) -> None:
    name = "<b>&\"' 🎉 Émile & Co"
    session = to_result(guide, {"company": name, "your_name": "</pre><i>x"})
    messages = render_view(guide.view(session), session, guide.catalog("en"))
    pres = []
    for out in messages:
        if isinstance(out, Text):
            text, entities = parse_html(out.html)
            pres += [text for e in entities if e["type"] == "pre"]
            assert "<b>&" not in out.html  # escaped in the source...
    assert any(name in text for text in pres)  # ...and verbatim for the reader
    assert any("</pre><i>x" in text for text in pres)


def test_result_has_drafts_in_pre_no_files_and_the_result_buttons(guide: Guide) -> None:
    session = to_result(guide, {})
    out = render_view(guide.view(session), session, guide.catalog("en"))
    assert not any(isinstance(o, Document) for o in out)  # files only on request (Export)
    last = out[-1]
    assert isinstance(last, Text) and last.keyboard is not None
    buttons = [b for row in last.keyboard.inline_keyboard for b in row]
    assert [b.text for b in buttons] == [
        "Change an answer",
        "Start over",
        "Share",
        "Export",
        "⏰ Remind me in 6 business days",
        "Other delays…",
    ]
    chats = buttons[2].switch_inline_query_chosen_chat
    assert chats is not None and chats.allow_user_chats and chats.allow_group_chats
    actions = [callbacks.decode(str(b.callback_data)).action for b in buttons[:2] + buttons[3:]]  # type: ignore[union-attr]
    assert actions == [Act.CHANGE, Act.RESTART, Act.EXPORT, Act.REMIND, Act.DELAYS]
    assert sum(1 for o in out if isinstance(o, Text) and o.keyboard) == 1  # one live keyboard


def test_answered_question_shows_the_choice(guide: Guide) -> None:
    turn = guide.start("en")
    closed = render_closed(turn.view, Answer("final"), guide.catalog("en"))
    assert closed is not None and "1/7" in closed and "✓ <b>After the final round</b>" in closed
    assert render_closed(turn.view, Revise("stage"), guide.catalog("en")) is None


@pytest.mark.parametrize("limit", [60, 200, MAX_TEXT])
def test_long_text_is_split_at_paragraphs_with_tags_kept_balanced(limit: int) -> None:
    paragraphs = [f"<b>Part {i}</b>\n" + "word &amp; 🎉 " * (limit // 40 + 3) for i in range(12)]
    source = "\n\n".join(paragraphs) + "\n\n<pre>" + "line of a draft\n" * (limit // 8) + "</pre>"
    chunks = split_html(source, limit)
    assert len(chunks) > 1
    rebuilt = []
    for chunk in chunks:
        text, _ = parse_html(chunk)  # balanced tags, whole entities
        assert utf16_len(chunk) <= limit
        rebuilt.append(text)
    original, _ = parse_html(source)
    assert "".join(rebuilt).replace("\n", "").replace(" ", "") == original.replace("\n", "").replace(" ", "")


def test_paragraphs_are_kept_whole_when_they_fit() -> None:
    first, second = "a" * 3000, "b" * 3000
    assert split_html(f"{first}\n\n{second}") == [first, second]
    assert split_html("short") == ["short"]


def test_one_unbroken_word_is_cut_anyway() -> None:
    chunks = split_html("<i>" + "x" * 9000 + "</i>")
    assert [len(parse_html(c)[0]) for c in chunks] == [4089, 4089, 822]
