"""The benchmark's figures as Markdown tables, each against its target from the issue."""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench.engine_only import Rate
from bench.harness import BASELINE, OURS, SHIPPED, PhaseResult, percentile

if TYPE_CHECKING:
    from bench.__main__ import BotRun

OK, MISS = "✅", "❌"


def _median(values: list[float]) -> float:
    clean = [v for v in values if v == v]
    return statistics.median(clean) if clean else float("nan")


def _fmt(value: float, digits: int = 1) -> str:
    if value != value:
        return "–"
    return f"{value:,.{digits}f}"


def _check(ok: bool) -> str:
    return OK if ok else MISS


@dataclass
class Report:
    args: argparse.Namespace
    machine: str
    engine: Rate | None = None
    turn_cpu: Rate | None = None
    comparison: list[BotRun] = field(default_factory=list)
    growth: list[BotRun] = field(default_factory=list)
    memory: dict[str, float] | None = None
    updates_per_guide: float = float("nan")
    """Mean updates one complete guide takes (/start included), from the engine's walks."""
    elapsed_s: float = 0.0

    def markdown(self) -> str:
        parts = [f"Machine: {self.machine}. Run took {self.elapsed_s / 60:.1f} min."]
        if self.comparison:
            parts.append(self.comparison_table())
        if self.growth:
            parts.append(self.growth_table())
        if self.engine is not None:
            parts.append(self.engine_table())
        if self.memory is not None:
            parts.append(self.memory_table())
        return "\n\n".join(parts) + "\n"

    # ---- ours against the baseline -------------------------------------------------------

    def _runs(self, kind: Any) -> list[BotRun]:
        return [run for run in self.comparison if run.kind is kind]

    def comparison_table(self) -> str:
        a = self.args
        base, ours, shipped = self._runs(BASELINE), self._runs(OURS), self._runs(SHIPPED)

        def fig(runs: list[BotRun], get: Callable[[BotRun], float]) -> float:
            return _median([get(run) for run in runs])

        pooled: dict[int, float] = {}

        def ms(
            phase: Callable[[BotRun], PhaseResult], q: float, series: str = "first_reply"
        ) -> Callable[[BotRun], float]:
            """A percentile over the samples of all rounds pooled (robust with few samples)."""

            def get(run: BotRun) -> float:
                runs = [r for r in self.comparison if r.kind is run.kind]
                key = hash((run.kind.name, phase.__name__, series, q))
                if key not in pooled:
                    samples = [v for r in runs for v in getattr(phase(r), series)]
                    pooled[key] = 1000 * percentile(samples, q)
                return pooled[key]

            return get

        def sat(run: BotRun) -> PhaseResult:
            return run.saturation

        def light(run: BotRun) -> PhaseResult:
            return run.light

        rows: list[tuple[str, Callable[[BotRun], float], int, str, Callable[[float, float], bool] | None]] = [
            (
                "updates/s at saturation",
                lambda r: r.saturation.updates_per_s,
                0,
                "≥ 0.7×",
                lambda o, b: o >= 0.7 * b,
            ),
            ("p50 first reply at saturation, ms", ms(sat, 0.5), 1, "", None),
            ("p99 first reply at saturation, ms", ms(sat, 0.99), 1, "≤ 1.5×", lambda o, b: o <= 1.5 * b),
            (f"p50 first reply, light load ({a.light_users} people), ms", ms(light, 0.5), 1, "", None),
            (
                f"p99 first reply, light load ({a.light_users} people), ms",
                ms(light, 0.99),
                1,
                "≤ 1.5×",
                lambda o, b: o <= 1.5 * b,
            ),
            ("p50 next step shown, light load, ms", ms(light, 0.5, "step_shown"), 1, "", None),
            (
                "p99 next step shown, light load, ms",
                ms(light, 0.99, "step_shown"),
                1,
                "≤ 1.5×",
                lambda o, b: o <= 1.5 * b,
            ),
            ("p50 next step shown at saturation, ms", ms(sat, 0.5, "step_shown"), 1, "", None),
            (
                "p99 next step shown at saturation, ms",
                ms(sat, 0.99, "step_shown"),
                1,
                "≤ 1.5×",
                lambda o, b: o <= 1.5 * b,
            ),
            (
                f"completed guides/s at saturation (updates/s ÷ {self.updates_per_guide:.1f})",
                lambda r: r.saturation.updates_per_s / self.updates_per_guide,
                2,
                "",
                None,
            ),
            (
                "bot CPU per update at saturation, ms",
                lambda r: r.saturation.bot_cpu_ms_per_update,
                2,
                "",
                None,
            ),
            ("Bot API requests per update", lambda r: r.saturation.requests_per_update, 2, "", None),
            ("bot CPU per Bot API request, ms", lambda r: r.saturation.bot_cpu_ms_per_request, 2, "", None),
            ("peak RSS, MiB", lambda r: r.peak_rss_mb, 1, "", None),
            ("start-up to first getUpdates, s", lambda r: r.startup_s, 2, "< 1.5 s", None),
            ("load generator busy at saturation", lambda r: 100 * r.saturation.loadgen_busy, 0, "", None),
        ]
        lines = [
            f"### Ours against bare python-telegram-bot ({len(ours)} alternating rounds: medians, "
            f"latency percentiles over all rounds' samples; "
            f"saturation: {a.users} people at once for {a.seconds:.0f} s, {SHIPPED.name}: "
            f"{a.shipped_users} people)",
            "",
            "| figure | bare PTB | ours | ours ÷ PTB | target | | ours as shipped |",
            "|---|---:|---:|---:|---|---|---:|",
        ]
        for name, get, digits, target, passes in rows:
            b, o, s = fig(base, get), fig(ours, get), fig(shipped, get)
            ratio = o / b if b else float("nan")
            verdict = ""
            if passes is not None:
                verdict = _check(passes(o, b))
            elif target.startswith("<"):
                verdict = _check(o < 1.5)
            lines.append(
                f"| {name} | {_fmt(b, digits)} | {_fmt(o, digits)} | {_fmt(ratio, 2)}× | "
                f"{target} | {verdict} | {_fmt(s, digits)} |"
            )
        problems = [
            (
                run.kind.name,
                run.light.failures + run.saturation.failures,
                run.light.violations + run.saturation.violations,
            )
            for run in self.comparison
        ]
        failed = sum(p[1] for p in problems)
        violations = sum(p[2] for p in problems)
        lines += [
            "",
            f'Steps that timed out: {failed}; Bot API violations: {violations}. "ours" is '
            f"`python -m bench.unthrottled`: the shipped bot with PTB's bot-wide flood limit "
            f"(30 requests/s with a chat_id) lifted, to compare code with code; "
            f'"ours as shipped" is `python -m bot run` unchanged. First reply: from the update '
            f"becoming available to the bot's first answer in that chat (answerCallbackQuery for a "
            f"tap); next step shown: from the tap to the message with the next step's buttons, "
            f"what a person waits for. At saturation every person acts the moment the step is "
            f"shown, so latency there is mostly queueing (people ÷ throughput). Completed guides/s "
            f"is derived from updates/s and the mean length of a guide.",
        ]
        return "\n".join(lines)

    # ---- growth --------------------------------------------------------------------------

    def growth_table(self) -> str:
        sizes = sorted({run.stored_sessions for run in self.growth})
        lines = [
            f"### Growth: ours with stored sessions in SQLite ({self.args.growth_rounds} alternating "
            f"rounds; latency percentiles over all rounds' samples, updates/s the median)",
            "",
            "| stored sessions | light p50, ms | light p99, ms | saturation updates/s | "
            "saturation p50, ms | saturation p99, ms |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        figures: dict[int, list[float]] = {}
        for size in sizes:
            runs = [run for run in self.growth if run.stored_sessions == size]
            light = [v for r in runs for v in r.light.first_reply]
            saturated = [v for r in runs for v in r.saturation.first_reply]
            row = [
                1000 * percentile(light, 0.5),
                1000 * percentile(light, 0.99),
                _median([r.saturation.updates_per_s for r in runs]),
                1000 * percentile(saturated, 0.5),
                1000 * percentile(saturated, 0.99),
            ]
            figures[size] = row
            lines.append(
                f"| {size:,} | " + " | ".join(_fmt(v, 0 if i == 2 else 1) for i, v in enumerate(row)) + " |"
            )
        if len(sizes) >= 2:
            small, large = figures[sizes[0]], figures[sizes[-1]]
            ratios = [lg / sm if sm else float("nan") for sm, lg in zip(small, large, strict=True)]
            lines.append(
                f"| ratio {sizes[-1]:,} ÷ {sizes[0]:,} | "
                + " | ".join(f"{_fmt(r, 2)}×" for r in ratios)
                + " |"
            )
            p99_ok = ratios[1] <= 1.2 and ratios[4] <= 1.2
            lines += [
                "",
                f"Target: p99 at {sizes[-1]:,} within 1.2× of {sizes[0]:,}: "
                f"{_check(p99_ok)} (light {_fmt(ratios[1], 2)}×, saturation "
                f"{_fmt(ratios[4], 2)}×). PostgreSQL: `python -m bench --db postgresql`.",
            ]
        return "\n".join(lines)

    # ---- engine and memory -----------------------------------------------------------------

    def engine_table(self) -> str:
        assert self.engine is not None and self.turn_cpu is not None
        e, t = self.engine, self.turn_cpu
        return "\n".join(
            [
                "### Engine only (one core, no I/O)",
                "",
                "| figure | turns/s, median | min–max | repetitions | target | |",
                "|---|---:|---:|---:|---|---|",
                f"| engine: `Guide.handle` | {_fmt(e.median, 0)} | {_fmt(e.low, 0)}–{_fmt(e.high, 0)} | "
                f"{e.repetitions} | ≥ 5,000 | {_check(e.median >= 5000)} |",
                f"| a turn with the transport's own CPU work (session JSON, view, render), no I/O | "
                f"{_fmt(t.median, 0)} | {_fmt(t.low, 0)}–{_fmt(t.high, 0)} | {t.repetitions} | | |",
            ]
        )

    def memory_table(self) -> str:
        m = self.memory
        assert m is not None
        growth = m["rss_end_mb"] - m["rss_start_mb"]
        warm_growth = m["rss_end_mb"] - m.get("rss_warm_mb", float("nan"))
        return "\n".join(
            [
                f"### Memory: {int(m['people']):,} distinct people complete the guide over HTTP "
                f"({self.args.concurrency} at a time, {m['seconds']:.0f} s)",
                "",
                "| RSS after start-up | after the first "
                f"{self.args.warm_people} guides | at the end | peak | growth from start-up | "
                "growth after warm-up | target | |",
                "|---:|---:|---:|---:|---:|---:|---|---|",
                f"| {_fmt(m['rss_start_mb'])} MiB | {_fmt(m.get('rss_warm_mb', float('nan')))} MiB | "
                f"{_fmt(m['rss_end_mb'])} MiB | {_fmt(m['rss_peak_mb'])} MiB | {_fmt(growth)} MiB | "
                f"{_fmt(warm_growth)} MiB | ≤ 20 MiB | {_check(growth <= 20)} |",
                "",
                f"Completed guides: {int(m['completed']):,}; timed-out steps: {int(m['failures'])}; "
                f"Bot API violations: {int(m['violations'])}.",
            ]
        )
