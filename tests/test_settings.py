"""Settings from `.env` (read by python-dotenv) and the environment, with our validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

TOKEN = "123456:" + "A" * 35


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_trailing_comment_after_a_quoted_value_is_not_part_of_it(tmp_path: Path) -> None:
    dotenv = write(
        tmp_path,
        'LOG_LEVEL="INFO" # quiet\n'
        f"export TELEGRAM_BOT_TOKEN={TOKEN}  # from BotFather\n"
        "BOT_ADMIN_IDS='12, 34'\n# a comment line\n\nWEBHOOK_PORT = 8443\n",
    )
    settings = load_settings({}, dotenv=dotenv)
    assert settings.log_level == "INFO"
    assert settings.token == TOKEN
    assert settings.admin_ids == frozenset({12, 34})
    assert settings.webhook_port == 8443


def test_a_hash_inside_quotes_is_kept(tmp_path: Path) -> None:
    dotenv = write(tmp_path, 'WEBHOOK_SECRET="abc#def"\n')
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET may use only letters"):
        load_settings({}, dotenv=dotenv)  # the whole quoted value reached our validation


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    dotenv = write(tmp_path, "LOG_LEVEL=DEBUG\n")
    assert load_settings({"LOG_LEVEL": "warning"}, dotenv=dotenv).log_level == "WARNING"


def test_our_messages_still_say_what_to_fix(tmp_path: Path) -> None:
    dotenv = write(tmp_path, "LOG_LEVEL=LOUD # typo\n")
    with pytest.raises(SettingsError, match="LOG_LEVEL must be one of DEBUG, INFO"):
        load_settings({}, dotenv=dotenv)


def test_no_file_is_fine(tmp_path: Path) -> None:
    assert load_settings({}, dotenv=tmp_path / "missing.env").log_level == "INFO"
