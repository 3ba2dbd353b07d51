"""Sharing and export as values: codes and links, valid HTML within Telegram's limits for many
answer paths, nothing personal in what leaves the chat, and readable Markdown."""

from __future__ import annotations

import dataclasses
import itertools
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.engine import Action, Draft, Guide
from bot.telegram import buttons as callbacks
from bot.telegram.buttons import Act
from bot.telegram.views.export import plan_markdown
from bot.telegram.views.html import MAX_TEXT, Text, utf16_len
from bot.telegram.views.share import (
    answer_path,
    code_from_start,
    deep_link,
    inline_plan_results,
    new_code,
    share_message,
    share_parameter,
    share_url,
    shared_messages,
)
from tests.fakebotapi import parse_html

DETAILS = {
    "your_name": "Ann <Lee>",
    "recipient_name": "Dana & Co",
    "company": "Zoë </pre>",
    "role": "Analyst",
    "strength": "SQL",
    "topic": "dashboards",
    "material": "a case study",
    "gap": "Python",
    "contact_name": "Sam",
}


def test_codes_are_unguessable_and_fit_a_start_parameter() -> None:
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        parameter = share_parameter(code)
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", parameter) and len(code) >= 12
        assert code_from_start(parameter) == code


@pytest.mark.parametrize(
    "argument", ["group", "inline", "share_", "share_a b", "share_é", "x" * 65, "share_" + "a" * 60]
)
def test_other_start_arguments_are_no_share_codes(argument: str) -> None:
    assert code_from_start(argument) is None


def test_the_share_url_carries_the_deep_link_and_text_intact() -> None:
    link = deep_link("some_bot", "share_Ab-_9")
    url = share_url(link, "My plan & more: ?=#")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("https://t.me/share/url?")
    assert query == {"url": ["https://t.me/some_bot?start=share_Ab-_9"], "text": ["My plan & more: ?=#"]}


def sample_paths(guide: Guide, every: int = 41) -> list[dict[str, str]]:
    questions = guide.flow.questions
    combos = itertools.product(*(q.options for q in questions))
    return [
        dict(zip((q.id for q in questions), combo, strict=True))
        for index, combo in enumerate(combos)
        if index % every == 0
    ]


def test_shared_and_inline_messages_are_valid_html_without_details(guide: Guide) -> None:
    catalog = guide.catalog("en")
    for answers in sample_paths(guide):
        summary = guide.plan_for(answers, {}, "en")
        full = guide.plan_for(answers, DETAILS, "en")
        path = answer_path(guide.flow, answers, catalog)
        [shown] = shared_messages(summary, path, catalog)
        assert isinstance(shown, Text) and shown.keyboard is not None
        data = shown.keyboard.inline_keyboard[0][0].callback_data
        payload = callbacks.decode(str(data))
        assert payload is not None and payload.action == Act.OWN_GUIDE
        results = inline_plan_results(summary, full, path, catalog, "some_bot", 1_700_000_000)
        assert len(results) == 1 + bool(full.drafts)
        for html in [shown.html, *(r.input_message_content.message_text for r in results)]:  # type: ignore[union-attr]
            text, _ = parse_html(html)
            assert utf16_len(text) <= MAX_TEXT
        for html in (shown.html, results[0].input_message_content.message_text):  # type: ignore[union-attr]
            assert not any(value in html for value in ("Ann", "Dana", "Zoë", "Sam", "SQL", "case study"))


def test_the_share_message_offers_the_chat_picker_and_a_link(guide: Guide) -> None:
    [message] = share_message(guide.catalog("en"), deep_link("some_bot", "share_abc"))
    assert isinstance(message, Text) and message.keyboard is not None
    picker, link = (row[0] for row in message.keyboard.inline_keyboard)
    assert picker.switch_inline_query_chosen_chat is not None
    assert link.url is not None and "start%3Dshare_abc" in link.url


def test_markdown_fences_survive_backticks_in_a_draft(guide: Guide) -> None:
    plan = guide.plan_for({"stage": "final"}, {}, "en")
    body = "Hi,\n```\ncode\n````\nBye"
    action = Action("request_feedback", "Title", "why", "when", Draft("email", "Subj", body))
    odd = dataclasses.replace(plan, actions=(action,))
    markdown = plan_markdown(odd, [], guide.catalog("en"))
    assert f"`````text\n{body}\n`````" in markdown and "Subject: Subj" in markdown
