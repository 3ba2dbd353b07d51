"""Engine-only figures: guide turns per second on one core, no I/O.

`walk` drives one whole guide through `Guide.handle` with random answers and details (the
same walk the load generator's scripts come from). `engine_turns_per_second` times only
the engine; `turn_cpu_per_second` adds what the Telegram transport does around each turn
without touching the network or the disk (session from/to JSON, the view, the rendered
messages), which is the CPU our bot spends per update on top of the framework.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass

from bot.engine import (
    Answer,
    DetailView,
    Event,
    GiveDetail,
    Guide,
    Proceed,
    QuestionView,
    RecommendView,
    Session,
    View,
)

DETAIL_WORDS = ("Alex Morgan", "Acme Logistics", "Data Analyst", "SQL dashboards", "Priya", "portfolio")


def next_event(view: View, rng: random.Random) -> Event | None:
    """What a person in a hurry does at this view; None at the result."""
    if isinstance(view, QuestionView):
        return Answer(rng.choice(view.choices).value)
    if isinstance(view, DetailView):
        return GiveDetail(rng.choice(DETAIL_WORDS))
    if isinstance(view, RecommendView):
        return Proceed()
    return None


def walk(guide: Guide, rng: random.Random) -> Iterator[tuple[Session, Event]]:
    """(session before, event) for each turn of one complete guide."""
    turn = guide.start("en")
    while (event := next_event(turn.view, rng)) is not None:
        yield turn.session, event
        turn = guide.handle(turn.session, event)


def script(guide: Guide, rng: random.Random) -> list[str]:
    """The kinds of update one complete guide takes after /start: "press" or "text"."""
    return ["text" if isinstance(event, GiveDetail) else "press" for _, event in walk(guide, rng)]


def updates_per_guide(guide: Guide, walks: int = 2000) -> float:
    """Mean updates a complete guide takes, /start included."""
    rng = random.Random(5)
    return 1 + statistics.mean(len(script(guide, rng)) for _ in range(walks))


def sample_sessions(guide: Guide, count: int, seed: int = 7) -> list[dict[str, object]]:
    """Sessions stopped at random points of random guides (to pre-fill a database)."""
    rng = random.Random(seed)
    found: list[dict[str, object]] = []
    while len(found) < count:
        states = [session for session, _ in walk(guide, rng)]
        found.append(rng.choice(states).to_dict())
    return found


@dataclass(frozen=True)
class Rate:
    median: float
    low: float
    high: float
    repetitions: int


def _rate(samples: list[float]) -> Rate:
    return Rate(statistics.median(samples), min(samples), max(samples), len(samples))


def engine_turns_per_second(guide: Guide, seconds: float = 1.0, repetitions: int = 7) -> Rate:
    """Guide.handle calls per second (median of `repetitions` timed runs)."""
    rng = random.Random(1)
    # Pre-computed walks: the timed loop does nothing but the engine's own turns.
    walks = [list(walk(guide, rng)) for _ in range(200)]
    samples = []
    for _ in range(repetitions):
        turns, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            for steps in walks:
                for session, event in steps:
                    guide.handle(session, event)
                turns += len(steps)
        samples.append(turns / elapsed)
    return _rate(samples)


def turn_cpu_per_second(guide: Guide, seconds: float = 1.0, repetitions: int = 3) -> Rate:
    """Turns per second including what the transport does around one, minus the I/O."""
    from bot.telegram.views.steps import render_view

    rng = random.Random(2)
    walks = [[(json.dumps(s.to_dict()), e) for s, e in walk(guide, rng)] for _ in range(200)]
    samples = []
    for _ in range(repetitions):
        turns, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            for steps in walks:
                for stored, event in steps:
                    session = Session.from_dict(json.loads(stored))
                    guide.view(session)  # the transport looks at the current view first
                    moved = guide.handle(session, event)
                    json.dumps(moved.session.to_dict(), ensure_ascii=False, sort_keys=True)
                    for message in render_view(moved.view, moved.session, guide.catalog("en")):
                        keyboard = getattr(message, "keyboard", None)
                        if keyboard is not None:
                            keyboard.to_dict()
                turns += len(steps)
        samples.append(turns / elapsed)
    return _rate(samples)
