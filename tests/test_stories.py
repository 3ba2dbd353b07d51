"""The golden stories of tests/stories/guide.yaml, run against the engine, `plan` and `chat`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.engine import (
    Answer,
    DetailView,
    GiveDetail,
    Guide,
    Plan,
    Proceed,
    QuestionView,
    RecommendView,
    ResultView,
    SkipDetail,
)
from tests.conftest import REPO

STORIES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "stories" / "guide.yaml").read_text())
OFF_PATH = {
    "role_status": "unknown",
    "time_since": "recent",
    "feedback": "none",
    "new_material": "none",
    "contact": "none",
    "goal": "this_role",
}
"""`plan` needs an answer to every question; off the story's path these must not matter."""


def walk(guide: Guide, story: dict[str, Any]) -> tuple[Plan, list[str]]:
    """Take the guide as a person would; returns the plan and the lines they typed in `chat`."""
    answers, details = story["answers"], story.get("details", {})
    turn = guide.start()
    typed: list[str] = []
    while not isinstance(turn.view, ResultView):
        view = turn.view
        if isinstance(view, QuestionView):
            values = [choice.value for choice in view.choices]
            value = answers[view.question]
            typed.append(str(values.index(value) + 1))
            turn = guide.handle(turn.session, Answer(value))
        elif isinstance(view, RecommendView):
            typed.append("")
            turn = guide.handle(turn.session, Proceed())
        elif isinstance(view, DetailView):
            given = details.get(view.detail)
            typed.append(given or "")
            turn = guide.handle(turn.session, GiveDetail(given) if given else SkipDetail())
        else:  # pragma: no cover
            raise AssertionError(f"unexpected view {view}")
    return turn.view.plan, typed


def check(plan: Plan | dict[str, Any], story: dict[str, Any]) -> None:
    data = plan.to_dict() if isinstance(plan, Plan) else plan
    assert data["primary"] == story["primary"]
    assert [action["approach"] for action in data["actions"]] == story["actions"]
    drafts = {a["approach"]: a["draft"] for a in data["actions"]}
    for approach, fragments in story.get("drafts", {}).items():
        assert drafts[approach] is not None
        text = (drafts[approach]["subject"] or "") + "\n" + drafts[approach]["body"]
        for fragment in fragments:
            assert fragment in text, f"{fragment!r} not in {approach}:\n{text}"
    for approach, fragments in story.get("absent", {}).items():
        text = (drafts[approach]["subject"] or "") + "\n" + drafts[approach]["body"]
        for fragment in fragments:
            assert fragment not in text, f"{fragment!r} in {approach}:\n{text}"
    for action in data["actions"]:
        assert (action["draft"] is None) == (action["approach"] in ("no_reply_needed", "seek_advice"))


def names(story: dict[str, Any]) -> str:
    return str(story["name"])


@pytest.mark.parametrize("story", STORIES, ids=names)
def test_story_in_the_engine(guide: Guide, story: dict[str, Any]) -> None:
    plan, _ = walk(guide, story)
    check(plan, story)


@pytest.mark.parametrize("story", STORIES, ids=names)
def test_story_through_plan(guide: Guide, story: dict[str, Any]) -> None:
    answers = {**OFF_PATH, **story["answers"]}
    plan, _ = walk(guide, story)
    asked = {k: v for k, v in story.get("details", {}).items() if k in plan.details}
    args = [sys.executable, "-m", "bot", "plan", "--format", "json"]
    args += [f"--answer={key}={value}" for key, value in answers.items()]
    args += [f"--detail={key}={value}" for key, value in asked.items()]
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, check=True)
    check(json.loads(done.stdout), story)


@pytest.mark.parametrize("story", STORIES, ids=names)
def test_story_through_the_terminal_chat(guide: Guide, story: dict[str, Any]) -> None:
    plan, typed = walk(guide, story)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        cwd=REPO,
        capture_output=True,
        text=True,
        input="\n".join(typed) + "\n",
        check=True,
    )
    assert guide.catalog("en").text("ui.terminal_unknown") not in done.stdout
    shown = " ".join(done.stdout.split())  # the chat wraps lines to the terminal's width
    assert plan.actions[0].title in shown
    assert shown.count(plan.actions[0].why) == 1, "the recommendation is shown once"
    for _action, draft in plan.drafts:
        assert " ".join(draft.body.split()) in shown
