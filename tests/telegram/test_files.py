"""Files for the reader: .eml drafts that open unsent, with safe names."""

from __future__ import annotations

from email import message_from_bytes, policy

from bot.engine import Action, Draft
from bot.telegram.views.files import eml_bytes, file_stem

DRAFT = Draft("email", "Thank you – Data Analyst at Zoë & Co", "Dear Dana,\n\nThank you. 🎉\n\nBest,\nAlex")
ACTION = Action("request_feedback", "Thank them and ask one question", "why", "Within 24–48 hours", DRAFT)


def test_eml_opens_as_an_unsent_utf8_draft() -> None:
    raw = eml_bytes(DRAFT)
    assert b"\r\n" in raw and all(len(line) <= 998 for line in raw.split(b"\r\n"))
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == DRAFT.subject
    assert parsed["X-Unsent"] == "1"
    assert parsed["To"] is None
    assert parsed.get_content_type() == "text/plain" and parsed.get_content_charset() == "utf-8"
    assert parsed.get_content().replace("\r\n", "\n") == DRAFT.body + "\n"


def test_file_names_are_safe() -> None:
    assert file_stem(ACTION) == "request-feedback"
