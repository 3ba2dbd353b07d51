"""`reconsider-bot stats` and /stats: the funnel read from a real bot's database while it runs,
SQLite and PostgreSQL (counts only: where unfinished guides stand, approaches recommended,
reminders and replies)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

from bot import funnel
from bot.engine import Guide
from tests.conftest import REPO
from tests.telegram.conftest import OPERATOR, RunningBot
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


def stats(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(PYTHONPATH=str(REPO), DATABASE_URL=database_url)
    return subprocess.run(
        [sys.executable, "-m", "bot", "stats", *args], env=env, capture_output=True, text=True, timeout=60
    )


async def test_stats_counts_where_guides_stop_and_what_was_recommended(
    bot_on: RunningBot, guide: Guide
) -> None:
    people = [bot_on.person(5000 + n, f"P{n}") for n in range(5)]
    await people[0].send("/start", expect="1/7")  # stops at the first question
    await people[1].send("/start", expect="1/7")
    await people[1].tap("After the final round", expect="2/7")  # stops at the second
    await people[2].send("/start", expect="1/7")
    await people[2].tap("After the final round", expect="2/7")
    await walk(guide, people[3], FINAL, {"company": "Acme"})  # finished
    await walk(guide, people[4], FINAL)  # finished
    expected = guide.plan_for(FINAL, {}, "en").primary

    done = stats(bot_on.settings.database_url, "--format", "json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    first, second = guide.flow.questions[0].id, guide.flow.questions[1].id
    assert figures["unfinished_guides_by_step"] == {first: 1, second: 2}
    assert figures["stalled_by_step"] == {}
    assert figures["guides_at_result"] == 2 and figures["results_kept"] == 2
    assert figures["approaches_recommended"] == {expected: 2}
    text = stats(bot_on.settings.database_url).stdout
    assert f"  {second}: 2 (0)" in text and f"{expected} 2" in text
    for person in people:  # counts only
        assert str(person.id) not in done.stdout + text
    assert "Acme" not in done.stdout + text

    rows = funnel.read(bot_on.settings.database_url)
    later = funnel.compute(guide, rows, now=time.time() + 2 * funnel.STALLED_AFTER)
    assert later.stalled[first] == 1 and later.stalled[second] == 2  # a day later they count as dropped

    # The operator's /stats in the chat shows the same funnel, from the live database.
    replies = await bot_on.person(OPERATOR, "Operator").send("/stats", expect="Bot statistics")
    assert f"  {second}: 2 (0)" in replies[-1].text and f"{expected} 2" in replies[-1].text
    assert "could not be read" not in replies[-1].text


def test_stats_needs_a_database(tmp_path: object) -> None:
    done = stats(f"sqlite:///{tmp_path}/missing.sqlite3")
    assert done.returncode == 2 and "no database" in done.stderr and done.stderr.count("\n") == 1


def test_stats_on_postgresql_without_the_schema_or_the_password_says_so(fresh_postgres: str) -> None:
    empty = stats(fresh_postgres)
    assert (
        empty.returncode == 2 and "reconsider-bot migrate" in empty.stderr and empty.stderr.count("\n") == 1
    )
    parts = urlsplit(fresh_postgres)
    host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    wrong = urlunsplit(parts._replace(netloc=f"{parts.username or 'postgres'}:hunter2-wrong@{host}"))
    refused = stats(wrong)
    assert (
        refused.returncode == 2 and "hunter2-wrong" not in refused.stderr and refused.stderr.count("\n") == 1
    )
