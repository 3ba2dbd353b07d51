"""Every combination of the seven answers against the rules of CONTENT.md, written out
here independently of flows/guide.yaml, so a mistake in either shows up as a mismatch."""

from __future__ import annotations

import itertools

import pytest

from bot.engine import Guide
from bot.engine.contract import APPROACHES, QUESTIONS
from bot.engine.decide import decide

ALL_ANSWERS = [dict(zip(QUESTIONS, combo, strict=True)) for combo in itertools.product(*QUESTIONS.values())]
EARLY = {"interview", "final"}
SOON = {"recent", "weeks"}


def expected_primary(a: dict[str, str]) -> str:
    """CONTENT.md's 'Choosing' section, with its 'Never' downgrades, as plain code."""
    if a["stage"] == "automated":
        return "no_reply_needed"
    if a["feedback"] == "discrimination":
        return "seek_advice"
    forbidden = set()
    if a["role_status"] == "filled" or a["feedback"] == "subjective":
        forbidden.add("reconsider_letter")
    if a["time_since"] in ("month", "later") and a["role_status"] != "reopened":
        forbidden |= {"request_feedback", "reconsider_letter"}
    if a["feedback"] in ("fixable", "subjective"):
        forbidden.add("request_feedback")
    if a["new_material"] != "targeted":
        forbidden.add("offer_materials")
    soon = a["time_since"] in SOON
    candidates = [
        (a["role_status"] == "reopened", "reapply_reposted"),
        (a["feedback"] == "fixable" and a["new_material"] == "targeted" and a["stage"] in EARLY and soon,
         "offer_materials"),
        (a["feedback"] == "motivation" and a["stage"] in EARLY and soon, "reconsider_letter"),
        (a["stage"] == "final" and a["role_status"] in ("open", "unknown")
         and a["feedback"] in ("none", "vague") and a["goal"] == "this_role" and soon,
         "reconsider_letter"),
        (a["new_material"] == "targeted" and a["goal"] in ("this_role", "future") and soon,
         "offer_materials"),
        (a["feedback"] in ("none", "vague") and a["stage"] in EARLY and soon and a["goal"] != "close",
         "request_feedback"),
        (a["time_since"] in ("month", "later"), "wait_and_connect"),
    ]
    for matches, approach in candidates:
        if matches and approach not in forbidden:
            return approach
    return "thank_and_stay_in_touch"


def test_the_space_is_complete() -> None:
    assert len(ALL_ANSWERS) == 4 * 4 * 4 * 6 * 3 * 4 * 4


def test_every_combination_gets_the_primary_content_md_prescribes(guide: Guide) -> None:
    wrong = []
    for answers in ALL_ANSWERS:
        got = decide(guide.flow, answers).primary
        want = expected_primary(answers)
        if got != want:
            wrong.append((answers, got, want))
    assert not wrong, f"{len(wrong)} mismatches, first: {wrong[:3]}"


@pytest.mark.parametrize("chunk", range(4))
def test_never_rules_and_secondary_actions_hold_everywhere(guide: Guide, chunk: int) -> None:
    for answers in ALL_ANSWERS[chunk::4]:
        decision = decide(guide.flow, answers)
        approaches = decision.approaches
        assert approaches[0] == decision.primary
        assert len(set(approaches)) == len(approaches)
        assert set(approaches) <= set(APPROACHES)
        if answers["stage"] == "automated" or answers["feedback"] == "discrimination":
            assert approaches == (decision.primary,), "nothing else to send"
            continue
        if answers["role_status"] == "filled" or answers["feedback"] == "subjective":
            assert "reconsider_letter" not in approaches
        if answers["time_since"] in ("month", "later") and answers["role_status"] != "reopened":
            assert not {"request_feedback", "reconsider_letter"} & set(approaches)
        if answers["feedback"] in ("fixable", "subjective"):
            assert "request_feedback" not in approaches, "never ask for more feedback"
        if answers["new_material"] != "targeted":
            assert "offer_materials" not in approaches
        has_intro = "ask_introduction" in approaches
        assert has_intro == (answers["contact"] in ("strong", "weak"))
        asks = guide.flow.approaches[decision.primary].asks_question
        assert ("follow_up_nudge" in approaches) == asks
        if decision.primary == "wait_and_connect" and answers["feedback"] in ("fixable", "subjective"):
            assert "thank_for_feedback" in approaches


def test_the_why_trace_names_the_deciding_answers(guide: Guide) -> None:
    answers = {"stage": "final", "role_status": "unknown", "time_since": "recent", "feedback": "vague",
               "new_material": "none", "contact": "none", "goal": "this_role"}
    plan = guide.plan_for(answers, {}, "en")
    catalog = guide.catalog("en")
    assert plan.primary == "reconsider_letter" and plan.rule == "R4"
    for key in ("stage", "role_status", "feedback", "goal", "time_since"):
        assert catalog.text(f"reasons.{key}.{answers[key]}") in plan.reasons


def test_a_downgrade_is_explained(guide: Guide) -> None:
    answers = {"stage": "final", "role_status": "filled", "time_since": "recent", "feedback": "motivation",
               "new_material": "none", "contact": "none", "goal": "this_role"}
    plan = guide.plan_for(answers, {}, "en")
    assert plan.primary != "reconsider_letter"
    assert guide.catalog("en").text("never.filled") in plan.reasons


def test_answers_off_the_path_do_not_count(guide: Guide) -> None:
    base = {"stage": "automated", "role_status": "reopened", "time_since": "recent", "feedback": "fixable",
            "new_material": "targeted", "contact": "strong", "goal": "this_role"}
    plan = guide.plan_for(base, {}, "en")
    assert plan.primary == "no_reply_needed"
    assert [action.approach for action in plan.actions] == ["no_reply_needed"]
    assert all(action.draft is None for action in plan.actions)
