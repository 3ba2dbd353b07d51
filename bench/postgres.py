"""`python -m bench --db postgresql`: PostgreSQL against SQLite, replicas against one process,
and 1,000 against 100,000 stored sessions, in one run.

Every bot here runs in webhook mode (the only mode with several replicas), as `bench.unthrottled`
does (the bot-wide flood limit lifted), behind the tests' round-robin front. The PostgreSQL
server is a throwaway one on loopback with fsync on (as SQLite's synchronous=FULL), unless
--database-url names another. Variants alternate within each round so drifting load on a
shared machine hits them alike.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import asyncpg

from bench.engine_only import sample_sessions
from bench.fake import BenchBotAPI
from bench.harness import FIRST_UPDATE_ID, OURS, REPO, Load, PhaseResult, percentile, person_factory
from bench.prefill import PREFILLED_CHAT_IDS, RECENT_SECONDS, prefill
from bot.engine import Guide
from bot.storage.postgresql import migrate
from tests.telegram.conftest import free_port
from tests.telegram.front import HOOK, Front

SECRET = "bench-secret"


class Replicas:
    """`count` bot processes in webhook mode on one database, behind one front."""

    def __init__(
        self,
        fake: BenchBotAPI,
        database_url: str,
        count: int,
        log_dir: Path,
        name: str,
        database_pid: int | None = None,
    ) -> None:
        self.fake = fake
        self.database_pid = database_pid
        self.database_url = database_url
        self.count = count
        self.log_dir = log_dir
        self.name = name
        self.processes: list[subprocess.Popen[bytes]] = []
        self.front = Front([])
        self._logs: list[IO[Any]] = []
        self.database_cpu: list[float] = []
        """The server's share at each cpu_seconds() call (a phase samples twice: start, end)."""

    async def start(self, timeout: float = 60) -> None:
        before = self.fake.method_counts["setWebhook"]
        for n in range(self.count):
            port = free_port()
            self.front.ports.append(port)
            env = {
                **os.environ,
                "TELEGRAM_BOT_TOKEN": self.fake.token,
                "TELEGRAM_API_BASE_URL": self.fake.base_url,
                "DATABASE_URL": self.database_url,
                "PYTHONPATH": str(REPO),
                "LOG_LEVEL": "INFO",
                "WEBHOOK_URL": f"http://127.0.0.1:{self.front.port}{HOOK}",
                "WEBHOOK_LISTEN": "127.0.0.1",
                "WEBHOOK_PORT": str(port),
                "WEBHOOK_SECRET": SECRET,
            }
            log = (self.log_dir / f"{self.name}-{n}.log").open("ab")
            self._logs.append(log)
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, *OURS.argv],
                    env=env,
                    cwd=self.log_dir,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        self.front.hits = dict.fromkeys(self.front.ports, 0)
        await self.front.start()
        deadline = time.monotonic() + timeout
        while self.fake.method_counts["setWebhook"] < before + self.count:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{self.name}: a replica exited; see {self.log_dir}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: the replicas did not start")
            await asyncio.sleep(0.02)

    def cpu_seconds(self) -> float:
        """CPU of the bot processes and, for PostgreSQL, of the server (all its processes)."""
        bots = sum(_cpu_seconds(process.pid) for process in self.processes)
        database = 0.0
        if self.database_pid is not None:
            database = sum(_cpu_seconds(pid) for pid in _process_tree(self.database_pid))
        self.database_cpu.append(database)
        return bots + database

    async def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        while any(p.poll() is None for p in self.processes) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        for log in self._logs:
            log.close()
        await self.front.stop()


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # a backend that just ended
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _process_tree(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            found += _process_tree(int(child))
    return found


@dataclass
class Variant:
    name: str
    label: str
    replicas: int
    backend: str  # "sqlite" or "postgresql"


SQLITE_1 = Variant("sqlite-1", "SQLite, one process", 1, "sqlite")
PG_1 = Variant("pg-1", "PostgreSQL, one replica", 1, "postgresql")
PG_2 = Variant("pg-2", "PostgreSQL, two replicas", 2, "postgresql")


@dataclass
class Measured:
    variant: Variant
    stored: int
    light: PhaseResult
    saturation: PhaseResult
    database_cpu_s: float = 0.0
    """The database server's CPU within the saturation window (0 for SQLite: in-process)."""

    @property
    def bot_only_ms_per_update(self) -> float:
        updates = self.saturation.updates
        return 1000 * (self.saturation.bot_cpu_s - self.database_cpu_s) / updates if updates else float("nan")


async def reset_postgres(url: str, guide: Guide, sessions: int) -> None:
    """An empty schema, migrated, then `sessions` stored sessions (as bench/prefill.py does for
    SQLite) written with COPY."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()
    await migrate(url)
    if sessions:
        await _copy_sessions(url, guide, sessions)
    connection = await asyncpg.connect(url)
    try:  # the load's own cleanup and checkpoint now, not during the measurement
        await connection.execute("VACUUM ANALYZE")
        await connection.execute("CHECKPOINT")
    finally:
        await connection.close()


async def _copy_sessions(url: str, guide: Guide, sessions: int) -> None:
    samples = [json.dumps(s, ensure_ascii=False, sort_keys=True) for s in sample_sessions(guide, 300)]
    rng = random.Random(sessions)
    now = int(time.time())
    connection = await asyncpg.connect(url)
    try:
        chats = []
        for n in range(sessions):
            sample = samples[n % len(samples)]
            seen = now - rng.randint(0, RECENT_SECONDS)
            chats.append(
                (
                    PREFILLED_CHAT_IDS + n,
                    PREFILLED_CHAT_IDS + n,
                    sample,
                    rng.randint(2, 40),
                    json.loads(sample)["step"],
                    1,
                    False,
                    1,
                    seen,
                    seen,
                    seen,
                )
            )
        await connection.copy_records_to_table(
            "chats",
            records=chats,
            columns=[
                "chat_id",
                "user_id",
                "session",
                "message_id",
                "message_step",
                "runs",
                "blocked",
                "version",
                "created_at",
                "updated_at",
                "seen_at",
            ],
        )
        await connection.copy_records_to_table(
            "processed_updates",
            records=((n + 1, now - rng.randint(0, RECENT_SECONDS)) for n in range(sessions * 5)),
            columns=["update_id", "seen_at"],
        )
    finally:
        await connection.close()


class PostgresBench:
    def __init__(
        self,
        args: argparse.Namespace,
        guide: Guide,
        workdir: Path,
        database_url: str,
        database_pid: int | None,
    ) -> None:
        self.args = args
        self.database_pid = database_pid
        self.guide = guide
        self.workdir = workdir
        self.database_url = database_url
        self.ids = itertools.count(2_000_000_000)
        self.runs = 0
        self.templates: dict[int, Path] = {}

    def log(self, message: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    async def measure(self, variant: Variant, stored: int) -> Measured:
        self.runs += 1
        if variant.backend == "sqlite":
            if stored not in self.templates:
                template = self.workdir / f"template-{stored}.sqlite3"
                self.templates[stored] = prefill(template, self.guide, stored)
            db = self.workdir / f"run{self.runs}.sqlite3"
            db.write_bytes(self.templates[stored].read_bytes())
            url = f"sqlite:///{db}"
        else:
            started = time.monotonic()
            await reset_postgres(self.database_url, self.guide, stored)
            self.log(f"PostgreSQL reset with {stored:,} sessions in {time.monotonic() - started:.1f}s")
            url = self.database_url
        async with BenchBotAPI(first_update_id=FIRST_UPDATE_ID) as fake:
            bots = Replicas(
                fake,
                url,
                variant.replicas,
                self.workdir,
                f"run{self.runs}-{variant.name}",
                self.database_pid if variant.backend == "postgresql" else None,
            )
            try:
                await bots.start()
                load = Load(
                    fake,
                    bots,
                    person_factory(OURS, self.guide),
                    self.ids,  # type: ignore[arg-type]
                    seed=self.runs,
                )
                light = await load.phase(self.args.light_users, self.args.light_seconds, think=(0.2, 0.6))
                saturation = await load.phase(self.args.users, self.args.seconds)
            finally:
                await bots.stop()
        self.log(
            f"{variant.name:9} stored={stored:<6} light p99 {_ms(light.first_reply, 0.99)} ms  "
            f"saturation {saturation.updates_per_s:.0f} upd/s, "
            f"p99 {_ms(saturation.first_reply, 0.99)} ms, "
            f"CPU {saturation.bot_cpu_ms_per_update:.2f} ms/update, "
            f"failures {saturation.failures + light.failures}, "
            f"violations {saturation.violations + light.violations}, hits {bots.front.hits}"
        )
        database_cpu = bots.database_cpu[-1] - bots.database_cpu[-2]
        return Measured(variant, stored, light, saturation, database_cpu)

    async def run(self) -> list[Measured]:
        runs: list[Measured] = []
        small, large = self.args.stored[0], self.args.stored[-1]
        for round_index in range(self.args.rounds):
            order = [SQLITE_1, PG_1, PG_2]
            if round_index % 2:
                order.reverse()
            for variant in order:
                runs.append(await self.measure(variant, small))
        for round_index in range(self.args.growth_rounds):
            for stored in [small, large] if round_index % 2 == 0 else [large, small]:
                runs.append(await self.measure(PG_1, stored))
        return runs


def _ms(values: list[float], q: float) -> str:
    return f"{1000 * percentile(values, q):.1f}"


def _median(values: list[float]) -> float:
    clean = [v for v in values if v == v]
    return statistics.median(clean) if clean else float("nan")


def report(runs: list[Measured], args: argparse.Namespace, machine: str, elapsed: float) -> str:
    small, large = args.stored[0], args.stored[-1]

    def pick(variant: Variant, stored: int, rows: list[Measured]) -> list[Measured]:
        return [m for m in rows if m.variant is variant and m.stored == stored]

    comparison = runs[: 3 * args.rounds]
    growth = runs[3 * args.rounds :]
    lines = [
        "## PostgreSQL (`python -m bench --db postgresql`)",
        "",
        f"Machine: {machine}; {args.rounds} round(s) of {args.users} people at once for "
        f"{args.seconds:.0f} s (figures from the last 75 %), webhook mode behind a round-robin front, "
        f"median of rounds; run took {elapsed / 60:.1f} min.",
        "",
        "| variant | updates/s | p99 first reply (ms) | light p99 (ms) | CPU ms per update (bot + database) "
        "| of which the bot processes | failures | violations |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    figures: dict[str, float] = {}
    for variant in (SQLITE_1, PG_1, PG_2):
        rows = pick(variant, small, comparison)
        rate = _median([m.saturation.updates_per_s for m in rows])
        p99 = _median([1000 * percentile(m.saturation.first_reply, 0.99) for m in rows])
        light = _median([1000 * percentile(m.light.first_reply, 0.99) for m in rows])
        cpu = _median([m.saturation.bot_cpu_ms_per_update for m in rows])
        bot_only = _median([m.bot_only_ms_per_update for m in rows])
        figures[f"{variant.name}-cpu"] = cpu
        failures = sum(m.saturation.failures + m.light.failures for m in rows)
        violations = sum(m.saturation.violations + m.light.violations for m in rows)
        figures[variant.name] = rate
        figures[f"{variant.name}-lost"] = failures + violations
        lines.append(
            f"| {variant.label} | {rate:.0f} | {p99:.1f} | {light:.1f} | {cpu:.2f} | "
            f"{bot_only:.2f} | {failures} | {violations} |"
        )
    lines += [
        "",
        "| stored sessions (PostgreSQL, one replica) | updates/s | p99 first reply (ms) "
        "| light p99 (ms) | CPU ms per update |",
        "|---:|---:|---:|---:|---:|",
    ]
    p99s, light_p99s = {}, {}
    for stored in (small, large):
        rows = pick(PG_1, stored, growth)
        p99s[stored] = _median([1000 * percentile(m.saturation.first_reply, 0.99) for m in rows])
        light_p99s[stored] = _median([1000 * percentile(m.light.first_reply, 0.99) for m in rows])
        lines.append(
            f"| {stored:,} | {_median([m.saturation.updates_per_s for m in rows]):.0f} | "
            f"{p99s[stored]:.1f} | {light_p99s[stored]:.1f} | "
            f"{_median([m.saturation.bot_cpu_ms_per_update for m in rows]):.2f} |"
        )
    ratio_pg = figures["pg-1"] / figures["sqlite-1"]
    ratio_two = figures["pg-2"] / figures["pg-1"]
    ratio_p99 = p99s[large] / p99s[small]
    ratio_light = light_p99s[large] / light_p99s[small]
    per_cpu = figures["sqlite-1-cpu"] / figures["pg-1-cpu"]
    lines += [
        "",
        "| target | measured | met |",
        "|---|---:|:-:|",
        f"| one replica ≥ 0.8 × SQLite's updates/s | {ratio_pg:.2f} × | "
        f"{'yes' if ratio_pg >= 0.8 else 'no'} |",
        f"| (updates per CPU-second, PostgreSQL ÷ SQLite, bot and database together) | {per_cpu:.2f} × | |",
        f"| two replicas lose nothing | {figures['pg-2-lost']:.0f} lost | "
        f"{'yes' if figures['pg-2-lost'] == 0 else 'no'} |",
        f"| two replicas ≥ one | {ratio_two:.2f} × | {'yes' if ratio_two >= 1.0 else 'no'} |",
        f"| p99 at {large:,} within 1.2 × of {small:,} (saturation) | {ratio_p99:.2f} × | "
        f"{'yes' if ratio_p99 <= 1.2 else 'no'} |",
        f"| p99 at {large:,} within 1.2 × of {small:,} (light load) | {ratio_light:.2f} × | "
        f"{'yes' if ratio_light <= 1.2 else 'no'} |",
    ]
    return "\n".join(lines) + "\n"


async def run_postgres(args: argparse.Namespace, guide: Guide, workdir: Path, machine: str) -> str:
    started = time.monotonic()
    server = None
    url, database_pid = args.database_url, None
    if not url:
        from tests.storage import pgserver

        server = pgserver.start(durable=True)
        url = server.url()
        database_pid = int((server.root / "data" / "postmaster.pid").read_text().split()[0])
    try:
        runs = await PostgresBench(args, guide, workdir, url, database_pid).run()
    finally:
        if server is not None:
            server.stop()
    return report(runs, args, machine, time.monotonic() - started)
