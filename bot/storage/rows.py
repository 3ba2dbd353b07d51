"""Rows as records, the same for both backends: the column lists and the converters."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.storage.base import Reminder, SharedPath

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
