"""The retention job on every backend: on a clock moved forward it erases what inactive
people typed, once per period however many replicas run it; RETENTION_DAYS is a setting."""

from __future__ import annotations

import asyncio

import pytest

from bot.settings import SettingsError, load_settings
from bot.storage import SavedResult
from bot.storage.retention import DAY, RetentionJob
from tests.storage.conftest import OpenStore

NOW = 1_800_000_000
SESSION = {
    "flow": "reconsider",
    "flow_version": 1,
    "state": "result",
    "run": 1,
    "step": 9,
    "details": {"company": "Acme"},
}


async def test_one_replica_erases_per_period_on_a_clock_moved_forward(open_at: OpenStore) -> None:
    clock = [float(NOW)]
    stores = [open_at(clock=lambda: clock[0]) for _ in range(3)]
    await stores[0].commit_turn(
        1, 42, 42, SESSION, result=SavedResult(42, "reconsider", 1, "en", {}, {"company": "Acme"}, NOW)
    )
    jobs = [RetentionJob(store, days=30, every=3600, clock=lambda: clock[0]) for store in stores]

    ran = await asyncio.gather(*(job.run_once() for job in jobs))  # day 0: one runs, nothing to erase
    assert sorted(ran, key=bool) == [
        None,
        None,
        {"sessions": 0, "results": 0, "share_links": 0, "reminders": 0},
    ]
    clock[0] += 31 * DAY
    ran = await asyncio.gather(*(job.run_once() for job in jobs))
    assert [r for r in ran if r] == [{"sessions": 1, "results": 1, "share_links": 0, "reminders": 0}]
    assert await asyncio.gather(*(job.run_once() for job in jobs)) == [None, None, None]  # same period
    record = await stores[1].load_chat(42)
    assert record is not None and record.session is None
    assert await stores[2].load_result(42) is None


async def test_the_job_runs_in_the_background_until_stopped(open_at: OpenStore) -> None:
    clock = [float(NOW)]
    store = open_at(clock=lambda: clock[0])
    await store.save_result(SavedResult(42, "reconsider", 1, "en", {}, {"company": "Acme"}, NOW))
    clock[0] += 31 * DAY
    job = RetentionJob(store, days=30, every=3600, clock=lambda: clock[0])
    job.start()
    for _ in range(500):
        if await store.load_result(42) is None:
            break
        await asyncio.sleep(0.01)
    await job.stop()
    assert await store.load_result(42) is None
    assert not await store.claim_job("retention", int(clock[0]) + 3599, 3600)  # it took this period


@pytest.mark.parametrize(("value", "days"), [(None, 30), ("7", 7), ("3650", 3650)])
def test_retention_days_setting(value: str | None, days: int) -> None:
    environ = {} if value is None else {"RETENTION_DAYS": value}
    assert load_settings(environ, dotenv=None).retention_days == days


@pytest.mark.parametrize("value", ["0", "-1", "thirty", "3651"])
def test_bad_retention_days_say_what_to_write(value: str) -> None:
    with pytest.raises(SettingsError, match="RETENTION_DAYS must be a whole number of days from 1 to 3650"):
        load_settings({"RETENTION_DAYS": value}, dotenv=None)


def test_migrate_on_start_setting() -> None:
    assert load_settings({}, dotenv=None).migrate_on_start
    assert not load_settings({"MIGRATE_ON_START": "false"}, dotenv=None).migrate_on_start
    with pytest.raises(SettingsError, match="MIGRATE_ON_START must be true or false"):
        load_settings({"MIGRATE_ON_START": "maybe"}, dotenv=None)
