"""The load generator: simulated people completing the guide over the fake Bot API.

One process (this one) runs the fake server and the people on one event loop; the bot
runs in its own process, pinned to another core when there is one, so the two never
share CPU and the bot's RSS and start-up are its own. Each person behaves like a person:
one action, then wait until the bot shows the next step, then the next action.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.engine_only import DETAIL_WORDS, script
from bench.fake import BenchBotAPI
from bot.engine import Guide
from bot.telegram import buttons as callbacks
from tests.fakebotapi import ChatMessage

REPO = Path(__file__).resolve().parent.parent
STEP_TIMEOUT = 60.0
"""Seconds a person waits for the next step before giving up (counted as a failure)."""
FIRST_UPDATE_ID = 50_000_000
"""Above every update id a pre-filled database holds, so none looks redelivered."""


# ---- the bots -------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class BotKind:
    name: str
    argv: tuple[str, ...]
    label: str


BASELINE = BotKind("baseline", ("-m", "bench.baseline"), "bare PTB")
OURS = BotKind("ours", ("-m", "bench.unthrottled"), "ours, flood limit lifted")
SHIPPED = BotKind("shipped", ("-m", "bot", "run"), "ours as shipped (`python -m bot run`)")


def cpu_layout() -> tuple[set[int] | None, set[int] | None]:
    """(cores for the load generator, cores for the bot), or (None, None) on one core."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return None, None
    return {cores[0]}, {cores[1]}


class BotProcess:
    """One bot in its own process, talking to `fake`; start-up timed to its first getUpdates."""

    def __init__(
        self, kind: BotKind, fake: BenchBotAPI, database: Path, log_path: Path, cpus: set[int] | None
    ) -> None:
        self.kind = kind
        self.fake = fake
        self.database = database
        self.log_path = log_path
        self.cpus = cpus
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_s = float("nan")

    async def start(self, timeout: float = 30) -> None:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": self.fake.token,
            "TELEGRAM_API_BASE_URL": self.fake.base_url,
            "DATABASE_URL": f"sqlite:///{self.database}",
            "PYTHONPATH": str(REPO),
            "LOG_LEVEL": "INFO",
            "METRICS_PORT": str(free_port()),  # not the default 9090: other bots may run on this machine
        }
        with self.log_path.open("ab") as log:
            spawned = time.monotonic()
            self.process = subprocess.Popen(
                [sys.executable, *self.kind.argv],
                env=env,
                cwd=self.database.parent,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if self.cpus:
            os.sched_setaffinity(self.process.pid, self.cpus)
        deadline = time.monotonic() + timeout
        while not self.fake.first_poll.is_set():
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.kind.name} exited with {self.process.returncode}; see {self.log_path}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.kind.name} did not poll within {timeout}s")
            await asyncio.sleep(0.005)
        assert self.fake.first_poll_at is not None
        self.startup_s = self.fake.first_poll_at - spawned

    def cpu_seconds(self) -> float:
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def memory_mb(self) -> tuple[float, float]:
        """(current RSS, peak RSS) in MiB, from /proc/<pid>/status."""
        assert self.process is not None
        values = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
        return values["VmRSS"], values["VmHWM"]

    async def stop(self, timeout: float = 20) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if process.poll() is None:
            process.kill()
            process.wait()


# ---- what a person does ---------------------------------------------------------------------

Action = tuple[str, str | int]
"""("text", words) or ("press", message_id): the button is chosen by the driver."""


class Person(ABC):
    """Decides the next action from the step the bot just showed."""

    def first(self) -> str:
        return "/start"

    @abstractmethod
    def next(self, step: ChatMessage) -> tuple[str, str] | None:
        """("press", callback_data), ("text", words), or None when the guide is done."""


class GuidePerson(Person):
    """For our bot: answers each question at random, types every detail, stops at the result."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def next(self, step: ChatMessage) -> tuple[str, str] | None:
        by_action: dict[str, list[str]] = {}
        for row in step.buttons:
            for button in row:
                if button.kind == "callback_data":
                    payload = callbacks.decode(str(button.data))
                    if payload is not None:
                        by_action.setdefault(payload.action, []).append(str(button.data))
        if "a" in by_action:  # a question: pick an option
            return "press", self.rng.choice(by_action["a"])
        if "s" in by_action:  # a detail: type it (never skip)
            return "text", self.rng.choice(DETAIL_WORDS)
        if "p" in by_action:  # the recommendation: on to the drafts
            return "press", by_action["p"][0]
        return None  # the result


class ScriptedPerson(Person):
    """For the baseline: the same kinds of update, in the same order, as a real guide walk."""

    def __init__(self, steps: list[str], rng: random.Random) -> None:
        self.steps = list(steps)
        self.rng = rng

    def next(self, step: ChatMessage) -> tuple[str, str] | None:
        if not self.steps:
            return None
        if self.steps.pop(0) == "text":
            return "text", self.rng.choice(DETAIL_WORDS)
        data = [str(b.data) for row in step.buttons for b in row if b.kind == "callback_data"]
        return "press", self.rng.choice(data)


def person_factory(kind: BotKind, guide: Guide) -> Callable[[random.Random], Person]:
    if kind is BASELINE:
        return lambda rng: ScriptedPerson(script(guide, rng), rng)
    return GuidePerson


# ---- a phase of load ------------------------------------------------------------------------


@dataclass
class PhaseResult:
    users: int
    window_s: float
    updates: int = 0
    guides: int = 0
    failures: int = 0
    first_reply: list[float] = field(default_factory=list)
    step_shown: list[float] = field(default_factory=list)
    requests: int = 0
    """Bot API requests other than getUpdates the bot made in the window."""
    bot_cpu_s: float = 0.0
    loadgen_cpu_s: float = 0.0
    violations: int = 0

    @property
    def updates_per_s(self) -> float:
        return self.updates / self.window_s

    @property
    def guides_per_s(self) -> float:
        return self.guides / self.window_s

    @property
    def bot_cpu_ms_per_update(self) -> float:
        return 1000 * self.bot_cpu_s / self.updates if self.updates else float("nan")

    @property
    def requests_per_update(self) -> float:
        return self.requests / self.updates if self.updates else float("nan")

    @property
    def bot_cpu_ms_per_request(self) -> float:
        return 1000 * self.bot_cpu_s / self.requests if self.requests else float("nan")

    @property
    def loadgen_busy(self) -> float:
        return self.loadgen_cpu_s / self.window_s


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Load:
    """Runs phases of simulated people against one started bot."""

    def __init__(
        self,
        fake: BenchBotAPI,
        bot: BotProcess,
        people: Callable[[random.Random], Person],
        ids: itertools.count[int],
        seed: int,
    ) -> None:
        self.fake = fake
        self.bot = bot
        self.people = people
        self.ids = ids
        self.rng = random.Random(seed)

    async def phase(
        self, users: int, seconds: float, think: tuple[float, float] = (0.0, 0.0), warmup: float | None = None
    ) -> PhaseResult:
        """`users` people, each completing guides back to back (a new person each time) until
        `seconds` have passed; figures are taken after `warmup` seconds (ramp-up excluded)."""
        self.fake.reset_observations()
        warm = seconds * 0.25 if warmup is None else warmup
        started = time.monotonic()
        window_start, stop_at = started + warm, started + seconds
        result = PhaseResult(users, seconds - warm)
        violations_before = len(self.fake.violations)
        marks: dict[str, float] = {}

        async def sample_cpu() -> None:
            await asyncio.sleep(max(0.0, window_start - time.monotonic()))
            marks["bot0"], marks["gen0"] = self.bot.cpu_seconds(), time.process_time()
            await asyncio.sleep(max(0.0, stop_at - time.monotonic()))
            marks["bot1"], marks["gen1"] = self.bot.cpu_seconds(), time.process_time()

        async def slot(index: int) -> None:
            rng = random.Random(self.rng.random())
            await asyncio.sleep(index * 0.002)  # do not open with one burst of identical updates
            while time.monotonic() < stop_at:
                done = await self._guide(
                    next(self.ids), self.people(rng), rng, think, stop_at, window_start, result
                )
                if done is not None and window_start <= done <= stop_at:
                    result.guides += 1

        sampler = asyncio.ensure_future(sample_cpu())
        await asyncio.gather(*(slot(i) for i in range(users)))
        await sampler
        result.bot_cpu_s = marks["bot1"] - marks["bot0"]
        result.loadgen_cpu_s = marks["gen1"] - marks["gen0"]
        for timing in self.fake.update_timings.values():
            if timing.first_reply_at is None:
                continue
            if window_start <= timing.first_reply_at <= stop_at:
                result.updates += 1
            if window_start <= timing.available_at <= stop_at:
                result.first_reply.append(timing.latency or 0.0)
        result.requests = sum(
            1
            for call in self.fake.calls
            if call.method != "getUpdates" and window_start <= call.finished <= stop_at
        )
        result.violations = len(self.fake.violations) - violations_before
        return result

    async def population(self, total: int, concurrency: int, progress: Callable[[int], None]) -> PhaseResult:
        """`total` distinct people complete the guide, `concurrency` at a time, no pauses."""
        started = time.monotonic()
        result = PhaseResult(concurrency, 0.0)
        violations_before = len(self.fake.violations)
        remaining = iter(range(total))
        never = float("inf")

        async def slot() -> None:
            rng = random.Random(self.rng.random())
            for _ in remaining:
                done = await self._guide(
                    next(self.ids), self.people(rng), rng, (0.0, 0.0), never, never, result
                )
                if done is not None:
                    result.guides += 1
                    progress(result.guides)
                if result.guides % 500 == 0:
                    self.fake.reset_observations()  # keep the generator's own memory flat

        await asyncio.gather(*(slot() for _ in range(concurrency)))
        result.window_s = time.monotonic() - started
        result.violations = len(self.fake.violations) - violations_before
        return result

    async def _guide(
        self,
        user_id: int,
        person: Person,
        rng: random.Random,
        think: tuple[float, float],
        stop_at: float,
        window_start: float,
        result: PhaseResult,
    ) -> float | None:
        """One person through one guide; returns when they reached the result, or None."""
        fake = self.fake
        user = fake.user(user_id, "Bench")
        action: tuple[str, str] | None = ("text", person.first())
        step: ChatMessage | None = None
        try:
            while action is not None:
                waiter = fake.expect_step(user_id)
                sent = time.monotonic()
                kind, value = action
                if kind == "text":
                    user.send(value)
                else:
                    assert step is not None
                    user.press(step.message_id, value)
                try:
                    step = await asyncio.wait_for(waiter, STEP_TIMEOUT)
                except TimeoutError:
                    result.failures += 1
                    return None
                shown = time.monotonic()
                if sent >= window_start and sent <= stop_at:
                    result.step_shown.append(shown - sent)
                action = person.next(step)
                if action is None:
                    return shown
                if shown >= stop_at:
                    return None
                if think[1] > 0:
                    await asyncio.sleep(rng.uniform(*think))
            return None
        finally:
            fake.forget_chat(user_id)


def summarize(values: list[float]) -> float:
    clean = [v for v in values if v == v]
    return statistics.median(clean) if clean else float("nan")
