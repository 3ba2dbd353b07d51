"""The tone check in Telegram, end to end through the fake Bot API: /check and its prompt,
the offer under a long text, and what either does (and does not do) to the guide."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import run_bot as main
from bot.engine import Guide
from bot.engine.tone import Finding
from bot.settings import Settings
from bot.storage import SQLiteStore
from bot.telegram.views import tone as tonecheck
from bot.telegram.views.html import MAX_TEXT, Text, utf16_len
from tests.conftest import FLOWS
from tests.fakebotapi import ChatMessage, FakeBotAPI
from tests.telegram.conftest import Person, RunningBot, settings_for
from tests.telegram.walking import walk

PROMPT = "as a reply to this one"
FOUND = "Worth a second look"
CLEAN = "Nothing to flag"
OFFER = "Is this a message you're about to send?"
PROBLEMATIC = (
    "Dear Ms. Ortiz,\n\nWhy did you reject me? I really need this job!! "
    "Thanks for the form letter, by the way.\n\nSam"
)
POLITE = (
    "Dear Ms. Ortiz,\n\nThank you for letting me know, and for the time the team spent with me. "
    "I enjoyed our conversation about the churn model, and I'd be glad to be considered for "
    "future roles.\n\nBest regards,\nSam"
)
FINAL = {
    "stage": "final",
    "role_status": "unknown",
    "time_since": "recent",
    "feedback": "vague",
    "new_material": "none",
    "contact": "none",
    "goal": "this_role",
}


async def prompt(person: Person) -> ChatMessage:
    [message] = await person.send("/check", expect=PROMPT)
    assert message.force_reply is not None
    assert message.force_reply["input_field_placeholder"] == "Paste your draft here"
    return message


def text_of(messages: list[ChatMessage]) -> str:
    return "\n\n".join(message.text for message in messages)


async def test_check_then_a_reply_lists_each_passage_with_why_and_a_gentler_line(
    running_bot: RunningBot,
) -> None:
    ann = running_bot.person()
    question = await prompt(ann)
    result = await ann.reply(question.message_id, PROBLEMATIC, expect=FOUND)
    draft_id = ann.last_update["message"]["message_id"]  # type: ignore[index]
    assert result[0].reply_to == draft_id  # the answer quotes the draft it is about
    shown = text_of(result)
    for label, passage in (
        ("Confrontational", "Why did you reject me"),
        ("Sounds desperate", "I really need this job"),
        ("Sarcastic", "Thanks for the form letter"),
    ):
        assert f"{label}: “{passage}”" in shown
    assert shown.index("Why did you reject me") < shown.index("I really need this job")
    assert "Try instead:" in shown and "puts the reader on the defensive" in shown
    assert "How it reads" in shown and "(job!!)" in shown  # the form note, after the passages
    assert "I haven't changed anything" in shown
    assert PROBLEMATIC not in shown  # never repeated, let alone rewritten
    record = await running_bot.store.load_chat(ann.id)
    assert record is None or record.session is None  # nothing started, nothing stored
    assert running_bot.fake.violations == []


async def test_a_polite_draft_comes_back_clean(polling_bot: RunningBot) -> None:
    ann = polling_bot.person()
    question = await prompt(ann)
    [result] = await ann.reply(question.message_id, POLITE, expect=CLEAN)
    assert "reads calm and professional" in result.text
    assert polling_bot.fake.violations == []


async def test_check_with_the_draft_after_the_command(polling_bot: RunningBot) -> None:
    ann = polling_bot.person()
    result = await ann.send("/check Why did you reject me?", expect=FOUND)
    assert result[0].reply_to == ann.last_update["message"]["message_id"]  # type: ignore[index]
    assert "Confrontational: “Why did you reject me”" in text_of(result)
    on_the_next_line = await ann.send("/check\nThank you for letting me know.", expect=CLEAN)
    assert len(on_the_next_line) == 1
    assert polling_bot.fake.violations == []


async def test_replies_to_other_bot_messages_are_not_checked(polling_bot: RunningBot) -> None:
    ann = polling_bot.person()
    await ann.send("/start", expect="1/7")
    step = ann.current()
    [again] = (await ann.reply(step.message_id, "Why did you reject me?", expect="tap one"))[-1:]
    assert FOUND not in again.text and "1/7" in again.text


async def test_a_long_text_gets_an_offer_and_a_tap_checks_it_leaving_the_guide_alone(
    running_bot: RunningBot,
) -> None:
    fake, ann = running_bot.fake, running_bot.person()
    await ann.send("/start", expect="1/7")
    await ann.tap("After the final round", expect="2/7")
    step = ann.current()
    before = await running_bot.store.load_chat(ann.id)
    draft = PROBLEMATIC + " " + POLITE  # 60 words
    [offer] = await ann.send(draft, expect=OFFER)
    draft_id = ann.last_update["message"]["message_id"]  # type: ignore[index]
    assert offer.reply_to == draft_id and offer.button_texts == ["Check the tone"]
    result = await ann.tap("Check the tone", expect=FOUND)
    assert result[0].reply_to == draft_id
    assert "Confrontational: “Why did you reject me”" in text_of(result)
    assert fake.chat(ann.id).get(offer.message_id).buttons == []  # type: ignore[union-attr]
    after = await running_bot.store.load_chat(ann.id)
    assert after is not None and before is not None
    assert (after.session, after.message_id, after.message_step) == (
        before.session,
        before.message_id,
        before.message_step,
    )
    assert ann.current().message_id == step.message_id  # the step still has its buttons
    await ann.tap("I'm not sure", expect="3/7")  # and still works
    short = await ann.send("hello", expect="tap one")  # a short stray text: as before
    assert OFFER not in text_of(short)
    assert fake.violations == [] and fake.unanswered_callback_queries() == []


async def test_the_offer_works_without_a_guide_and_after_a_restart(polling_bot: RunningBot) -> None:
    ann = polling_bot.person()
    await ann.send(POLITE + " " + POLITE, expect=OFFER)
    await ann.send("/start", expect="1/7")  # the offer's button is not tied to a step
    await ann.tap("Check the tone", expect=CLEAN)
    assert polling_bot.fake.unanswered_callback_queries() == []


async def test_a_deleted_draft_cannot_be_checked_and_says_so(polling_bot: RunningBot) -> None:
    ann = polling_bot.person()
    await ann.send(PROBLEMATIC + " " + POLITE, expect=OFFER)
    ann.user.delete(ann.last_update["message"]["message_id"])  # type: ignore[index]
    assert await ann.tap("Check the tone") == []
    assert "can't see that message" in ann.callback_answer()["text"]


async def test_a_reply_to_the_prompt_during_a_detail_is_checked_not_taken(
    running_bot: RunningBot,
) -> None:
    bot, ann = running_bot, running_bot.person()
    await walk(bot.guide, ann, FINAL, stop_at_detail="your_name")
    detail_step = ann.current()
    before = await bot.store.load_chat(ann.id)
    assert before is not None and before.session is not None
    question = await prompt(ann)
    await ann.reply(question.message_id, "Why did you reject me?", expect=FOUND)
    after = await bot.store.load_chat(ann.id)
    assert after is not None and after.session == before.session
    assert ann.current().message_id == detail_step.message_id
    long_detail = await ann.send("Alex " * 60)  # a long text at a detail is the detail's business
    assert OFFER not in text_of(long_detail)
    await ann.send("Alex")  # the detail is still asked for, and taken
    taken = await bot.store.load_chat(ann.id)
    assert taken is not None and taken.session is not None
    assert taken.session["details"]["your_name"] == "Alex"
    assert bot.fake.violations == []


MARKUP_ENTRY = """
  - id: test_markup
    category: sarcastic
    patterns:
      - '<b>& (\\w+ )?<i>'
    alternative: Use <i>this</i> & that.
"""


async def test_markup_in_a_draft_and_the_lexicon_stays_text(
    fake: FakeBotAPI, guide: Guide, store: SQLiteStore, tmp_path: Path
) -> None:
    """A passage full of markup, from a lexicon whose alternative has markup too: the strict
    fake would reject any of it reaching Telegram's HTML parser unescaped."""
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS, flows)
    lexicon = flows / "tone" / "en.yaml"
    lexicon.write_text(lexicon.read_text() + MARKUP_ENTRY)
    bot = RunningBot(fake, guide, store, settings_for(fake, tmp_path, flows_dir=flows))
    await bot.start()
    try:
        ann = bot.person()
        question = await prompt(ann)
        draft = "Hello <b>& thanks <i> WHY DID YOU REJECT ME?!!"
        result = await ann.reply(question.message_id, draft, expect=FOUND)
    finally:
        await bot.stop()
    shown = text_of(result)
    assert "Sarcastic: “<b>& thanks <i>”" in shown and "Use <i>this</i> & that." in shown
    assert "“WHY DID YOU REJECT ME”" in shown
    assert "&lt;b&gt;&amp; thanks &lt;i&gt;" in "".join(message.html or "" for message in result)
    assert fake.violations == []


async def test_a_huge_paste_gets_a_kind_bounded_answer(running_bot: RunningBot) -> None:
    fake, ann = running_bot.fake, running_bot.person()
    question = await prompt(ann)
    sentence = "Why did you reject me? I really need this job!! I am CLEARLY THE BEST person here. "
    paste = (sentence * 200)[:10_000]
    answered = await ann.paste(paste, reply_to=question.message_id, expect=FOUND)
    checks = [m for m in answered if OFFER not in m.text]
    offers = [m for m in answered if OFFER in m.text]
    assert len(offers) == 2  # a client sends 10,000 characters as three messages
    assert 1 <= len(checks) <= 3 and all(utf16_len(m.text) <= MAX_TEXT for m in answered)
    shown = text_of(checks)
    assert f"\n{tonecheck.MAX_SHOWN}. " in shown and f"\n{tonecheck.MAX_SHOWN + 1}. " not in shown
    assert "more like these" in shown and "checked this piece on its own" in shown
    assert fake.violations == []


async def test_a_redelivered_draft_is_answered_once(polling_bot: RunningBot) -> None:
    fake, ann = polling_bot.fake, polling_bot.person()
    question = await prompt(ann)
    first = await ann.reply(question.message_id, "Why did you reject me?", expect=FOUND)
    mark = ann.mark()
    assert ann.last_update is not None
    fake.push_update(ann.last_update)  # the same update again, as after a lost confirmation
    await fake.idle()
    assert ann.since(mark) == [] and len(first) == 1


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda path: path.unlink(), "no tone lexicon for the language 'en'"),
        (
            lambda path: path.write_text(path.read_text().replace("version: 1", "version: 7")),
            ":19: version must be 1",
        ),
    ],
)
def test_the_bot_refuses_to_start_without_a_usable_lexicon(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: Callable[[Path], object], message: str
) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS, flows)
    damage(flows / "tone" / "en.yaml")
    token = "123456789:" + "A" * 35  # split: no token-shaped literal
    code = main(Settings(token=token, flows_dir=flows, database_url=f"sqlite:///{tmp_path}/bot.sqlite3"))
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert f"{flows / 'tone' / 'en.yaml'}" in err and message in err


# ---- the rendering, as values ------------------------------------------------------------


def finding(passage: str, category: str = "confrontational") -> Finding:
    return Finding(passage, category, "Label <x>", "Why & how.", "Try <this>.", 0, len(passage))


def test_rendering_escapes_everything_from_the_draft_and_the_lexicon(guide: Guide) -> None:
    catalog = guide.catalog("en")
    [message] = tonecheck.render_findings("x", [finding("<b>&amp; why</b>")], catalog, reply_to=7)
    assert isinstance(message, Text) and message.reply_to == 7
    assert "&lt;b&gt;&amp;amp; why&lt;/b&gt;" in message.html
    assert "Label &lt;x&gt;" in message.html and "Try &lt;this&gt;." in message.html


def test_passages_are_quoted_on_one_line_and_cut(guide: Guide) -> None:
    long = "word " * 100
    [message] = tonecheck.render_findings(long, [finding("a\n\nb"), finding(long)], guide.catalog("en"))
    assert isinstance(message, Text)
    assert "“a b”" in message.html
    assert "…”" in message.html and "word " * 40 not in message.html


def test_offer_threshold() -> None:
    assert not tonecheck.looks_like_draft("Thanks, will do.")
    assert tonecheck.looks_like_draft("word " * tonecheck.OFFER_MIN_WORDS)
    assert tonecheck.looks_like_draft("x" * tonecheck.OFFER_MIN_CHARS)
