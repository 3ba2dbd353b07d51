"""What the employer answered (`SavedReply`), as both backends store, export and count it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from bot.storage.base import SavedReply


def _json(value: dict[str, str]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def reply_row(reply: SavedReply) -> tuple[Any, ...]:
    """The values of one `replies` row, in the column order of the migrations' INSERTs."""
    outcome = next(iter(reply.answers.values()), "")
    return (
        reply.user_id,
        reply.result_saved_at,
        reply.run,
        reply.result_flow,
        _json(reply.result_answers),
        reply.flow,
        reply.flow_version,
        reply.language,
        outcome,
        _json(reply.answers),
        _json(reply.details),
        reply.saved_at,
    )


def reply_from_row(row: Any) -> SavedReply:
    """From `SELECT user_id, result_flow, result_answers, result_saved_at, flow, flow_version,
    language, run, answers, details, saved_at`."""
    return SavedReply(
        int(row[0]),
        str(row[1]),
        json.loads(row[2]),
        int(row[3]),
        str(row[4]),
        int(row[5]),
        str(row[6]),
        int(row[7]),
        json.loads(row[8]),
        json.loads(row[9]),
        int(row[10]),
    )


def reply_dict(reply: SavedReply) -> dict[str, Any]:
    """One reply in /mydata's export."""
    return {
        "answers_result": {
            "flow": reply.result_flow,
            "answers": reply.result_answers,
            "saved_at": reply.result_saved_at,
        },
        "flow": reply.flow,
        "flow_version": reply.flow_version,
        "language": reply.language,
        "run": reply.run,
        "answers": reply.answers,
        "details": reply.details,
        "saved_at": reply.saved_at,
    }


def reply_figures(rows: Iterable[Any]) -> dict[str, int]:
    """`replies` (all) and `replied_<outcome>` from (outcome, count) rows: counts only."""
    counts = {str(row[0]): int(row[1]) for row in rows if row[0]}
    return {"replies": sum(counts.values()), **{f"replied_{name}": n for name, n in counts.items()}}
