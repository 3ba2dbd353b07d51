"""`python -m bench`: our bot against bare python-telegram-bot, as a Markdown table.

    python -m bench                  # the default run (about 5½ minutes on 2 cores)
    python -m bench --quick          # one short round, for a smoke test
    python -m bench --memory         # RSS growth over 10,000 people completing the guide
    python -m bench --db postgresql  # PostgreSQL vs SQLite, two replicas vs one, 1k vs 100k sessions

Everything talks to a fake Bot API on 127.0.0.1; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import engine_only
from bench.fake import BenchBotAPI
from bench.harness import (
    BASELINE,
    FIRST_UPDATE_ID,
    OURS,
    SHIPPED,
    BotKind,
    BotProcess,
    Load,
    PhaseResult,
    cpu_layout,
    person_factory,
)
from bench.prefill import prefill
from bench.report import Report
from bot.content.flow_loader import load_guide
from bot.engine import Guide
from bot.libraries import quiet_libraries
from bot.settings import default_flows_dir

LIGHT_THINK = (0.2, 0.6)
"""Seconds a person pauses between taps under light load (so latency is service time)."""


@dataclass
class BotRun:
    kind: BotKind
    startup_s: float
    light: PhaseResult
    saturation: PhaseResult
    peak_rss_mb: float
    stored_sessions: int = 0
    notes: list[str] = field(default_factory=list)


class Bench:
    def __init__(self, args: argparse.Namespace, guide: Guide, workdir: Path) -> None:
        self.args = args
        self.guide = guide
        self.workdir = workdir
        self.ids = itertools.count(2_000_000_000)
        self.gen_cpus, self.bot_cpus = (None, None) if args.no_pin else cpu_layout()
        if self.gen_cpus:
            os.sched_setaffinity(0, self.gen_cpus)
        self.runs = 0

    def log(self, message: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    async def measure(
        self, kind: BotKind, users: int, database: Path | None = None, stored: int = 0
    ) -> BotRun:
        """Start `kind` against a fresh fake, run the light and the saturation phase, stop it."""
        self.runs += 1
        args = self.args
        db = database or self.workdir / f"run{self.runs}-{kind.name}.sqlite3"
        async with BenchBotAPI(first_update_id=FIRST_UPDATE_ID) as fake:
            bot = BotProcess(kind, fake, db, self.workdir / f"run{self.runs}-{kind.name}.log", self.bot_cpus)
            try:
                await bot.start()
                load = Load(fake, bot, person_factory(kind, self.guide), self.ids, seed=self.runs)
                light = await load.phase(args.light_users, args.light_seconds, think=LIGHT_THINK)
                saturation = await load.phase(users, args.seconds)
                _, peak = bot.memory_mb()
            finally:
                await bot.stop()
        run = BotRun(kind, bot.startup_s, light, saturation, peak, stored)
        self.log(
            f"{kind.name:8} stored={stored:<6} start-up {run.startup_s:.2f}s  "
            f"light p50/p99 {_ms(light.first_reply, 0.5)}/{_ms(light.first_reply, 0.99)} ms  "
            f"saturation {saturation.updates_per_s:.0f} upd/s, "
            f"p99 {_ms(saturation.first_reply, 0.99)} ms, failures {saturation.failures}, "
            f"violations {light.violations + saturation.violations}, "
            f"bot {saturation.bot_cpu_ms_per_update:.2f} ms CPU/update, "
            f"generator busy {saturation.loadgen_busy:.0%}"
        )
        return run

    async def comparison(self) -> list[BotRun]:
        """Baseline, ours and ours-as-shipped, alternating, `rounds` times."""
        runs = []
        for round_index in range(self.args.rounds):
            order = [BASELINE, OURS] if round_index % 2 == 0 else [OURS, BASELINE]
            for kind in order:
                runs.append(await self.measure(kind, self.args.users))
            runs.append(await self.measure(SHIPPED, self.args.shipped_users))
        return runs

    async def growth(self) -> list[BotRun]:
        """Ours with 1,000 and with 100,000 stored sessions, alternating."""
        templates = {}
        for size in self.args.stored:
            started = time.monotonic()
            templates[size] = prefill(self.workdir / f"template-{size}.sqlite3", self.guide, size)
            self.log(f"pre-filled {size:,} sessions in {time.monotonic() - started:.1f}s")
        runs = []
        for round_index in range(self.args.growth_rounds):
            sizes = self.args.stored if round_index % 2 == 0 else list(reversed(self.args.stored))
            for size in sizes:
                db = self.workdir / f"growth{round_index}-{size}.sqlite3"
                shutil.copyfile(templates[size], db)
                runs.append(await self.measure(OURS, self.args.users, database=db, stored=size))
        return runs

    async def memory(self) -> dict[str, float]:
        """10,000 (or --people) distinct people complete the guide; RSS before, during, after."""
        args = self.args
        db = self.workdir / "memory.sqlite3"
        figures: dict[str, float] = {}
        async with BenchBotAPI(first_update_id=FIRST_UPDATE_ID) as fake:
            bot = BotProcess(OURS, fake, db, self.workdir / "memory.log", self.bot_cpus)
            try:
                await bot.start()
                figures["rss_start_mb"] = bot.memory_mb()[0]
                load = Load(fake, bot, person_factory(OURS, self.guide), self.ids, seed=99)
                started = time.monotonic()

                def progress(done: int) -> None:
                    rss, _ = bot.memory_mb()
                    if done == args.warm_people:
                        figures["rss_warm_mb"] = rss
                    if done % 1000 == 0:
                        self.log(
                            f"memory: {done:,} guides done, RSS {rss:.1f} MiB, "
                            f"{time.monotonic() - started:.0f}s"
                        )

                result = await load.population(args.people, args.concurrency, progress)
                figures["seconds"] = time.monotonic() - started
                figures["rss_end_mb"], figures["rss_peak_mb"] = bot.memory_mb()
                figures["people"] = args.people
                figures["completed"] = result.guides
                figures["failures"] = result.failures
                figures["violations"] = result.violations
            finally:
                await bot.stop()
        return figures


def _ms(values: list[float], q: float) -> str:
    from bench.harness import percentile

    return f"{1000 * percentile(values, q):.1f}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--users",
        type=int,
        default=60,
        help="people at once at saturation (few enough that a guide fits in the window)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of baseline and ours")
    parser.add_argument("--seconds", type=float, default=16.0, help="length of a saturation phase")
    parser.add_argument("--light-users", type=int, default=4)
    parser.add_argument("--light-seconds", type=float, default=5.0)
    parser.add_argument(
        "--shipped-users",
        type=int,
        default=30,
        help="people at once for the bot as shipped (its flood limit makes it slow)",
    )
    parser.add_argument("--stored", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--growth-rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="one short round (a smoke test)")
    parser.add_argument("--memory", action="store_true", help="only the memory-growth run")
    parser.add_argument("--people", type=int, default=10_000, help="--memory: distinct people")
    parser.add_argument("--concurrency", type=int, default=200, help="--memory: people at once")
    parser.add_argument(
        "--warm-people", type=int, default=500, help="--memory: guides after which the warm RSS is taken"
    )
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="postgresql: only the PostgreSQL comparison (see bench/postgres.py)",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="--db postgresql: a database to wipe and use (default: a throwaway server)",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin bot and generator to cores")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, databases)")
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.rounds, args.seconds = min(args.users, 60), 1, 8.0
        args.light_seconds, args.growth_rounds, args.shipped_users = 4.0, 1, 30
    return args


async def run(args: argparse.Namespace, workdir: Path) -> str:
    guide = load_guide(default_flows_dir())
    if args.db == "postgresql":
        from bench.postgres import run_postgres

        return await run_postgres(args, guide, workdir, machine())
    bench = Bench(args, guide, workdir)
    report = Report(args=args, machine=machine())
    started = time.monotonic()
    if args.memory:
        report.memory = await bench.memory()
    else:
        bench.log("engine only")
        report.engine = engine_only.engine_turns_per_second(guide)
        report.turn_cpu = engine_only.turn_cpu_per_second(guide)
        report.updates_per_guide = engine_only.updates_per_guide(guide)
        report.comparison = await bench.comparison()
        report.growth = await bench.growth()
    report.elapsed_s = time.monotonic() - started
    return report.markdown()


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main(argv: list[str] | None = None) -> int:
    quiet_libraries()  # the engine-only rates must not pay for transitions' warnings
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="reconsider-bench-"))
    try:
        table = asyncio.run(run(args, workdir))
    finally:
        if args.keep:
            print(f"[bench] work directory kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
