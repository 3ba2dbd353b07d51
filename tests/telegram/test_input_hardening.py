"""Input that used to break a person's session: line separators in a detail (every later
/export failed on an e-mail header), a lone surrogate (the turn failed), and share-code
guessing (each guess cost an fsync'd write and a log line)."""

from __future__ import annotations

import logging
from email import message_from_bytes, policy

import pytest

from bot.engine import Draft, Guide
from bot.telegram.views.files import eml_bytes
from tests.telegram.conftest import RunningBot
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
BREAKS = ["\u2028", "\u2029", "\x85", "\r", "\x0b"]


@pytest.mark.parametrize("separator", BREAKS)
def test_an_eml_subject_is_one_line_whatever_the_text(separator: str) -> None:
    raw = eml_bytes(Draft("email", f"Re: Data{separator}Analyst \ud800", f"Hi{separator}there \udfff"))
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == "Re: Data Analyst \ufffd"
    assert "Hi" in parsed.get_content() and "\ufffd" in parsed.get_content()


@pytest.mark.parametrize("separator", ["\u2028", "\x85"])
async def test_a_line_separator_in_a_detail_is_asked_again_and_export_works(
    polling_bot: RunningBot, guide: Guide, separator: str
) -> None:
    ann = polling_bot.person()
    await walk(guide, ann, FINAL, {"company": "Acme"}, stop_at_detail="role")
    await ann.send(f"Data{separator}Analyst", expect="one line")
    await walk(guide, ann, FINAL, {"role": "Data Analyst"}, start=False)
    await ann.send("/export", expect="one file that opens anywhere")
    await ann.tap("Email drafts as .eml files", expect="start an email draft")
    emls = [u for u in polling_bot.fake.uploads if u.filename.endswith(".eml")]
    assert emls
    parsed = [message_from_bytes(upload.content, policy=policy.default) for upload in emls]
    for message in parsed:
        assert separator not in str(message["Subject"] or "")
    assert any("Data Analyst" in message.get_content() + str(message["Subject"] or "") for message in parsed)
    assert polling_bot.fake.violations == []


async def test_a_lone_surrogate_costs_one_character_not_the_turn(
    polling_bot: RunningBot, guide: Guide
) -> None:
    ann = polling_bot.person()
    await walk(guide, ann, FINAL, stop_at_detail="company")
    await ann.send("Zo\ud800e Ltd")
    record = await polling_bot.store.load_chat(ann.id)
    assert record is not None and record.session is not None
    assert record.session["details"]["company"] == "Zo\ufffde Ltd"
    error = guide.catalog("en").text("ui.tg_error")
    assert not any(error in m.text for m in ann.messages)
    await ann.send("/check Dear team, I demand \udc00 an answer", expect="")
    assert not any(error in m.text for m in ann.messages)
    assert polling_bot.fake.violations == []


async def test_share_code_guesses_are_throttled_without_writes_or_log_lines(
    polling_bot: RunningBot, guide: Guide, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    catalog = guide.catalog("en")
    unknown, throttled = catalog.text("ui.tg_share_unknown"), catalog.text("ui.tg_share_throttled")
    eve = polling_bot.person(2002, "Eve")
    for guess in range(5):
        await eve.send(f"/start share_guess{guess:04d}", expect=unknown[:30])
    recorded = polling_bot.store.count_processed_updates()
    await eve.send("/start share_guess0005", expect=throttled[:30])
    logged = len(lines(caplog))
    for guess in range(6, 30):
        await eve.send(f"/start share_guess{guess:04d}")
    assert polling_bot.store.count_processed_updates() == recorded  # no write per guess
    assert len(lines(caplog)) == logged  # no log line per guess (beyond the one every update has)
    texts = [m.text for m in eve.messages]
    assert sum(unknown in t for t in texts) == 5 and sum(throttled in t for t in texts) == 1
    assert len(texts) == 6  # one refusal, then silence
    other = polling_bot.person(2003, "Ann")  # another chat is not affected
    await other.send("/start share_guess9999", expect=unknown[:30])


def lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What was logged, less the access line every update gets (bot/telegram/app.py)."""
    return [r for r in caplog.records if not r.msg.startswith("update %s (%s)")]
