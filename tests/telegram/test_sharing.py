"""Sharing and export end to end: inline mode, share links opened by a second person, /forget
revoking them, and the plan as files; through the fake Bot API with a real SQLite file."""

from __future__ import annotations

import json
import re
from email import message_from_bytes, policy
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.engine import Guide
from bot.telegram.views.share import code_from_start
from tests.fakebotapi import ChatMessage, parse_html
from tests.telegram.conftest import Person, RunningBot
from tests.telegram.walking import walk

FINAL = {
    "stage": "final",
    "role_status": "unknown",
    "time_since": "recent",
    "feedback": "vague",
    "new_material": "none",
    "contact": "strong",
    "goal": "this_role",
}
DETAILS = {
    "your_name": "Alexandra Quill",
    "recipient_name": "Dana Rook",
    "company": "Zoë & Co",
    "role": "Data Analyst",
    "contact_name": "Sam Vetch",
}
PRIVATE = ("Alexandra", "Quill", "Dana", "Rook", "Zoë", "Data Analyst", "Sam Vetch")


def without_private_words(text: str) -> bool:
    return not any(word in text for word in PRIVATE)


async def inline_answer(bot: RunningBot, person: Person, query: str = "") -> dict[str, Any]:
    """The parameters of the bot's answerInlineQuery to a new inline query from `person`."""
    query_id = person.user.inline_query(query)["inline_query"]["id"]

    def answered() -> dict[str, Any] | None:
        calls = [
            c
            for c in bot.fake.calls_of("answerInlineQuery")
            if c.params.get("inline_query_id") == query_id and c.status == 200
        ]
        return calls[0].params if calls else None

    return await bot.fake.wait_for(answered, what=f"the answer to inline query {query_id}")


def article_text(result: dict[str, Any]) -> str:
    content = result["input_message_content"]
    assert content["parse_mode"] == "HTML"
    return parse_html(content["message_text"])[0]


def share_link(message: ChatMessage) -> str:
    """The deep link inside the /share message's t.me/share/url button."""
    url = next(b.data for row in message.buttons for b in row if b.kind == "url")
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("t.me", "/share/url")
    query = parse_qs(parts.query)
    assert query["text"][0]
    return query["url"][0]


async def test_inline_mode_answers_with_the_latest_plan_after_a_restart_and_a_new_guide(
    running_bot: RunningBot, guide: Guide
) -> None:
    fake, ann = running_bot.fake, running_bot.person()
    await walk(guide, ann, FINAL, DETAILS)
    await running_bot.restart()
    await ann.send("/start", expect="1/7")  # a new guide: the finished one stays shareable
    answer = await inline_answer(running_bot, ann)
    assert answer["is_personal"] is True and 0 <= answer["cache_time"] <= 10
    results = answer["results"]
    assert 1 <= len(results) <= 50
    assert all(1 <= len(r["id"].encode()) <= 64 for r in results)
    assert [r["title"] for r in results] == ["My plan", "My plan with the draft"]
    summary = guide.plan_for(FINAL, {}, "en")
    full = guide.plan_for(FINAL, DETAILS, "en")
    plan_text, draft_text = article_text(results[0]), article_text(results[1])
    assert summary.actions[0].title in plan_text and "After the final round" in plan_text
    assert all(reason in plan_text for reason in summary.reasons)
    assert without_private_words(plan_text) and without_private_words(json.dumps(results[0]))
    primary_draft = dict((a.approach, d) for a, d in full.drafts)[full.primary]
    assert primary_draft.body in draft_text and "Zoë & Co" in draft_text  # the person chose it
    own = results[0]["reply_markup"]["inline_keyboard"][0][0]
    assert own["url"] == f"https://t.me/{fake.bot_user['username']}?start=inline"
    assert fake.violations == []


async def test_inline_mode_without_a_result_offers_to_start(polling_bot: RunningBot) -> None:
    bob = polling_bot.person(2002, "Bob")
    answer = await inline_answer(polling_bot, bob, "anything")
    assert answer["is_personal"] is True
    assert answer["button"]["start_parameter"] == "inline" and answer["button"]["text"]
    [offer] = answer["results"]
    assert "job rejection" in article_text(offer) and offer["reply_markup"]["inline_keyboard"][0][0]["url"]
    await bob.send("/start inline", expect="1/7")  # the button's deep link simply begins
    assert polling_bot.fake.violations == []


async def test_a_share_link_shows_a_second_person_the_path_but_nothing_personal(
    polling_bot: RunningBot, guide: Guide
) -> None:
    fake, ann, bob = polling_bot.fake, polling_bot.person(), polling_bot.person(2002, "Bob")
    await walk(guide, ann, FINAL, DETAILS)
    [message] = await ann.send("/share", expect="Share your plan")
    assert [b.kind for row in message.buttons for b in row] == ["switch_inline_query_chosen_chat", "url"]
    link = share_link(message)
    username = fake.bot_user["username"]
    match = re.fullmatch(rf"https://t\.me/{username}\?start=([A-Za-z0-9_-]{{1,64}})", link)
    assert match is not None and without_private_words(link)
    parameter = match.group(1)
    code = code_from_start(parameter)
    assert code is not None and len(code) >= 12
    [again] = await ann.send("/share", expect="Share your plan")
    assert share_link(again) == link  # one link per path

    shown = await bob.send(f"/start {parameter}", expect="Someone shared")
    text = "\n".join(m.text for m in shown)
    summary = guide.plan_for(FINAL, {}, "en")
    assert summary.actions[0].title in text and "After the final round" in text
    assert without_private_words(text)
    assert "<pre>" not in "".join(m.html or "" for m in shown)  # no draft
    assert await polling_bot.store.load_chat(bob.id) is None  # nothing started for Bob yet
    await bob.tap("Start my own guide", expect="1/7")
    record = await polling_bot.store.load_chat(bob.id)
    assert record is not None and record.session is not None and record.session["answers"] == {}
    assert fake.violations == [] and fake.unanswered_callback_queries() == []


async def test_forget_revokes_links_inline_answers_and_exports(polling_bot: RunningBot, guide: Guide) -> None:
    fake, ann, bob = polling_bot.fake, polling_bot.person(), polling_bot.person(2002, "Bob")
    await walk(guide, ann, FINAL, DETAILS)
    [message] = await ann.send("/share", expect="Share your plan")
    parameter = share_link(message).rpartition("start=")[2]
    await ann.send("/mydata", expect="in plain words")
    words = fake.uploads[-1].content.decode("utf-8")
    assert f"start={parameter}" in words and "kept for /share and /export" in words
    assert all(value in words for value in DETAILS.values())
    stored = await polling_bot.store.export_user(ann.id)  # what /mydata tells, as stored
    assert stored["latest_result"]["details"] == DETAILS
    assert [s["answers"] for s in stored["shares"]] == [FINAL]
    assert "details" not in stored["shares"][0]

    await ann.send("/forget", expect="share links")
    await ann.tap("Yes, erase it")
    assert await polling_bot.store.load_result(ann.id) is None
    await bob.send(f"/start {parameter}", expect="doesn't work any more")
    await bob.send("/start share_NoSuchCode123", expect="doesn't work any more")
    answer = await inline_answer(polling_bot, ann)
    assert answer["button"]["start_parameter"] == "inline"
    await ann.send("/export", expect="finished plan yet")
    await ann.send("/share", expect="finished plan yet")
    assert fake.violations == [] and fake.unanswered_callback_queries() == []


async def test_export_sends_one_document_and_the_emails_on_its_button(
    polling_bot: RunningBot, guide: Guide
) -> None:
    fake, ann = polling_bot.fake, polling_bot.person()
    await ann.send("/export", expect="finished plan yet")
    await walk(guide, ann, FINAL, DETAILS)
    assert fake.uploads == []
    await polling_bot.restart()
    await ann.send("/restart", expect="1/7")
    mark = ann.mark()
    await ann.send("/export", expect="one file that opens anywhere")
    names = [m.document["file_name"] for m in ann.since(mark) if m.document]
    assert names == ["plan.txt"]  # one document; the .eml files come on its button
    await ann.tap("Email drafts as .eml files", expect="start an email draft")
    files = {u.filename: u.content for u in fake.uploads}
    plan = guide.plan_for(FINAL, DETAILS, "en")
    emails = [(a, d) for a, d in plan.drafts if d.channel == "email"]
    names = [m.document["file_name"] for m in ann.since(mark) if m.document]
    assert names[0] == "plan.txt" and len(names) == len(emails) + 1
    markdown = files["plan.txt"].decode("utf-8")
    assert markdown.startswith("# My plan")
    assert f"## Recommended: {plan.actions[0].title}" in markdown
    assert "- Stage: After the final round" in markdown
    for action, draft in plan.drafts:
        assert f"## {action.title}" in markdown and f"```text\n{draft.body}\n```" in markdown
    for name in names[1:]:
        parsed = message_from_bytes(files[name], policy=policy.default)
        assert parsed["X-Unsent"] == "1" and "Alexandra Quill" in parsed.get_content()
    assert "Alexandra Quill" in markdown
    assert fake.violations == []
