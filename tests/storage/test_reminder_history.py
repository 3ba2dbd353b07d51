"""Whether a chat had a reminder before this one (any state), in every backend: the time zone
is asked with a chat's first reminder only."""

from __future__ import annotations

import pytest

from bot.storage import Store
from tests.storage.conftest import OpenStore

CONTENT = {"kind": "nudge", "subject": "Следующий шаг", "body": "Добрый день!", "about": "Вектор"}
NOW = 1_800_000_000


@pytest.fixture
def store(open_at: OpenStore) -> Store:
    return open_at(clock=lambda: NOW)


async def test_a_chat_had_a_reminder_before_whatever_became_of_it(store: Store) -> None:
    first = await store.add_reminder(1, 42, 42, 1, "b6", "ru", CONTENT, NOW + 60)
    assert first is not None
    assert not await store.had_reminder_before(42, first[0].id)
    assert await store.cancel_reminder(2, 42, first[0].id)
    other_chat = await store.add_reminder(3, 43, 43, 1, "b6", "ru", CONTENT, NOW + 60)
    assert other_chat is not None and not await store.had_reminder_before(43, other_chat[0].id)
    second = await store.add_reminder(4, 42, 42, 2, "d3", "ru", CONTENT, NOW + 30)
    assert second is not None
    assert await store.had_reminder_before(42, second[0].id)  # the first was cancelled, not forgotten
    await store.forget_user(42)
    third = await store.add_reminder(5, 42, 42, 3, "d3", "ru", CONTENT, NOW + 30)
    assert third is not None and not await store.had_reminder_before(42, third[0].id)
