"""The funnel for operators: where unfinished guides stand, the approaches recommended,
reminders and what people said about replies. Counts only; nothing about anyone.

`compute` works on plain rows (the session JSON of each chat with a guide, the answers of
each kept result, reminder states and outcomes), which three portable SELECTs
(`FUNNEL_QUERIES`) read from either database, read-only and as of one moment: `read`
runs them on the SQLite file or the PostgreSQL database of DATABASE_URL, for
`reconsider-bot stats` and /stats.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field

from bot.engine import Guide
from bot.storage import POSTGRESQL_SCHEMES, StoreError, sqlite_path

STALLED_AFTER = 24 * 3600
"""A guide untouched this long (seconds) counts as dropped at the step it is on."""
FUNNEL_QUERIES = {
    "sessions": "SELECT session, updated_at FROM chats WHERE session IS NOT NULL",
    "results": "SELECT answers FROM results",
    "reminders": "SELECT state, outcome, COUNT(*) FROM reminders GROUP BY state, outcome",
}


@dataclass(frozen=True)
class FunnelRows:
    sessions: list[tuple[str, int]]
    results: list[str]
    reminders: list[tuple[str, str | None, int]]


@dataclass
class Funnel:
    steps: list[str]
    """Where a guide can stand, in the flow's order (question ids, then the later steps)."""
    at_step: Counter[str] = field(default_factory=Counter)
    stalled: Counter[str] = field(default_factory=Counter)
    finished: int = 0
    results: int = 0
    approaches: Counter[str] = field(default_factory=Counter)
    reminders: Counter[str] = field(default_factory=Counter)
    replies: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, object]:
        return {
            "unfinished_guides_by_step": {
                step: self.at_step[step] for step in self.steps if self.at_step[step]
            },
            "stalled_by_step": {step: self.stalled[step] for step in self.steps if self.stalled[step]},
            "guides_at_result": self.finished,
            "results_kept": self.results,
            "approaches_recommended": dict(self.approaches.most_common()),
            "reminders_by_state": dict(sorted(self.reminders.items())),
            "reply_outcomes": dict(sorted(self.replies.items())),
        }


def step_of(guide: Guide, state: str) -> str:
    if state.startswith("detail:"):
        return "details"
    return state if guide.flow.has_question(state) or state in ("recommend", "change", "result") else "other"


def compute(guide: Guide, rows: FunnelRows, now: float | None = None) -> Funnel:
    now = time.time() if now is None else now
    steps = [question.id for question in guide.flow.questions] + ["recommend", "details", "change", "other"]
    funnel = Funnel(steps=steps)
    for session_json, updated_at in rows.sessions:
        try:
            session = json.loads(session_json)
            state = str(session["state"])
            current = session.get("flow") == guide.flow.id
        except (ValueError, KeyError, TypeError):
            state, current = "other", False
        step = step_of(guide, state) if current else "other"
        if step == "result":
            funnel.finished += 1
            continue
        funnel.at_step[step] += 1
        if now - updated_at > STALLED_AFTER:
            funnel.stalled[step] += 1
    language = guide.flow.languages[0]
    for answers_json in rows.results:
        funnel.results += 1
        try:
            answers = {str(k): str(v) for k, v in json.loads(answers_json).items()}
            funnel.approaches[guide.plan_for(answers, {}, language).primary] += 1
        except Exception:  # answers of an older flow: counted, not attributed
            funnel.approaches["(older flow)"] += 1
    for state, outcome, count in rows.reminders:
        funnel.reminders[state] += count
        if outcome:
            funnel.replies[outcome] += count
    return funnel


def render(funnel: Funnel) -> str:
    """Plain text for `reconsider-bot stats` and /stats."""
    lines = ["Unfinished guides by the step they are on (stalled over a day):"]
    shown = [step for step in funnel.steps if funnel.at_step[step]]
    for step in shown:
        lines.append(f"  {step}: {funnel.at_step[step]} ({funnel.stalled[step]})")
    if not shown:
        lines.append("  none")
    lines.append(f"Guides at their result: {funnel.finished}; results kept: {funnel.results}")
    lines.append(
        "Approaches recommended: "
        + (", ".join(f"{name} {count}" for name, count in funnel.approaches.most_common()) or "none")
    )
    lines.append(
        "Reminders: "
        + (", ".join(f"{state} {count}" for state, count in sorted(funnel.reminders.items())) or "none")
    )
    lines.append(
        "Did they reply? "
        + (
            ", ".join(f"{outcome} {count}" for outcome, count in sorted(funnel.replies.items()))
            or "no answers yet"
        )
    )
    return "\n".join(lines)


def read_sqlite(database_url: str) -> FunnelRows:
    """The funnel's rows from a SQLite database, read-only (safe while the bot runs)."""
    path = sqlite_path(database_url)
    if not path.is_file():
        raise StoreError(f"no database at {path} (DATABASE_URL={database_url}).")
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        ) as db:
            with db:  # one read transaction: the three reads see one moment
                sessions = [(str(s), int(u)) for s, u in db.execute(FUNNEL_QUERIES["sessions"])]
                results = [str(a) for (a,) in db.execute(FUNNEL_QUERIES["results"])]
                reminders = [(str(s), o, int(c)) for s, o, c in db.execute(FUNNEL_QUERIES["reminders"])]
    except sqlite3.Error as error:
        raise StoreError(f"could not read {path}: {error}") from error
    return FunnelRows(sessions, results, reminders)


def read_postgresql(database_url: str) -> FunnelRows:
    """The funnel's rows from PostgreSQL, in one read-only snapshot (safe while replicas run)."""
    from bot.storage.postgresql import read_snapshot

    rows = read_snapshot(database_url, FUNNEL_QUERIES)
    return FunnelRows(
        sessions=[(str(s), int(u)) for s, u in rows["sessions"]],
        results=[str(a) for (a,) in rows["results"]],
        reminders=[(str(s), o, int(c)) for s, o, c in rows["reminders"]],
    )


def read(database_url: str) -> FunnelRows:
    """The funnel's rows from the database `database_url` names (blocking; StoreError in one line)."""
    scheme = database_url.partition(":")[0].lower()
    if scheme == "sqlite":
        return read_sqlite(database_url)
    if scheme in POSTGRESQL_SCHEMES:
        return read_postgresql(database_url)
    raise StoreError(
        f"the funnel cannot read {scheme or 'this'} databases; DATABASE_URL is sqlite: or postgresql:."
    )
