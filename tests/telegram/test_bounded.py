"""Memory stays flat however many people come: nothing kept per chat or per user in the
process outlives the chat's turn (sessions live in the database), and the engine's caches
have a size limit."""

from __future__ import annotations

import asyncio
import gc
import random
from pathlib import Path

from bot.content.flow_loader import load_guide
from bot.engine import Answer, DetailView, Guide, QuestionView, SkipDetail
from bot.telegram.app import PerChatUpdateProcessor
from bot.telegram.memory import release_free_memory
from tests.conftest import FLOWS
from tests.telegram.conftest import RunningBot


async def test_nothing_is_kept_per_chat_or_user_after_the_turns(polling_bot: RunningBot) -> None:
    people = [polling_bot.person(5000 + n, f"P{n}") for n in range(30)]
    await asyncio.gather(*(person.send("/start", expect="1/7") for person in people))
    await asyncio.gather(*(person.tap("After the final round", expect="2/7") for person in people))
    runner = polling_bot.runner
    assert runner is not None
    application = runner.application
    assert application._chat_ids_to_be_updated_in_persistence == set()
    assert application._user_ids_to_be_updated_in_persistence == set()
    assert dict(application.chat_data) == {} and dict(application.user_data) == {}
    processor = application.update_processor
    assert isinstance(processor, PerChatUpdateProcessor)
    assert processor._locks == {} and processor._users == {}


def _random_walk(guide: Guide, rng: random.Random) -> list[str]:
    """Answer every question at random, skip every detail; the plan's action titles."""
    session = guide.new_session("en")
    for _ in range(40):
        view = guide.view(session)
        if isinstance(view, QuestionView):
            session = guide.handle(session, Answer(rng.choice(view.choices).value)).session
        elif isinstance(view, DetailView):
            session = guide.handle(session, SkipDetail()).session
        else:
            break
    return [action.title for action in guide.plan(session).actions]


def test_the_engine_caches_have_a_limit_and_forgetting_changes_no_answer() -> None:
    bounded, unbounded = load_guide(FLOWS), load_guide(FLOWS)
    bounded.cache_limit = 8
    unbounded.cache_limit = 1_000_000
    for seed in range(60):
        assert _random_walk(bounded, random.Random(seed)) == _random_walk(unbounded, random.Random(seed))
        assert len(bounded._decisions) <= 8 and len(bounded._needed) <= 8
    assert len(unbounded._decisions) > 8


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_freed_memory_goes_back_to_the_system() -> None:
    """After a burst, glibc keeps freed heap pages (a few live blocks pin the heap's top);
    the trim gives them back, so RSS follows what is in use."""
    blocks = [bytes(2000) + bytes([n % 256]) for n in range(40_000)]  # ~80 MiB on the heap
    kept = blocks[::50]
    del blocks
    gc.collect()
    before = _rss_mib()
    assert release_free_memory()
    assert before - _rss_mib() > 40
    assert len(kept) == 800


async def test_the_trim_runs_every_so_many_updates(polling_bot: RunningBot) -> None:
    runner = polling_bot.runner
    assert runner is not None
    processor = runner.application.update_processor
    assert isinstance(processor, PerChatUpdateProcessor)
    processor.trim_every = 2
    ann = polling_bot.person()
    await ann.send("/start", expect="1/7")
    await ann.tap("After the final round", expect="2/7")
    await ann.send("/help", expect="/forget")
    await ann.tap("I'm not sure", expect="3/7")
    assert (processor.processed, processor.trims) == (4, 2)
