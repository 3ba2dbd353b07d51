"""The wing's shape, held by tests: one registry (routing, menu, /help, required texts, `check`),
the durable turn over a recording messenger, and the person-facing defects of issue 9."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from telegram import InlineKeyboardMarkup

from bot.cli import main as cli_main
from bot.cli import run_bot
from bot.engine import Guide
from bot.engine.ids import MAX_ID_BYTES
from bot.settings import Settings
from bot.storage import SQLiteStore
from bot.telegram import buttons
from bot.telegram.buttons import Act
from bot.telegram.features.guide import GuideFeature
from bot.telegram.incoming import Incoming
from bot.telegram.messenger import Answered, Deleted, Edited, RecordingMessenger, Sent
from bot.telegram.registry import BUTTONS, COMMANDS, Features, menu, required_texts, routes
from bot.telegram.turns import Turns
from bot.telegram.views.html import Text
from tests.conftest import FLOWS
from tests.telegram.conftest import RunningBot, tone_lexicons
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
VALID_LOOKING_TOKEN = "123456:" + "A" * 35


# ---- one registry ---------------------------------------------------------------------------


def test_every_action_and_command_is_routed_from_the_registry(guide: Guide, store: SQLiteStore) -> None:
    turns = Turns(guide, store, RecordingMessenger())
    features = Features.build(turns, tone_lexicons(FLOWS, tuple(guide.flow.languages)), admin_ids=())
    commands, taps = routes(features)
    assert list(commands) == [command.name for command in COMMANDS]
    actions = {value for name, value in vars(Act).items() if not name.startswith("_")}
    assert set(taps) == actions, "an action without a route is a button that can never work"
    assert len(BUTTONS) == len(actions), "an action routed twice"
    assert all(buttons.fits(action) for action in actions), f"ids of {MAX_ID_BYTES} bytes must fit"


def test_the_menu_and_the_required_texts_come_from_the_registry(guide: Guide) -> None:
    shown = [command for command in COMMANDS if command.menu]
    assert [c.command for c in menu(guide.catalog("en"))] == [c.name for c in shown]
    assert set(required_texts()) == {f"tg_cmd_{c.name}" for c in shown}
    assert "stats" not in {c.name for c in shown}  # operators' commands stay out of sight


async def test_help_lists_every_command_of_the_menu(polling_bot: RunningBot, guide: Guide) -> None:
    ann = polling_bot.person()
    [reply] = await ann.send("/help", expect="/start")
    catalog = guide.catalog("en")
    for command in (c for c in COMMANDS if c.menu):
        assert f"/{command.name} – {catalog.text(command.text_key)}" in reply.text
    assert "/stats" not in reply.text


def _without_text(tmp_path: Path, key: str) -> tuple[Path, Path]:
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS, flows)
    texts = flows / "texts" / "en" / "telegram.yaml"
    lines = texts.read_text(encoding="utf-8").splitlines(keepends=True)
    texts.write_text(
        "".join(line for line in lines if not line.lstrip().startswith(f"{key}:")), encoding="utf-8"
    )
    return flows, texts


def test_check_names_a_command_without_its_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flows, _ = _without_text(tmp_path, "tg_cmd_reminders")
    assert cli_main(["check", str(flows)]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert any(
        line.startswith("flows/texts/en")
        and ":" in line.split(" ")[0]
        and "missing text 'ui.tg_cmd_reminders'" in line
        for line in printed
    ), printed


def test_the_bot_refuses_to_start_without_a_commands_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flows, _ = _without_text(tmp_path, "tg_cmd_check")
    settings = Settings(
        token=VALID_LOOKING_TOKEN, flows_dir=flows, database_url=f"sqlite:///{tmp_path}/bot.sqlite3"
    )
    assert run_bot(settings) == 2  # before any network: no KeyError at start-up
    err = capsys.readouterr().err
    assert "missing text 'ui.tg_cmd_check'" in err and "Traceback" not in err


# ---- the durable turn over the recording messenger ---------------------------------------------


def _typed(update_id: int, text: str, chat_id: int = 7) -> Incoming:
    return Incoming(update_id, chat_id, chat_id, "en", text=text, message_id=update_id)


def _tap(update_id: int, data: str, tapped_id: int, chat_id: int = 7) -> Incoming:
    return Incoming(
        update_id, chat_id, chat_id, "en", query_id=f"q{update_id}", data=data, tapped_id=tapped_id
    )


async def test_a_turn_commits_shows_and_records_delivery_through_the_messenger(
    guide: Guide, store: SQLiteStore
) -> None:
    messenger = RecordingMessenger()
    turns = Turns(guide, store, messenger)
    feature = GuideFeature(turns)
    turn = await turns.load(_typed(1, "/start"))
    await turns.guarded(turn, feature.start(turn, ""))
    welcome, question = messenger.sent
    assert "about two minutes" in str(getattr(welcome.message, "html", ""))
    assert isinstance(question.message, Text) and isinstance(question.message.keyboard, InlineKeyboardMarkup)
    record = await store.load_chat(7)
    assert record is not None and record.message_id == question.message_id  # delivery recorded

    again = await turns.load(_typed(1, "/start"))  # the same update, redelivered
    await turns.guarded(again, feature.start(again, ""))
    assert len(messenger.calls) == 2, "a redelivered update is not shown twice"

    final = next(
        row[0]
        for row in question.message.keyboard.inline_keyboard
        if str(row[0].callback_data).endswith(".a.final")
    )
    tap = await turns.load(_tap(2, str(final.callback_data), question.message_id))
    await turns.guarded(tap, feature.tap(tap, buttons.decode(str(final.callback_data))))
    answered, edited = messenger.calls[2:4]
    assert answered == Answered("q2", None)
    assert isinstance(edited, Edited) and edited.message_id == question.message_id
    assert "2/" in str(edited.html)


async def test_a_blocked_chat_is_marked_and_told_nothing(guide: Guide, store: SQLiteStore) -> None:
    messenger = RecordingMessenger(blocked={7})
    turns = Turns(guide, store, messenger)
    feature = GuideFeature(turns)
    turn = await turns.load(_typed(1, "/start"))
    await turns.guarded(turn, feature.start(turn, ""))
    assert messenger.calls == []
    assert (await store.stats())["blocked_chats"] == 1


# ---- the defects a person met ---------------------------------------------------------------------


async def test_change_an_answer_never_edits_a_shown_draft_away(polling_bot: RunningBot, guide: Guide) -> None:
    ann = polling_bot.person()
    await walk(guide, ann, FINAL, {"your_name": "Alex"})
    last_draft = ann.current()
    assert "<pre>" in (last_draft.html or "") and "Alex" in last_draft.text
    await ann.tap("Change an answer", expect="Which answer would you like to change?")
    now = next(m for m in ann.messages if m.message_id == last_draft.message_id)
    assert now.text == last_draft.text and not now.buttons  # the draft stays, only its buttons go
    assert polling_bot.fake.violations == []


async def test_start_leaves_no_orphan_question_without_buttons(polling_bot: RunningBot, guide: Guide) -> None:
    ann = polling_bot.person()
    await walk(guide, ann, FINAL)
    asked = await ann.tap("Change an answer", expect="Which answer would you like to change?")
    [question] = [m for m in asked if "Which answer" in m.text]
    await ann.send("/start", expect="1/7")
    orphans = [m for m in ann.messages if "Which answer" in m.text and not m.deleted and not m.buttons]
    assert orphans == [] and question.message_id not in [m.message_id for m in orphans]
    assert polling_bot.fake.violations == []


async def _tap_button(
    turns: Turns, feature: GuideFeature, update_id: int, message_id: int, keyboard: object, label: str
) -> None:
    assert isinstance(keyboard, InlineKeyboardMarkup)
    button = next(b for row in keyboard.inline_keyboard for b in row if b.text == label)
    turn = await turns.load(_tap(update_id, str(button.callback_data), message_id))
    await turns.guarded(turn, feature.tap(turn, buttons.decode(str(button.callback_data))))


@pytest.mark.parametrize("deletable", [True, False])
async def test_the_change_prompt_goes_when_the_guide_starts_again(
    guide: Guide, store: SQLiteStore, deletable: bool
) -> None:
    messenger = RecordingMessenger()
    turns = Turns(guide, store, messenger)
    feature = GuideFeature(turns)
    turn = await turns.load(_typed(1, "/start"))
    await turns.guarded(turn, feature.start(turn, ""))
    question = messenger.sent[-1]
    assert isinstance(question.message, Text)
    keyboard: object = question.message.keyboard
    # An automated no, then who they know and their goal: each tap edits the step in place.
    for update_id, label in enumerate(("Before I spoke to anyone", "No one", "Ending on a good note"), 2):
        await _tap_button(turns, feature, update_id, question.message_id, keyboard, label)
        edited = messenger.calls[-1]
        assert isinstance(edited, Edited) and edited.message_id == question.message_id
        keyboard = edited.keyboard
    result = messenger.calls[-1]  # the question, edited into the result in place
    assert isinstance(result, Edited)
    await _tap_button(turns, feature, 5, result.message_id, result.keyboard, "Change an answer")
    prompt = messenger.sent[-1]
    assert "Which answer" in str(getattr(prompt.message, "html", ""))
    assert Edited(7, result.message_id, None, None) in messenger.calls  # the result keeps its words
    if not deletable:
        messenger.undeletable.add(prompt.message_id)  # too old to delete: its buttons still go
    mark = len(messenger.calls)
    turn = await turns.load(_typed(6, "/start"))
    await turns.guarded(turn, feature.start(turn, ""))
    closing = [c for c in messenger.calls[mark:] if not isinstance(c, Sent)]
    expected = Deleted(7, prompt.message_id) if deletable else Edited(7, prompt.message_id, None, None)
    assert closing == [expected]


async def test_mydata_says_every_stored_thing_in_words(guide: Guide, store: SQLiteStore) -> None:
    from bot.storage import SavedResult, SharedPath
    from bot.telegram.views.mydata import mydata_text

    session = guide.new_session("en")
    await store.commit_turn(1, 7, 7, session.to_dict())
    await store.save_result(
        SavedResult(
            7,
            guide.flow.id,
            guide.flow.version,
            "en",
            {"stage": "final"},
            {"company": "Zoë & Co"},
            1_700_000_000,
        )
    )
    await store.add_share(
        SharedPath("abc123", 7, guide.flow.id, guide.flow.version, "en", {"stage": "final"}, 1_700_000_000)
    )
    await store.add_reminder(
        2,
        7,
        7,
        1,
        "d3",
        "en",
        {"kind": "nudge", "subject": "Following up", "body": "Hi Dana,\nany news?", "about": "Zoë & Co"},
        1_700_300_000,
    )
    exported = await store.export_user(7)
    words = mydata_text(
        exported,
        guide.flow,
        guide.catalog("en"),
        1_700_400_000.0,
        lambda code: f"https://t.me/bot?start=s_{code}",
        lambda stored: None,
    ).decode("utf-8")
    assert "Stage: After the final round" in words and "What's the company called? Zoë & Co" in words
    assert "https://t.me/bot?start=s_abc123" in words
    assert "waiting to be sent" in words and "Following up" in words and "    any news?" in words
    assert "older version of the guide" in words  # where a guide stands that no longer fits
    assert words.rstrip().endswith("/forget erases all of this.")
