"""Reminders in the store, in every backend: one pending per guide run, claims with one winner
(also across two processes on one database), expired claims retaken unless their request left
(then counted as sent), retries bounded, cancel,
outcome, forget."""

from __future__ import annotations

import asyncio

import pytest

from bot.storage import Store
from tests.storage.conftest import OpenStore

CONTENT = {"kind": "nudge", "subject": "Following up", "body": "Hello, ünïcode", "about": "Acme"}
NOW = 1_800_000_000


@pytest.fixture
def store(open_at: OpenStore) -> Store:
    return open_at(clock=lambda: NOW)


async def add(store: Store, update_id: int, chat_id: int = 42, run: int = 1, due_at: int = NOW + 60) -> int:
    added = await store.add_reminder(update_id, chat_id, chat_id, run, "b6", "en", CONTENT, due_at)
    assert added is not None
    return added[0].id


async def test_added_once_per_update_and_once_per_run(store: Store) -> None:
    added = await store.add_reminder(1, 42, 42, 1, "b6", "en", CONTENT, NOW + 60)
    assert added is not None
    reminder, created = added
    assert created and (reminder.state, reminder.payload, reminder.due_at) == ("pending", CONTENT, NOW + 60)
    assert await store.add_reminder(1, 42, 42, 1, "d3", "en", CONTENT, NOW + 5) is None  # redelivered
    again = await store.add_reminder(2, 42, 42, 1, "d3", "en", CONTENT, NOW + 5)
    assert again is not None and again == (reminder, False)  # the same run: kept, not doubled
    other_run = await store.add_reminder(3, 42, 42, 2, "d3", "en", CONTENT, NOW + 5)
    assert other_run is not None and other_run[1]
    pending = await store.pending_reminders(42)
    assert [r.id for r in pending] == [other_run[0].id, reminder.id]  # soonest first
    assert await store.pending_reminders(43) == []


async def test_only_due_reminders_are_claimed_and_only_once(store: Store) -> None:
    due = await add(store, 1, due_at=NOW - 1)
    later = await add(store, 2, chat_id=43, due_at=NOW + 3600)
    assert [r.id for r in await store.due_reminders(NOW, lease=600)] == [due]
    assert not await store.claim_reminder(later, "a", NOW, 600)
    assert await store.claim_reminder(due, "a", NOW, 600)
    assert not await store.claim_reminder(due, "b", NOW, 600)
    assert await store.due_reminders(NOW, lease=600) == []
    assert not await store.finish_reminder(due, "b", "sent", NOW)  # not b's claim
    assert await store.finish_reminder(due, "a", "sent", NOW)
    reminder = await store.get_reminder(due)
    assert reminder is not None
    assert (reminder.state, reminder.sent_at, reminder.claimed_by) == ("sent", NOW, "a")
    assert not await store.claim_reminder(due, "a", NOW + 10**6, 600)  # sent stays sent


async def test_an_expired_claim_is_retaken(store: Store) -> None:
    reminder_id = await add(store, 1, due_at=NOW - 1)
    assert await store.claim_reminder(reminder_id, "dead", NOW, 600)
    assert await store.due_reminders(NOW + 599, lease=600) == []
    assert [r.id for r in await store.due_reminders(NOW + 600, lease=600)] == [reminder_id]
    assert await store.claim_reminder(reminder_id, "alive", NOW + 600, 600)
    assert not await store.finish_reminder(reminder_id, "dead", "sent", NOW + 601)
    assert await store.finish_reminder(reminder_id, "alive", "sent", NOW + 601)


async def test_an_expired_claim_whose_request_left_counts_as_sent_not_retaken(store: Store) -> None:
    """Its sender died after the request left: Telegram may have shown it, so at most once."""
    left = await add(store, 1, due_at=NOW - 1)
    waiting = await add(store, 2, chat_id=43, due_at=NOW - 1)
    assert await store.claim_reminder(left, "dead", NOW, 600)
    assert await store.claim_reminder(waiting, "dead", NOW, 600)
    await store.reminder_leaving(left, "dead", NOW + 1)
    await store.reminder_leaving(waiting, "someone else", NOW + 1)  # not its claim: no effect
    assert await store.settle_reminders(NOW + 599, lease=600) == 0
    assert [r.id for r in await store.due_reminders(NOW + 600, lease=600)] == [waiting]
    assert not await store.claim_reminder(left, "alive", NOW + 600, 600)
    assert await store.settle_reminders(NOW + 600, lease=600) == 1
    settled = await store.get_reminder(left)
    assert settled is not None and (settled.state, settled.sent_at) == ("sent", NOW + 1)
    assert await store.claim_reminder(waiting, "alive", NOW + 600, 600)  # never left: sent now


async def test_passing_failures_are_retried_a_bounded_number_of_times(store: Store) -> None:
    reminder_id = await add(store, 1, due_at=NOW - 1)
    states = []
    for _ in range(3):
        assert await store.claim_reminder(reminder_id, "a", NOW, 600)
        states.append(await store.release_reminder(reminder_id, "a", max_attempts=3))
    assert states == ["pending", "pending", "failed"]
    assert await store.due_reminders(NOW, lease=600) == []
    with pytest.raises(ValueError, match="sent, blocked or failed"):
        await store.finish_reminder(reminder_id, "a", "pending", NOW)


async def test_two_processes_on_one_database_claim_each_reminder_once(open_at: OpenStore) -> None:
    stores = [open_at(clock=lambda: NOW) for _ in range(2)]
    ids = [await add(stores[0], n, chat_id=1000 + n, due_at=NOW - 1) for n in range(40)]

    async def claim_all(store: Store, worker: str) -> list[int]:
        due = await store.due_reminders(NOW, lease=600)
        return [r.id for r in due if await store.claim_reminder(r.id, worker, NOW, 600)]

    won = await asyncio.gather(claim_all(stores[0], "a"), claim_all(stores[1], "b"))
    assert sorted(won[0] + won[1]) == sorted(ids)  # every one claimed, none twice


async def test_cancel_and_outcome_are_per_chat_and_per_update(store: Store) -> None:
    reminder_id = await add(store, 1)
    assert await store.cancel_reminder(2, 99, reminder_id) is False  # another chat's
    assert await store.cancel_reminder(3, 42, reminder_id) is True
    assert await store.cancel_reminder(3, 42, reminder_id) is None  # redelivered
    assert await store.cancel_reminder(4, 42, reminder_id) is False  # already cancelled
    assert await store.pending_reminders(42) == []

    sent = await add(store, 5, run=2, due_at=NOW - 1)
    assert await store.record_outcome(6, 99, sent, "yes") == "missing"
    assert await store.record_outcome(7, 42, sent, "no") == "recorded"
    assert await store.record_outcome(7, 42, sent, "yes") is None
    assert await store.record_outcome(8, 42, sent, "yes") == "already"
    reminder = await store.get_reminder(sent)
    assert reminder is not None and (reminder.outcome, reminder.outcome_at) == ("no", NOW)


async def test_forget_and_export_include_reminders(store: Store) -> None:
    await store.commit_turn(1, 42, 42, {"run": 1})
    mine = await add(store, 2)
    theirs = await add(store, 3, chat_id=43)
    exported = await store.export_user(42)
    listed = [(r["id"], r["payload"], r["state"]) for r in exported["reminders"]]
    assert listed == [(mine, CONTENT, "pending")]
    assert await store.forget_user(42) == 1
    assert await store.get_reminder(mine) is None
    assert (await store.export_user(42))["reminders"] == []
    assert await store.get_reminder(theirs) is not None
    again = await add(store, 4)
    assert again > mine  # ids are never reused: an old button cannot reach a newer reminder
