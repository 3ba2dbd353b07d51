"""REMINDER_CHECK_SECONDS: how often the bot looks for due reminders, read in settings only."""

from __future__ import annotations

import pytest

from bot.settings import DEFAULT_REMINDER_CHECK_SECONDS, SettingsError, load_settings


def test_the_default_is_thirty_seconds() -> None:
    assert load_settings({}, dotenv=None).reminder_check_seconds == DEFAULT_REMINDER_CHECK_SECONDS == 30


@pytest.mark.parametrize(("text", "seconds"), [("5", 5.0), ("0.25", 0.25), (" 120 ", 120.0)])
def test_a_positive_number_of_seconds(text: str, seconds: float) -> None:
    assert load_settings({"REMINDER_CHECK_SECONDS": text}, dotenv=None).reminder_check_seconds == seconds


@pytest.mark.parametrize("text", ["0", "-1", "soon", "nan", "inf", "90000"])
def test_anything_else_says_what_to_write(text: str) -> None:
    with pytest.raises(SettingsError, match="REMINDER_CHECK_SECONDS must be a number of seconds"):
        load_settings({"REMINDER_CHECK_SECONDS": text}, dotenv=None)
