"""What the employer answered (the after_reply flow), stored with the result it answers:
listed by /mydata, erased by /forget, counted (counts only) by /stats; on every backend (the
`store` fixture of conftest.py: SQLite and PostgreSQL)."""

from __future__ import annotations

from bot.storage import SavedReply, SavedResult, Store
from bot.storage.migrations import migrations

RESULT = SavedResult(
    42, "reconsider", 1, "en", {"stage": "final", "goal": "this_role"}, {"company": "Acme"}, 1_700_000_000
)


def reply(
    value: str,
    user_id: int = 42,
    run: int = 2,
    result_saved_at: int = 1_700_000_000,
    details: dict[str, str] | None = None,
) -> SavedReply:
    return SavedReply(
        user_id,
        "reconsider",
        dict(RESULT.answers),
        result_saved_at,
        "after_reply",
        1,
        "en",
        run,
        {"reply": value},
        details or {},
        1_700_000_500 + run,
    )


def test_the_replies_table_is_a_migration_of_its_own_in_each_dialect() -> None:
    for dialect in ("sqlite", "postgresql"):  # later migrations (preferences) may follow it
        assert [m.name for m in migrations(dialect)].count("replies") == 1


async def test_mydata_lists_the_reply_with_the_result_it_answers(store: Store) -> None:
    await store.save_result(RESULT)
    await store.save_reply(reply("call", details={"times": "Tue 10-12"}))
    exported = await store.export_user(42)
    assert exported["replies"] == [
        {
            "answers_result": {
                "flow": "reconsider",
                "answers": {"stage": "final", "goal": "this_role"},
                "saved_at": 1_700_000_000,
            },
            "flow": "after_reply",
            "flow_version": 1,
            "language": "en",
            "run": 2,
            "answers": {"reply": "call"},
            "details": {"times": "Tue 10-12"},
            "saved_at": 1_700_000_502,
        }
    ]
    assert (await store.export_user(43))["replies"] == []


async def test_a_changed_answer_in_the_same_run_replaces_the_record(store: Store) -> None:
    await store.save_reply(reply("feedback"))
    await store.save_reply(reply("call"))
    await store.save_reply(reply("call"))  # a retried save
    await store.save_reply(reply("keep_in_mind", run=3))  # a later reply to the same result
    answers = [r["answers"]["reply"] for r in (await store.export_user(42))["replies"]]
    assert answers == ["call", "keep_in_mind"]


async def test_forget_erases_the_replies_of_that_person_only(store: Store) -> None:
    await store.save_reply(reply("call"))
    await store.save_reply(reply("silence", user_id=43))
    await store.forget_user(42)
    assert (await store.export_user(42))["replies"] == []
    assert [r["answers"] for r in (await store.export_user(43))["replies"]] == [{"reply": "silence"}]


async def test_stats_count_replies_by_value_and_nothing_personal(store: Store) -> None:
    before = await store.stats()
    assert before["replies"] == 0 and not any(key.startswith("replied_") for key in before)
    for user_id, value in ((1, "call"), (2, "call"), (3, "silence"), (4, "no_again")):
        await store.save_reply(reply(value, user_id=user_id, details={"times": "secret"}))
    stats = await store.stats()
    assert stats["replies"] == 4
    assert {k: v for k, v in stats.items() if k.startswith("replied_")} == {
        "replied_call": 2,
        "replied_no_again": 1,
        "replied_silence": 1,
    }
    assert all(isinstance(value, int) for value in stats.values())


async def test_a_reply_is_committed_with_the_turn_or_not_at_all(store: Store) -> None:
    session = {"flow": "after_reply", "flow_version": 1, "state": "result", "run": 2, "step": 3}
    assert await store.commit_turn(7, 42, 42, session, reply=reply("call"))
    assert not await store.commit_turn(7, 42, 42, session, reply=reply("silence"))  # redelivered
    assert [r["answers"] for r in (await store.export_user(42))["replies"]] == [{"reply": "call"}]
