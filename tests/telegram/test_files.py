"""Files for the reader: .eml drafts that open unsent, all drafts as .txt, /mydata as JSON."""

from __future__ import annotations

import json
from email import message_from_bytes, policy

from bot.engine import Action, Draft
from bot.telegram.views.files import drafts_text, eml_bytes, file_stem, mydata_json

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


def test_txt_holds_every_draft_with_its_subject() -> None:
    message = Draft("message", None, "Hi Sam, short note.")
    note = Action("ask_introduction", "Send a short note to your contact", "why", "Soon", message)
    text = drafts_text([(ACTION, DRAFT), (note, message)], "Subject").decode("utf-8")
    assert "Subject: Thank you – Data Analyst at Zoë & Co" in text
    assert DRAFT.body in text and "Hi Sam, short note." in text
    assert text.index(ACTION.title) < text.index(note.title)


def test_file_names_are_safe() -> None:
    assert file_stem(ACTION) == "request-feedback"


def test_mydata_is_readable_json() -> None:
    exported = {"user_id": 7, "chats": [{"session": {"details": {"company": "Zoë"}}}]}
    raw = mydata_json(exported)
    assert "Zoë".encode() in raw  # readable, not \\u escapes
    assert json.loads(raw) == exported
