"""The second flow, after_reply: golden stories through the engine, `plan` and `chat`; every
draft within its own word limit with details at their maximum length; tone-clean."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.tone_lexicon import load_tone_lexicon
from bot.engine import (
    Answer,
    DetailView,
    GiveDetail,
    Guide,
    Plan,
    Proceed,
    QuestionView,
    RecommendView,
    Restart,
    ResultView,
    SkipDetail,
)
from bot.engine.followup import DELAYS, check_in_draft, default_delay
from bot.engine.model import WordLimits, first_pick
from bot.engine.tone import check_tone
from tests.conftest import FLOWS, REPO

STORIES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "stories" / "after_reply.yaml").read_text(encoding="utf-8")
)
REPLIES = ("feedback", "no_again", "call", "keep_in_mind", "other_role", "silence")
PROSE = (
    "experience with managing large regional budgets and cross functional planning for "
    "enterprise customers across several markets "
)


def at_max_length(length: int) -> str:
    """Plausible prose of exactly `length` characters (about 7 characters a word)."""
    text = (PROSE * (length // len(PROSE) + 1))[:length]
    return text[:-1] + "s" if text.endswith(" ") else text


def walk(guide: Guide, story: dict[str, Any]) -> tuple[Plan, list[str], list[str]]:
    """Take the flow as a person would; returns the plan, what was asked, and the typed lines."""
    details = story.get("details", {})
    turn = guide.start(carried=story.get("carried", {}))
    asked: list[str] = []
    typed: list[str] = []
    while not isinstance(turn.view, ResultView):
        view = turn.view
        if isinstance(view, QuestionView):
            values = [choice.value for choice in view.choices]
            typed.append(str(values.index(story["reply"]) + 1))
            turn = guide.handle(turn.session, Answer(story["reply"]))
        elif isinstance(view, RecommendView):
            typed.append("")
            turn = guide.handle(turn.session, Proceed())
        elif isinstance(view, DetailView):
            asked.append(view.detail)
            given = details.get(view.detail)
            typed.append(given or "")
            turn = guide.handle(turn.session, GiveDetail(given) if given else SkipDetail())
        else:  # pragma: no cover
            raise AssertionError(f"unexpected view {view}")
    return turn.view.plan, asked, typed


def check(plan: Plan | dict[str, Any], story: dict[str, Any]) -> None:
    data = plan.to_dict() if isinstance(plan, Plan) else plan
    assert data["flow"] == "after_reply"
    assert data["answers"] == {"reply": story["reply"]}
    assert data["primary"] == story["primary"]
    assert [action["approach"] for action in data["actions"]] == story["actions"]
    drafts = {a["approach"]: a["draft"] for a in data["actions"]}
    for approach, fragments in story.get("drafts", {}).items():
        text = (drafts[approach]["subject"] or "") + "\n" + drafts[approach]["body"]
        for fragment in fragments:
            assert fragment in text, f"{fragment!r} not in {approach}:\n{text}"
    for draft in (d for d in drafts.values() if d):
        for fragment in story.get("absent", []):
            assert fragment not in draft["body"], f"{fragment!r} in:\n{draft['body']}"
    for action in data["actions"]:
        assert (action["draft"] is None) == (action["approach"] == "no_reply_needed")


def names(story: dict[str, Any]) -> str:
    return str(story["name"])


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=REPO, capture_output=True, text=True, input=stdin
    )


# ---- golden stories -----------------------------------------------------------------------


def test_the_stories_cover_every_reply() -> None:
    assert {story["reply"] for story in STORIES} == set(REPLIES)


@pytest.mark.parametrize("story", STORIES, ids=names)
def test_story_in_the_engine(after_reply: Guide, story: dict[str, Any]) -> None:
    plan, asked, _ = walk(after_reply, story)
    check(plan, story)
    assert asked == story["asked"], "only what is new is asked; carried details are reused"


@pytest.mark.parametrize("story", STORIES, ids=names)
def test_story_through_plan(after_reply: Guide, story: dict[str, Any]) -> None:
    details = {**story.get("carried", {}), **story.get("details", {})}
    args = ["plan", "--flow", "after_reply", "--format", "json", f"--answer=reply={story['reply']}"]
    args += [f"--detail={key}={value}" for key, value in details.items()]
    done = run(*args)
    assert done.returncode == 0, done.stderr
    check(json.loads(done.stdout), story)


@pytest.mark.parametrize("story", STORIES, ids=names)
def test_story_through_the_terminal_chat(after_reply: Guide, story: dict[str, Any]) -> None:
    plan, _, typed = walk(after_reply, story)
    carried = [f"--detail={key}={value}" for key, value in story.get("carried", {}).items()]
    done = run("chat", "--flow", "after_reply", *carried, stdin="\n".join(typed) + "\n")
    assert done.returncode == 0, done.stderr
    catalog = after_reply.catalog("en")
    assert catalog.text("ui.terminal_unknown") not in done.stdout
    shown = " ".join(done.stdout.split())  # the chat wraps lines to the terminal's width
    assert catalog.text("questions.reply.text") in shown
    assert plan.actions[0].title in shown
    for _action, draft in plan.drafts:
        assert " ".join(draft.body.split()) in shown


# ---- the plan command ---------------------------------------------------------------------


def test_plan_json_has_the_first_flows_shape(guide: Guide) -> None:
    answers = [f"--answer={question.id}={question.options[0]}" for question in guide.flow.questions]
    first = run("plan", "--format", "json", *answers)
    second = run("plan", "--flow", "after_reply", "--format", "json", "--answer=reply=call")
    assert first.returncode == second.returncode == 0
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert one.keys() == two.keys()
    assert two["flow"] == "after_reply" and two["primary"] == "accept_call"
    assert two["actions"][0].keys() == {"approach", "title", "why", "when", "draft"}


def test_plan_text_for_each_reply(after_reply: Guide) -> None:
    for reply in REPLIES:
        done = run("plan", "--flow", "after_reply", f"--answer=reply={reply}")
        assert done.returncode == 0, done.stderr
        primary = after_reply.plan_for({"reply": reply}, {}, "en").actions[0]
        assert primary.title in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [],
            "missing --answer reply=... (one of: feedback, no_again, call, keep_in_mind, other_role, silence)",  # noqa: E501
        ),
        (["--answer=reply=ghosted"], "reply='ghosted' is not allowed"),
        (["--answer=reply=call", "--answer=stage=final"], "unknown question 'stage'"),
        (["--answer=reply=call", "--detail=material=x"], "unknown detail 'material'"),
    ],
)
def test_plan_explains_what_is_wrong(args: list[str], message: str) -> None:
    done = run("plan", "--flow", "after_reply", *args)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_an_unknown_flow_is_named() -> None:
    for command in ("plan", "chat"):
        done = run(command, "--flow", "after_replies")
        assert done.returncode == 2
        assert "unknown flow 'after_replies'; the flows are: reconsider, after_reply" in done.stderr


# ---- the engine: carried details, restart, the check-in -----------------------------------


def test_carried_details_are_kept_only_when_the_flow_carries_them(after_reply: Guide) -> None:
    carried = {"your_name": "Alex", "company": "Acme", "material": "a case study", "gap": "SQL", "role": ""}
    session = after_reply.start(carried=carried).session
    assert session.details == {"your_name": "Alex", "company": "Acme"}
    assert session.asked == ["your_name", "company"]


def test_start_over_keeps_the_carried_details_and_forgets_the_new_ones(after_reply: Guide) -> None:
    turn = after_reply.start(carried={"your_name": "Alex", "recipient_name": "Dana"})
    turn = after_reply.handle(turn.session, Answer("feedback"))
    turn = after_reply.handle(turn.session, Proceed())
    assert isinstance(turn.view, DetailView) and turn.view.detail == "gap"
    turn = after_reply.handle(turn.session, GiveDetail("SQL depth"))
    assert isinstance(turn.view, ResultView)
    turn = after_reply.handle(turn.session, Restart())
    assert turn.session.details == {"your_name": "Alex", "recipient_name": "Dana"}
    assert turn.session.answers == {} and isinstance(turn.view, QuestionView)


def test_keep_in_mind_offers_a_check_in_in_about_three_months(after_reply: Guide) -> None:
    plan = after_reply.plan_for({"reply": "keep_in_mind"}, {"role": "Data Analyst"}, "en")
    assert default_delay(plan) == DELAYS["d90"]
    draft = check_in_draft(plan)
    assert draft is not None and draft.subject == "Checking in – Data Analyst"
    assert "reason to write" in draft.body and "buried" not in draft.body


@pytest.mark.parametrize("reply", [r for r in REPLIES if r != "keep_in_mind"])
def test_other_replies_offer_no_default_reminder(after_reply: Guide, reply: str) -> None:
    plan = after_reply.plan_for({"reply": reply}, {}, "en")
    assert default_delay(plan) is None and check_in_draft(plan) is None


def test_silence_says_stop_and_a_check_in_only_with_a_new_reason(after_reply: Guide) -> None:
    plan = after_reply.plan_for({"reply": "silence"}, {}, "en")
    assert plan.drafts == []
    assert "only if you have a new reason" in plan.actions[0].when


# ---- every draft, every combination -------------------------------------------------------


def limit_of(guide: Guide, approach: str, reply: str) -> WordLimits:
    """The word limit the flow gives `approach`'s draft after `reply`."""
    name = first_pick(guide.flow.approaches[approach].limit, {"reply": reply})
    assert name is not None
    return guide.flow.limits[name]


def every_draft(guide: Guide) -> list[tuple[str, str, Any]]:
    """(reply, approach, draft) for each reply x each subset of details, given at max length."""
    full = {detail.id: at_max_length(detail.max_length) for detail in guide.flow.details}
    found = []
    for reply in REPLIES:
        for size in range(len(full) + 1):
            for subset in itertools.combinations(full, size):
                plan = guide.plan_for({"reply": reply}, {name: full[name] for name in subset}, "en")
                found += [(reply, action.approach, draft) for action, draft in plan.drafts]
    return found


def test_drafts_stay_within_their_limits_with_details_at_max_length(after_reply: Guide) -> None:
    drafts = every_draft(after_reply)
    assert {approach for _, approach, _ in drafts} == {
        a.id for a in after_reply.flow.approaches.values() if a.channel
    }
    bad = []
    for reply, approach, draft in drafts:
        limit = limit_of(after_reply, approach, reply)
        if not limit.min_words <= draft.words <= limit.max_words:
            bad.append(f"{reply}/{approach}: {draft.words} words, limit {limit}")
    assert not bad, "\n".join(sorted(set(bad))[:20])


def test_the_limits_are_those_of_the_contract(after_reply: Guide) -> None:
    maximum = {
        name: limit_of(after_reply, name, "feedback").max_words
        for name in (
            "thank_for_feedback",
            "close_gracefully",
            "accept_call",
            "thank_and_stay_in_touch",
            "express_interest_other_role",
        )
    }
    assert maximum == {
        "thank_for_feedback": 90,
        "close_gracefully": 50,
        "accept_call": 90,
        "thank_and_stay_in_touch": 60,
        "express_interest_other_role": 120,
    }


def test_close_gracefully_is_two_sentences_asking_nothing(after_reply: Guide) -> None:
    for _, approach, draft in every_draft(after_reply):
        if approach == "close_gracefully":
            middle = draft.body.split("\n\n")[1]
            assert len(re.findall(r"[.!?](\s|$)", middle)) == 2 and "?" not in draft.body


def test_only_the_call_and_the_other_role_ask_anything(after_reply: Guide) -> None:
    for _, approach, draft in every_draft(after_reply):
        ours = draft.body.replace(at_max_length(200), "")
        assert ours.count("?") <= (1 if approach in ("accept_call", "express_interest_other_role") else 0)


def test_thread_replies_have_no_subject_and_the_check_in_has_one(after_reply: Guide) -> None:
    for _, approach, draft in every_draft(after_reply):
        assert (draft.subject is not None) == (approach == "check_in_later"), approach


def test_every_draft_is_tone_clean(after_reply: Guide) -> None:
    lexicon = load_tone_lexicon(FLOWS / "tone" / "en.yaml")
    plausible = {
        "your_name": "Sam Lee",
        "recipient_name": "Ms Ortiz",
        "company": "Northwind",
        "role": "Data Analyst",
        "strength": "five years of SQL and dashboard work",
        "gap": "experience with A/B testing",
        "times": "Tuesday 10-12 or Thursday 3 pm",
        "other_role": "Analytics Engineer",
    }
    assert set(plausible) == {detail.id for detail in after_reply.flow.details}
    texts = set()
    for reply in REPLIES:
        for given in (plausible, {}):
            for _, draft in after_reply.plan_for({"reply": reply}, given, "en").drafts:
                texts.add(f"{draft.subject or ''}\n\n{draft.body}")
    flagged = {text: check_tone(text, lexicon) for text in texts}
    assert {text: found for text, found in flagged.items() if found} == {}
