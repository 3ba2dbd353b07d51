"""Rows as records, the same for both backends: the column lists and the converters."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.storage.base import ChatRecord, Reminder, SharedPath

CHAT_COLUMNS = (
    "chat_id, user_id, session, message_id, message_step, runs, blocked, updated_at, version, "
    "language, time_zone, message_unsent, message_in_place"
)
"""The order `chat_from_row` reads."""


def chat_from_row(row: Sequence[Any]) -> ChatRecord:
    return ChatRecord(
        chat_id=row[0],
        user_id=row[1],
        session=json.loads(row[2]) if row[2] is not None else None,
        message_id=row[3],
        message_step=row[4],
        runs=row[5],
        blocked=bool(row[6]),
        updated_at=row[7],
        version=row[8],
        language=row[9],
        time_zone=row[10],
        message_unsent=row[11],
        message_in_place=bool(row[12]),
    )


REMINDER_COLUMNS = (
    "id, chat_id, user_id, run, delay, language, payload, due_at, state, attempts, claimed_by, "
    "sent_at, outcome, outcome_at, created_at"
)
"""The order `reminder_from_row` reads."""


def reminder_from_row(row: Sequence[Any]) -> Reminder:
    return Reminder(
        id=row[0],
        chat_id=row[1],
        user_id=row[2],
        run=row[3],
        delay=row[4],
        language=row[5],
        payload=json.loads(row[6]),
        due_at=row[7],
        state=row[8],
        attempts=row[9],
        claimed_by=row[10],
        sent_at=row[11],
        outcome=row[12],
        outcome_at=row[13],
        created_at=row[14],
    )


def shared_path_from_row(row: Sequence[Any]) -> SharedPath:
    return SharedPath(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), row[6])
