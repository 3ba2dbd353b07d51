"""The reliability soak: people taking the guide while the bot is killed at random instants.

    .venv/bin/python -m bench.soak                     # 50 people, 12 kills, polling then webhook
    .venv/bin/python -m bench.soak --people 10 --kills 2 --mode polling   # a short run

`python -m bot run` runs as a real process against the fake Bot API (tests/fakebotapi) on
127.0.0.1; it is sent SIGKILL at random instants and started again on the same SQLite file.
Meanwhile each simulated person acts like a person: waits for a step, taps an answer or
types a detail, proceeds, and at the result starts over; after 3 s without a step they
type "hello?" (what people do when a bot goes quiet). Afterwards it checks, and prints as
a Markdown table:

- **acknowledged answers lost**: a tap or typed detail the person saw taken (the next step
  came, and the tap was not answered "that button is from an earlier step", then or later)
  that is not in the stored session (for a finished run, as stored when its result came);
- **updates never processed**: updates sent that are not recorded as processed;
- **duplicate messages**: two identical bot messages with no action of the person between;
- **people without a live step**: 10 s after each restart, a person whose current step
  (from the database) is on screen nowhere, and whose current step is still that same step,
  still on screen nowhere, 3 s later, with nothing new from the bot in the chat meanwhile
  (while messages keep coming, looked at again 3 s later, three times at most);
- and how often people had to nudge, how long restarts took, guides finished.

Exit status 0 when the four counts are all 0, 1 otherwise. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import free_port
from bot.content.flow_loader import load_guide
from tests.fakebotapi import ChatMessage, FakeBotAPI

REPO = Path(__file__).resolve().parent.parent
FLOWS = REPO / "flows"
NUDGE_AFTER = 3.0
LIVE_CHECK_AFTER = 10.0
ROUNDS = 3
"""Looks, 3 s apart, at a person without a live step whose chat is still getting messages."""
DETAIL_WORDS = ("Alex Morgan", "Acme Logistics", "Data Analyst", "SQL dashboards", "Priya", "portfolio")
NUDGES = ("hello?", "are you there", "?", "hi")


def decode(data: Any) -> tuple[int, int, str, str] | None:
    """(run, step, action, argument) of one of our buttons' callback data, or None."""
    parts = str(data).split(".", 5)
    if len(parts) < 5:
        return None
    try:
        run, step = int(parts[2], 36), int(parts[3], 36)
    except ValueError:
        return None
    return run, step, parts[4], parts[5] if len(parts) > 5 else ""


def payloads(message: ChatMessage) -> list[tuple[str, tuple[int, int, str, str]]]:
    found = []
    for row in message.buttons:
        for button in row:
            if button.kind == "callback_data" and (decoded := decode(button.data)) is not None:
                found.append((str(button.data), decoded))
    return found


# ---- the bot process -----------------------------------------------------------------------------


class BotProcess:
    def __init__(self, fake: FakeBotAPI, workdir: Path, mode: str) -> None:
        self.fake = fake
        self.workdir = workdir
        self.mode = mode
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def database(self) -> Path:
        return self.workdir / "bot.sqlite3"

    async def start(self) -> float:
        """Start; the seconds until it takes updates."""
        env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
        env.update(
            PYTHONPATH=str(REPO),
            TELEGRAM_BOT_TOKEN=self.fake.token,
            TELEGRAM_API_BASE_URL=self.fake.base_url,
            DATABASE_URL=f"sqlite:///{self.database}",
            LOG_LEVEL=os.environ.get("SOAK_LOG_LEVEL", "INFO"),
            METRICS_PORT=str(free_port()),  # not the default 9090: other bots may run on this machine
        )
        if self.mode == "webhook":
            env.update(
                WEBHOOK_URL=f"http://127.0.0.1:{self.port}/hook",
                WEBHOOK_LISTEN="127.0.0.1",
                WEBHOOK_PORT=str(self.port),
                WEBHOOK_SECRET="soak-secret",
            )
        ready = "setWebhook" if self.mode == "webhook" else "deleteWebhook"
        before = self.fake.method_counts[ready]
        began = time.monotonic()
        self.starts += 1
        log = (self.workdir / f"bot-{self.mode}-{self.starts}.log").open("wb")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=self.workdir, env=env, stdout=log, stderr=log
        )
        log.close()
        while self.fake.method_counts[ready] <= before:
            if self.process.returncode is not None:
                raise RuntimeError(f"the bot exited with {self.process.returncode}; see {self.workdir}")
            if time.monotonic() - began > 30:
                raise TimeoutError("the bot did not start in 30 s")
            await asyncio.sleep(0.01)
        return time.monotonic() - began

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 30)


# ---- people ----------------------------------------------------------------------------------------


@dataclass
class Acked:
    """What one person saw taken, per guide run: answers by question, details by id."""

    answers: dict[int, dict[str, str]] = field(default_factory=dict)
    details: dict[int, dict[str, str]] = field(default_factory=dict)
    finished: list[int] = field(default_factory=list)
    taps: dict[tuple[int, str], str] = field(default_factory=dict)
    """(run, question) -> the callback query of the tap whose answer was seen taken: a toast
    saying "earlier step" may come after the next step (see `compare`)."""


@dataclass
class Person:
    user_id: int
    acked: Acked = field(default_factory=Acked)
    action_marks: list[int] = field(default_factory=list)
    """The chat's last message id at each action (to tell a duplicate from an answer)."""
    nudges: int = 0
    guides: int = 0
    stale_taps: int = 0
    checked: set[int] = field(default_factory=set)
    """Runs whose stored answers were read at their result."""
    stored: list[tuple[int, dict[str, str], dict[str, str]]] = field(default_factory=list)
    """(run, answers, details) as stored when the run's result was shown."""
    queries: list[str] = field(default_factory=list)
    """The callback queries of their taps on answers (for the transcripts)."""
    actions: list[tuple[float, str]] = field(default_factory=list)
    """(time.monotonic(), what they did, with the update's id), for the transcripts."""

    def did(self, what: str, update: dict[str, Any]) -> None:
        self.actions.append((time.monotonic(), f"{what} (update {update.get('update_id')})"))


class Soak:
    def __init__(self, fake: FakeBotAPI, people: int, seed: int, database: Path) -> None:
        self.fake = fake
        self.rng = random.Random(seed)
        guide = load_guide(FLOWS)
        catalog = guide.catalog(guide.flow.languages[0])
        self.questions = {catalog.text(f"questions.{q.id}.text"): q.id for q in guide.flow.questions}
        self.prompts = {catalog.text(f"details.{d.id}.prompt"): d.id for d in guide.flow.details}
        self.people = [Person(7_000_000 + i) for i in range(people)]
        self.database = database
        self.kills = 0
        self.checked = 0
        self.events: list[tuple[float, str]] = []
        """(time.monotonic(), what): kills, restarts and checks, for the transcripts."""
        self.stopping = asyncio.Event()
        self.paused = asyncio.Event()
        self.paused.set()

    def latest_step(self, user_id: int) -> ChatMessage | None:
        log = self.fake._chats.get(user_id)
        if log is None:
            return None
        for message in reversed(log.bot_messages):
            if not message.deleted and payloads(message):
                return message
        return None

    def changed_step(self, user_id: int, since: int) -> ChatMessage | None:
        """The newest bot message with buttons, new or edited after chat revision `since`."""
        log = self.fake._chats.get(user_id)
        if log is None:
            return None
        return next(
            (m for m in reversed(log.changed_since(since)) if m.from_bot and payloads(m) and not m.deleted),
            None,
        )

    async def next_step(self, user_id: int, since: int, timeout: float) -> ChatMessage | None:
        try:
            return await self.fake.wait_for(lambda: self.changed_step(user_id, since), timeout, "a step")
        except TimeoutError:
            return None

    def told_stale(self, query_id: str) -> bool:
        """The tap was answered with a toast (an earlier step's button), not taken."""
        return any(
            call.params.get("callback_query_id") == query_id and call.params.get("text")
            for call in self.fake.calls_of("answerCallbackQuery")
        )

    def bot_messages(self, user_id: int) -> int:
        """How many messages the bot has sent or edited in the chat so far."""
        log = self.fake._chats.get(user_id)
        return sum(1 + m.edits for m in log.bot_messages) if log is not None else 0

    def revision(self, user_id: int) -> int:
        log = self.fake._chats.get(user_id)
        return log.revision if log is not None else 0

    def mark_action(self, person: Person) -> None:
        log = self.fake._chats.get(person.user_id)
        person.action_marks.append(log.last_message_id if log is not None else 0)

    async def live(self, person: Person) -> None:
        rng = random.Random(self.rng.random())
        user = self.fake.user(person.user_id, f"P{person.user_id % 1000}")
        await asyncio.sleep(rng.uniform(0, 1))
        since = self.revision(person.user_id)
        self.mark_action(person)
        person.did("/start", user.send("/start"))
        pending: tuple[int, int, str, str, str] | None = None  # run, step, kind, key, value
        query_id: str | None = None
        while not self.stopping.is_set():
            await self.paused.wait()
            step = await self.next_step(person.user_id, since, NUDGE_AFTER)
            if step is None:
                since = self.revision(person.user_id)
                self.mark_action(person)
                person.did("nudge", user.send(rng.choice(NUDGES)))
                person.nudges += 1
                continue
            buttons = payloads(step)
            run, number = buttons[0][1][0], buttons[0][1][1]
            if pending is not None and (run, number) > (pending[0], pending[1]):
                kind_of, key, value = pending[2], pending[3], pending[4]
                if query_id is not None and self.told_stale(query_id):
                    person.stale_taps += 1  # "that button is from an earlier step": not taken
                else:
                    target = person.acked.answers if kind_of == "answer" else person.acked.details
                    target.setdefault(pending[0], {})[key] = value
                    if query_id is not None:
                        person.acked.taps[(pending[0], key)] = query_id
            pending, query_id = None, None
            seen = self.revision(person.user_id)
            await asyncio.sleep(rng.uniform(0.2, 1.0))  # reading, thinking
            if self.stopping.is_set():
                break
            if self.changed_step(person.user_id, seen) is not None:
                since = seen  # something came in meanwhile: look at that first, as a person would
                continue
            since = self.revision(person.user_id)
            by_action: dict[str, list[tuple[str, str]]] = {}
            for data, (_, _, action, argument) in buttons:
                by_action.setdefault(action, []).append((data, argument))
            question = next((q for text, q in self.questions.items() if text in step.text), None)
            detail = next((d for text, d in self.prompts.items() if text in step.text), None)
            self.mark_action(person)
            if "a" in by_action and question is not None:
                data, argument = rng.choice(by_action["a"])
                pending = (run, number, "answer", question, argument)
                pressed = user.press(step.message_id, data)
                query_id = pressed["callback_query"]["id"]
                person.queries.append(query_id)
                person.did(f"tap {argument} on {step.message_id} step {number} query {query_id}", pressed)
            elif "s" in by_action and detail is not None:
                words = rng.choice(DETAIL_WORDS)
                pending = (run, number, "detail", detail, words)
                person.did(f"typed {words} at step {number}", user.send(words))
            elif "p" in by_action:
                person.did("proceed", user.press(step.message_id, by_action["p"][0][0]))
            else:  # the result: done; check what was stored for this run, then start over
                person.acked.finished.append(run)
                person.guides += 1
                session = read_session(self.database, person.user_id)
                if session is not None and session.get("run") == run and run not in person.checked:
                    person.checked.add(run)  # compared at the end (see `lost_at_results`)
                    person.stored.append((run, session.get("answers", {}), session.get("details", {})))
                person.did("/restart", user.send("/restart"))


# ---- checks -------------------------------------------------------------------------------------------


def read_database(path: Path) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]], set[int]]:
    """(sessions by chat, results by user, processed update ids), read-only."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        sessions = {
            chat: json.loads(text)
            for chat, text in db.execute("SELECT chat_id, session FROM chats WHERE session IS NOT NULL")
        }
        results = {
            user: {"answers": json.loads(answers), "details": json.loads(details)}
            for user, answers, details in db.execute("SELECT user_id, answers, details FROM results")
        }
        processed = {row[0] for row in db.execute("SELECT update_id FROM processed_updates")}
    finally:
        db.close()
    return sessions, results, processed


def read_session(database: Path, chat_id: int) -> dict[str, Any] | None:
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        row = db.execute("SELECT session FROM chats WHERE chat_id = ?", (chat_id,)).fetchone()
    finally:
        db.close()
    return json.loads(row[0]) if row and row[0] else None


def compare(
    person: Person,
    run: int,
    answers: dict[str, str],
    details: dict[str, str],
    told_stale: Callable[[str], bool],
) -> int:
    """How many of the answers and details the person saw taken in `run` are not stored so.

    A tap counts as seen taken when a later step came and its query was not answered with
    "that button is from an earlier step". That answer can come after the later step (an
    earlier tap of theirs, on an older copy of the question, brought it), so runs are compared
    at the end of the soak, when every tap has had its answer."""
    seen = [*person.acked.answers.get(run, {}).items(), *person.acked.details.get(run, {}).items()]
    stored = {**answers, **details}
    lost = 0
    for key, value in seen:
        query = person.acked.taps.get((run, key))
        if query is not None and told_stale(query):
            person.stale_taps += 1
            continue
        if stored.get(key) != value:
            lost += 1
            print(
                f"lost: person {person.user_id} run {run}: {key}={value!r}, stored {stored.get(key)!r}",
                file=sys.stderr,
            )
    return lost


def lost_at_results(soak: Soak) -> int:
    """At the end (every tap answered by then): each finished run as stored when its result
    was shown, against what the person saw taken in it."""
    return sum(
        compare(person, run, answers, details, soak.told_stale)
        for person in soak.people
        for run, answers, details in person.stored
    )


def lost_in_current_runs(soak: Soak, sessions: dict[int, dict[str, Any]]) -> int:
    """At the end: each person's current run against their stored session (finished runs were
    checked as each result was shown)."""
    lost = 0
    for person in soak.people:
        session = sessions.get(person.user_id)
        if session is not None and session.get("run") not in person.acked.finished:
            lost += compare(
                person,
                session["run"],
                session.get("answers", {}),
                session.get("details", {}),
                soak.told_stale,
            )
    return lost


def duplicates(soak: Soak) -> int:
    count = 0
    for person in soak.people:
        log = soak.fake._chats.get(person.user_id)
        if log is None:
            continue
        marks = sorted(person.action_marks)
        previous: ChatMessage | None = None
        for message in log.bot_messages:
            if (
                previous is not None
                and message.raw.get("text") == previous.raw.get("text")
                and message.buttons == previous.buttons
                and not any(previous.message_id <= mark < message.message_id for mark in marks)
            ):
                count += 1
            previous = message
    return count


def without_live_step(soak: Soak, database: Path) -> set[tuple[int, int, int]]:
    """(person, run, step) of each person whose current step (in the database) is shown by no
    message with buttons in their chat."""
    sessions, _, _ = read_database(database)
    stranded = set()
    for person in soak.people:
        session = sessions.get(person.user_id)
        if session is None:
            continue
        want = (session.get("run"), session.get("step"))
        log = soak.fake._chats.get(person.user_id)
        shown = log is not None and any(
            not m.deleted and any((p[0], p[1]) == want for _, p in payloads(m)) for m in log.bot_messages
        )
        if not shown:
            stranded.add((person.user_id, int(session.get("run", 0)), int(session.get("step", 0))))
    return stranded


# ---- one run ----------------------------------------------------------------------------------------------


@dataclass
class Figures:
    mode: str
    people: int
    kills: int
    seconds: float = 0.0
    lost_answers: int = 0
    never_processed: int = 0
    duplicate_messages: int = 0
    without_live_step: int = 0
    updates: int = 0
    guides: int = 0
    nudges: int = 0
    stale_taps: int = 0
    checked: int = 0
    restart_s: list[float] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (
            self.lost_answers or self.never_processed or self.duplicate_messages or self.without_live_step
        )


async def run(
    mode: str, people: int, kills: int, gap: tuple[float, float], seed: int, workdir: Path, progress: Any
) -> Figures:
    fake = FakeBotAPI(webhook_retries=100_000, webhook_retry_delay=0.1)
    await fake.start()
    figures = Figures(mode, people, kills)
    began = time.monotonic()
    bot = BotProcess(fake, workdir, mode)
    soak = Soak(fake, people, seed, bot.database)
    stranded_total: set[tuple[int, int]] = set()
    try:
        await bot.start()
        crowd = [asyncio.create_task(soak.live(person)) for person in soak.people]
        rng = random.Random(seed + 1)
        checks = []
        for kill in range(kills):
            await asyncio.sleep(rng.uniform(*gap))
            await bot.kill()
            soak.kills += 1
            soak.events.append((time.monotonic(), f"kill {kill + 1}"))
            progress(f"{mode}: kill {kill + 1}/{kills}")
            await asyncio.sleep(rng.uniform(0, 0.5))
            figures.restart_s.append(await bot.start())
            soak.events.append((time.monotonic(), f"taking updates after kill {kill + 1}"))
            checks.append(asyncio.create_task(live_check(soak, bot.database, kill, stranded_total)))
        await asyncio.gather(*checks)
        soak.stopping.set()
        await asyncio.gather(*crowd)
        try:
            await fake.idle(quiet=1.0, timeout=60)
        except TimeoutError as error:  # counted below as updates never processed
            progress(f"{mode}: {str(error)[:200]}")
        code = await bot.stop()
        if code != 0:
            progress(f"{mode}: the bot exited with {code} on SIGTERM")
        sessions, results, processed = read_database(bot.database)
        sent = {u for u, timing in fake.update_timings.items() if timing.chat_id is not None}
        figures.updates = len(sent)
        figures.never_processed = len(sent - processed)
        figures.lost_answers = lost_at_results(soak) + lost_in_current_runs(soak, sessions)
        figures.duplicate_messages = duplicates(soak)
        figures.without_live_step = len(stranded_total)
        figures.guides = sum(p.guides for p in soak.people)
        figures.nudges = sum(p.nudges for p in soak.people)
        figures.stale_taps = sum(p.stale_taps for p in soak.people)
        figures.checked = soak.checked
        dump_transcripts(soak, workdir / "transcripts.json", began, soak.events)
    finally:
        if bot.process is not None and bot.process.returncode is None:
            await bot.kill()
        await fake.stop()
    figures.seconds = time.monotonic() - began
    return figures


async def live_check(soak: Soak, database: Path, kill: int, stranded: set[tuple[int, int]]) -> None:
    """10 s after a restart: whose current step is on screen nowhere, and is still that same
    step, still nowhere, 3 s later with nothing new from the bot in their chat meanwhile (while
    its messages keep coming, a step of several, paced a second apiece, is on its way: looked
    at again, at most three times). Only when the bot has stayed up that long (no later kill)."""
    await asyncio.sleep(LIVE_CHECK_AFTER)
    if soak.kills > kill + 1:
        return
    soak.checked += 1
    waiting = without_live_step(soak, database)
    soak.events.append((time.monotonic(), f"check after kill {kill + 1}: {sorted(waiting)}"))
    for _ in range(ROUNDS):
        if not waiting:
            return
        heard = {user: soak.bot_messages(user) for user, _, _ in waiting}
        await asyncio.sleep(3.0)
        if soak.kills > kill + 1:
            return
        # The same step, still nowhere: a person caught between their tap and the step it
        # brings (a turn takes about a second on a busy machine) has moved on by now.
        waiting &= without_live_step(soak, database)
        still = {entry for entry in waiting if soak.bot_messages(entry[0]) == heard[entry[0]]}
        stranded.update((kill, user) for user, _, _ in still)
        for user, _, _ in sorted(still)[:3]:
            describe(soak, database, user)
        waiting -= still


def describe(soak: Soak, database: Path, user: int) -> None:
    """What the database and the chat say about a person without a live step (to stderr)."""
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        row = db.execute(
            "SELECT session, message_id, message_step FROM chats WHERE chat_id = ?", (user,)
        ).fetchone()
    finally:
        db.close()
    session = json.loads(row[0]) if row and row[0] else {}
    log = soak.fake._chats.get(user)
    tail = [
        (m.message_id, m.from_bot, m.raw.get("text", "")[:40], [p[1] for _, p in payloads(m)])
        for m in (log.messages[-4:] if log else [])
    ]
    print(
        f"no live step: {user}: session run {session.get('run')} step {session.get('step')}; "
        f"record message {row[1] if row else None} step {row[2] if row else None}; chat ends {tail}",
        file=sys.stderr,
    )


def dump_transcripts(soak: Soak, path: Path, began: float, events: list[tuple[float, str]]) -> None:
    """Each chat as the fake saw it (kept with --keep, to look into a figure that is not 0),
    with its timeline: updates and the bot's calls in the chat, and the kills and restarts,
    in seconds since the run began."""
    calls: dict[int, list[tuple[float, str]]] = {}
    owners = {query: person.user_id for person in soak.people for query in person.queries}
    for call in soak.fake.calls:
        owner = owners.get(str(call.params.get("callback_query_id")))
        if call.method == "answerCallbackQuery" and owner is not None:
            text = str(call.params.get("text") or "")[:30]
            calls.setdefault(owner, []).append(
                (round(call.started - began, 3), f"answered {call.params['callback_query_id']} {text}")
            )
        if call.chat_id is not None:
            text = str(call.params.get("text") or "")[:30]
            calls.setdefault(call.chat_id, []).append(
                (round(call.started - began, 3), f"{call.method}->{call.status} {text}")
            )
    for person in soak.people:
        calls.setdefault(person.user_id, []).extend(
            (round(at - began, 3), what) for at, what in person.actions
        )
    chats: dict[Any, Any] = {"events": [(round(at - began, 3), what) for at, what in events]}
    for person in soak.people:
        log = soak.fake._chats.get(person.user_id)
        if log is None:
            continue
        chats[person.user_id] = {
            "timeline": sorted(calls.get(person.user_id, [])),
            "actions_after_message": person.action_marks,
            "messages": [
                {
                    "id": m.message_id,
                    "bot": m.from_bot,
                    "text": m.raw.get("text", "")[:80],
                    "steps": sorted({p[1] for _, p in payloads(m)}),
                    "edits": m.edits,
                    "deleted": m.deleted,
                }
                for m in log.messages
            ],
        }
    path.write_text(json.dumps(chats, indent=1))


def table(all_figures: list[Figures]) -> str:
    lines = [
        "| mode | people | kills | acknowledged answers lost | updates never processed | "
        "duplicate messages | people without a live step 10 s after a restart (restarts checked) | "
        'updates | guides finished | nudges ("hello?") | taps on an earlier step | '
        "restart to taking updates (median) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f in all_figures:
        restart = sorted(f.restart_s)[len(f.restart_s) // 2] if f.restart_s else float("nan")
        lines.append(
            f"| {f.mode} | {f.people} | {f.kills} | {f.lost_answers} | {f.never_processed} | "
            f"{f.duplicate_messages} | {f.without_live_step} ({f.checked}) | {f.updates} | "
            f"{f.guides} | {f.nudges} | {f.stale_taps} | {restart:.2f} s |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--mode", choices=("polling", "webhook", "both"), default="both")
    parser.add_argument(
        "--gap",
        type=float,
        nargs=2,
        default=(2.0, 16.0),
        metavar=("MIN", "MAX"),
        help="seconds between kills, drawn uniformly (default 2 16: some restarts "
        "are followed by another kill within 10 s, the others are checked)",
    )
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, database)")
    args = parser.parse_args(argv)
    modes = ("polling", "webhook") if args.mode == "both" else (args.mode,)
    results = []
    for mode in modes:
        workdir = Path(tempfile.mkdtemp(prefix=f"soak-{mode}-"))
        figures = asyncio.run(
            run(
                mode,
                args.people,
                args.kills,
                tuple(args.gap),
                args.seed,
                workdir,
                lambda text: print(text, file=sys.stderr, flush=True),
            )
        )
        results.append(figures)
        print(f"{mode}: done in {figures.seconds:.0f} s; work directory {workdir}", file=sys.stderr)
        if not args.keep:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    print(table(results))
    return 0 if all(f.clean for f in results) else 1


if __name__ == "__main__":
    sys.exit(main())
