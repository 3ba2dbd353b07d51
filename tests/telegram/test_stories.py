"""The Telegram stories of stories.yaml, in polling and in webhook mode."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.engine import Guide
from tests.fakebotapi import ChatMessage
from tests.telegram.conftest import Person, RunningBot
from tests.telegram.walking import walk

GROUP_ID = -1001  # the fake's default group for SimUser.send_in_group
STORIES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "stories.yaml").read_text())


def _texts(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _data_of(message: ChatMessage, label: str) -> str:
    for button in (b for row in message.buttons for b in row):
        if button.text == label:
            return str(button.data)
    raise AssertionError(f"no button {label!r} on {message.text!r}: {message.button_texts}")


async def act(
    bot: RunningBot, person: Person, step: dict[str, Any], kept: dict[str, ChatMessage], guide: Guide
) -> None:
    """Do the step's action (without waiting for the bot)."""
    user, fake = person.user, person.fake
    if "send" in step:
        person.last_update = user.send(step["send"])
    elif "send_long" in step:
        person.last_update = user.send("x" * int(step["send_long"]))
    elif "tap" in step:
        person.last_update = user.press_button(step["tap"])
    elif "sticker" in step:
        person.last_update = user.send_sticker(step["sticker"])
    elif "photo" in step:
        person.last_update = user.send_photo(step["photo"])
    elif "voice" in step:
        person.last_update = user.send_voice(step["voice"])
    elif "group" in step:
        person.last_update = user.send_in_group(step["group"])
    elif "keep" in step:
        kept[step["keep"]] = copy.deepcopy(person.current())  # as it is now, buttons and all
    elif "tap_kept" in step:
        name, label = step["tap_kept"]
        message = kept[name]
        person.last_update = user.press(message.message_id, _data_of(message, label))
    elif "double_tap" in step:
        message = person.current()
        data = _data_of(message, step["double_tap"])
        user.press(message.message_id, data)
        person.last_update = user.press(message.message_id, data)
    elif "redeliver" in step:
        assert person.last_update is not None
        fake.push_update(person.last_update)
    elif "restart_bot" in step:
        await bot.restart()
    elif "walk" in step:
        spec = step["walk"]
        await walk(
            guide,
            person,
            spec.get("answers", {}),
            spec.get("details"),
            start="answers" in spec,
            stop_at_detail=spec.get("stop_at_detail"),
        )
    else:  # pragma: no cover
        raise AssertionError(f"unknown step {step}")


def chat_of(person: Person, step: dict[str, Any]) -> int:
    return GROUP_ID if "group" in step else person.id


async def check(
    person: Person, step: dict[str, Any], mark: int, last_id: int, on_screen: ChatMessage | None
) -> None:
    """`mark` is the chat's revision before the action (what the bot sent or edited since
    then is what the person saw happen), `last_id` its newest message id then."""
    fake = person.fake
    chat_id = chat_of(person, step)
    for text in _texts(step.get("expect")):
        await fake.wait_for_message(chat_id, contains=text, changed_after=mark)
    await fake.idle()
    log = fake.chat(chat_id)
    shown = log.changed_since(mark)
    new = [m for m in shown if m.message_id > last_id]
    if chat_id != person.id:  # nothing of the guide in the private chat either
        assert person.since(person.mark()) == []
    said = "\n---\n".join(m.text for m in shown)
    for text in _texts(step.get("expect")):
        assert text in said
    for text in _texts(step.get("expect_not")):
        assert text not in said
    if step.get("silence"):
        assert shown == [], f"expected nothing sent or edited, got: {said}"
    if "messages" in step:
        assert len(new) == step["messages"], said
    if "notice" in step:
        assert step["notice"] in (person.callback_answer().get("text") or "")
    if "edited" in step:
        assert on_screen is not None
        edited = fake.chat(person.id).get(on_screen.message_id)
        assert edited is not None and step["edited"] in edited.text and not edited.buttons, edited
    if "in_place" in step:
        assert on_screen is not None
        now = fake.chat(person.id).get(on_screen.message_id)
        assert now is not None and now in shown and now.buttons, now
        assert step["in_place"] in now.text and now is person.current(), now
    if "buttons" in step or "no_buttons" in step:
        labels = person.current().button_texts
        for label in _texts(step.get("buttons")):
            assert label in labels
        for label in _texts(step.get("no_buttons")):
            assert label not in labels


@pytest.mark.parametrize("story", STORIES, ids=[s["name"] for s in STORIES])
async def test_story(running_bot: RunningBot, guide: Guide, story: dict[str, Any]) -> None:
    person = running_bot.person()
    kept: dict[str, ChatMessage] = {}
    for step in story["steps"]:
        log = running_bot.fake.chat(chat_of(person, step))
        mark, last_id = log.revision, log.last_message_id
        on_screen = next((m for m in reversed(person.messages) if m.buttons), None)
        await act(running_bot, person, step, kept, guide)
        await check(person, step, mark, last_id, on_screen)
    await running_bot.fake.idle()
    assert running_bot.fake.violations == []
    assert running_bot.fake.unanswered_callback_queries() == []
