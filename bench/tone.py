"""`python -m bench.tone`: how long the tone check takes on a 300-word draft, on one core.

Not a test: it prints a Markdown table. The drafts are cut to exactly 300 words from the
labelled sets in tests/data (polite ones, problem ones, and both mixed), so they read like
real mail, with real findings. Each is timed `--repeat` times after a warm-up. The table
shows the CPU time a check takes (the process's own, so it holds when other work shares the
core) and the wall-clock median and fastest run. The target is 5 ms; the exit status is 1
when the CPU-time median misses it.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

import yaml

from bot.content.tone_lexicon import load_tone_lexicon
from bot.engine.tone import ToneLexicon, check_tone
from bot.settings import default_flows_dir

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SETS = {
    "en": ("tone_labelled.yaml", "tone_fresh.yaml", "tone_second.yaml", "tone_third.yaml"),
    # every set of the language: timing reads them, it tunes nothing
    "es": ("tone_es.yaml", "tone_es_dev.yaml", "tone_es_locked.yaml"),
    "ru": (
        "tone_ru.yaml",
        "tone_ru_fresh.yaml",
        "tone_ru_second.yaml",
        "tone_ru_dev.yaml",
        "tone_ru_locked2.yaml",
    ),
}
WORDS = 300
TARGET_MS = 5.0


def drafts_of_300_words(language: str = "en", seed: int = 7) -> dict[str, str]:
    """Three 300-word drafts in `language`: polite text only, problem text only, and both shuffled."""
    polite: list[str] = []
    problems: list[str] = []
    for name in SETS[language]:
        for draft in yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["drafts"]:
            (problems if draft["expect"] else polite).append(draft["text"])
    mixed = polite + problems
    random.Random(seed).shuffle(mixed)
    return {
        name: _first_words(texts)
        for name, texts in (("polite", polite), ("problems", problems), ("mixed", mixed))
    }


def _first_words(texts: list[str]) -> str:
    """The first WORDS words of the texts, keeping their line breaks."""
    kept, count = [], 0
    for line in "\n".join(texts).splitlines():
        words = line.split()
        if count + len(words) >= WORDS:
            kept.append(" ".join(words[: WORDS - count]))
            break
        kept.append(line)
        count += len(words)
    return "\n".join(kept)


def time_check(text: str, lexicon: ToneLexicon, repeat: int) -> tuple[float, float, float, int]:
    """Milliseconds per check: CPU-time median, wall-clock median and fastest; and the
    number of findings."""
    findings = len(check_tone(text, lexicon))
    for _ in range(20):  # warm-up
        check_tone(text, lexicon)
    cpu, wall = [], []
    for _ in range(repeat):
        started_cpu, started = time.process_time(), time.perf_counter()
        check_tone(text, lexicon)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(cpu), statistics.median(wall), min(wall), findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tone", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=500, help="timed checks per draft (default 500)")
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU (default: the last one)")
    parser.add_argument("--lang", choices=sorted(SETS), default="en", help="lexicon and drafts (default en)")
    args = parser.parse_args(argv)
    cpus = sorted(os.sched_getaffinity(0))
    cpu = args.cpu if args.cpu is not None else cpus[-1]
    os.sched_setaffinity(0, {cpu})
    started = time.perf_counter()
    lexicon = load_tone_lexicon(default_flows_dir() / "tone" / f"{args.lang}.yaml")
    load_ms = (time.perf_counter() - started) * 1000
    entries = sum(len(category.entries) for category in lexicon.categories)
    patterns = sum(len(entry.patterns) for category in lexicon.categories for entry in category.entries)
    cues = len(lexicon.cues.cues) if lexicon.cues else 0
    cue_patterns = sum(len(cue.patterns) for cue in lexicon.cues.cues) if lexicon.cues else 0
    print(
        f"Tone check ({args.lang}), Python {sys.version.split()[0]}, pinned to CPU {cpu}; lexicon: "
        f"{entries} entries, {patterns} patterns, {cues} weak cues ({cue_patterns} patterns), "
        f"loaded and compiled in {load_ms:.0f} ms."
    )
    print(f"Load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.\n")
    print("| 300-word draft | findings | CPU ms, median | wall ms, median | wall ms, fastest | target |")
    print("|---|---:|---:|---:|---:|---|")
    worst = 0.0
    for name, text in drafts_of_300_words(args.lang).items():
        assert len(text.split()) == WORDS, name
        cpu, median, fastest, findings = time_check(text, lexicon, args.repeat)
        worst = max(worst, cpu)
        print(f"| {name} | {findings} | {cpu:.2f} | {median:.2f} | {fastest:.2f} | ≤ {TARGET_MS:g} ms |")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
