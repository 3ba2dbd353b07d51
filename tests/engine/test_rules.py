"""Every combination of answers against the rules of CONTENT.md v2, written out here as
plain code, independently of flows/guide.yaml and of the engine's rule code (only
`decide`'s answer is compared), so a mistake in either shows up as a mismatch."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from math import prod

import pytest

from bot.engine import Guide
from bot.engine.decide import decide

SOON = ("recent", "weeks")
LATE = ("month", "later")
TALKED = ("screen", "interview", "final")
CLOSE_NEVER = {
    "reconsider_letter",
    "reapply_reposted",
    "offer_materials",
    "request_feedback",
    "follow_up_nudge",
}


def combinations(guide: Guide) -> Iterator[dict[str, str]]:
    questions = guide.flow.questions
    for values in itertools.product(*(question.options for question in questions)):
        yield dict(zip((question.id for question in questions), values, strict=True))


def expected(a: dict[str, str]) -> tuple[str, list[str]]:
    """CONTENT.md v2's "Choosing", "never" and secondary actions, as plain code."""
    stage, role, time, feedback = a["stage"], a["role_status"], a["time_since"], a["feedback"]
    material, contact, goal = a["new_material"], a["contact"], a["goal"]
    if stage == "automated":
        referral = contact in ("strong", "weak") and goal != "close"
        return "no_reply_needed", ["ask_introduction"] if referral else []
    if feedback == "discrimination":
        return "seek_advice", []
    forbidden: set[str] = set()
    if role == "filled" or feedback == "subjective":
        forbidden.add("reconsider_letter")
    if time in LATE and role != "reopened":
        forbidden |= {"request_feedback", "reconsider_letter", "clarify_fact"}
    if material != "targeted":
        forbidden.add("offer_materials")
    if feedback in ("fixable", "subjective"):
        forbidden.add("request_feedback")
    if goal == "close":
        forbidden |= CLOSE_NEVER
    candidates = [
        (goal == "close", "thank_and_stay_in_touch"),
        (role == "reopened" and goal in ("this_role", "future"), "reapply_reposted"),
        (
            feedback == "misunderstanding" and role != "filled" and time in SOON and stage in TALKED,
            "clarify_fact",
        ),
        (
            feedback == "fixable"
            and material == "targeted"
            and stage in ("interview", "final")
            and time in SOON,
            "offer_materials",
        ),
        (
            feedback == "motivation" and stage in TALKED and time in SOON and goal == "this_role",
            "reconsider_letter",
        ),
        (
            feedback == "motivation" and stage in TALKED and time in SOON and goal in ("future", "learn"),
            "thank_and_stay_in_touch",
        ),
        (
            stage == "final"
            and role in ("open", "unknown")
            and feedback in ("none", "vague")
            and goal == "this_role"
            and time in SOON,
            "reconsider_letter",
        ),
        (material == "targeted" and time in ("recent", "weeks", "month"), "offer_materials"),
        (
            feedback in ("none", "vague")
            and time in SOON
            and (stage in ("interview", "final") or (stage == "screen" and goal == "learn")),
            "request_feedback",
        ),
        (time in LATE, "wait_and_connect"),
    ]
    primary = next(
        (approach for holds, approach in candidates if holds and approach not in forbidden),
        "thank_and_stay_in_touch",
    )
    secondary = []
    if contact in ("strong", "weak") and goal != "close":
        secondary.append("ask_introduction")
    if contact == "panel":
        secondary.append("thank_panel")
    if feedback in ("fixable", "subjective") and primary == "wait_and_connect":
        secondary.append("thank_for_feedback")
    if primary in ("request_feedback", "reapply_reposted") and "follow_up_nudge" not in forbidden:
        secondary.append("follow_up_nudge")
    return primary, secondary


def test_the_space_is_every_combination_of_the_flows_questions(guide: Guide) -> None:
    count = sum(1 for _ in combinations(guide))
    assert count == prod(len(question.options) for question in guide.flow.questions)
    assert count == 4 * 4 * 4 * 7 * 3 * 4 * 4  # CONTENT.md v2's seven questions and their values


def test_every_combination_gets_what_content_md_prescribes(guide: Guide) -> None:
    wrong = []
    for answers in combinations(guide):
        decision = decide(guide.flow, answers)
        got = (decision.primary, list(decision.secondary))
        want = expected(answers)
        if got != want:
            wrong.append((answers, got, want))
    assert not wrong, f"{len(wrong)} mismatches, first: {wrong[:3]}"


@pytest.mark.parametrize("chunk", range(2))
def test_the_never_rules_hold_everywhere(guide: Guide, chunk: int) -> None:
    for answers in list(combinations(guide))[chunk::2]:
        approaches = set(decide(guide.flow, answers).approaches)
        if answers["stage"] == "automated":
            continue
        if answers["role_status"] == "filled" or answers["feedback"] == "subjective":
            assert "reconsider_letter" not in approaches, answers
        if answers["time_since"] in LATE and answers["role_status"] != "reopened":
            assert not {"request_feedback", "reconsider_letter", "clarify_fact"} & approaches, answers
        if answers["new_material"] != "targeted":
            assert "offer_materials" not in approaches, answers
        if answers["goal"] == "close":
            assert not CLOSE_NEVER & approaches, answers
            assert "ask_introduction" not in approaches, answers
        if "follow_up_nudge" in approaches:
            assert approaches & {"request_feedback", "reapply_reposted"}, answers
            assert not {"reconsider_letter", "offer_materials", "clarify_fact"} & approaches, answers
        if answers["contact"] == "panel":
            assert "ask_introduction" not in approaches, answers


def test_no_goal_close_path_appeals_asks_for_feedback_or_nudges(guide: Guide) -> None:
    for answers in combinations(guide):
        if answers["goal"] != "close":
            continue
        plan = guide.plan_for(answers, {}, "en")
        approaches = {action.approach for action in plan.actions}
        assert not CLOSE_NEVER & approaches, answers
        assert plan.follow_up is None, answers


def test_the_why_trace_names_the_deciding_answers_in_plain_words(guide: Guide) -> None:
    catalog = guide.catalog("en")
    answers = {
        "stage": "final",
        "role_status": "unknown",
        "time_since": "recent",
        "feedback": "vague",
        "new_material": "none",
        "contact": "none",
        "goal": "this_role",
    }
    plan = guide.plan_for(answers, {}, "en")
    assert plan.primary == "reconsider_letter" and plan.rule == "R6_backup"
    for key in ("stage", "role_status", "feedback", "goal", "time_since"):
        assert catalog.text(f"reasons.{key}.{answers[key]}") in plan.reasons
    for answers in combinations(guide):
        reasons = guide.plan_for(answers, {}, "en").reasons
        assert reasons, answers
        assert not any("special case" in reason for reason in reasons), answers


def test_a_downgrade_is_explained(guide: Guide) -> None:
    answers = {
        "stage": "final",
        "role_status": "filled",
        "time_since": "recent",
        "feedback": "motivation",
        "new_material": "none",
        "contact": "none",
        "goal": "this_role",
    }
    plan = guide.plan_for(answers, {}, "en")
    assert plan.primary != "reconsider_letter"
    assert guide.catalog("en").text("never.filled") in plan.reasons


def test_answers_off_the_path_do_not_count(guide: Guide) -> None:
    base = {
        "stage": "automated",
        "role_status": "reopened",
        "time_since": "recent",
        "feedback": "fixable",
        "new_material": "targeted",
        "contact": "none",
        "goal": "this_role",
    }
    plan = guide.plan_for(base, {}, "en")
    assert [action.approach for action in plan.actions] == ["no_reply_needed"]
    assert all(action.draft is None for action in plan.actions)


# ---- texts that fit the answers ---------------------------------------------------------------


def test_when_to_send_follows_the_time_since(guide: Guide) -> None:
    for answers in combinations(guide):
        plan = guide.plan_for(answers, {}, "en")
        when = plan.actions[0].when
        if answers["stage"] != "automated" and answers["time_since"] != "recent":
            assert "24" not in when and "within a day or two" not in when, (answers, when)
        own_timing = ("reapply_reposted", "no_reply_needed", "seek_advice")
        if answers["time_since"] == "weeks" and plan.primary not in own_timing:
            assert "Now" in when, (answers, when)


def test_tips_about_sending_only_when_something_is_sent(guide: Guide) -> None:
    catalog = guide.catalog("en")
    sending_tips = {
        catalog.text("tips.tone_rules"),
        catalog.text("tips.cool_off"),
        catalog.text("tips.same_thread"),
    }
    for answers in combinations(guide):
        plan = guide.plan_for(answers, {}, "en")
        if not plan.drafts:
            assert not sending_tips & set(plan.tips), answers
        if plan.primary == "seek_advice":
            assert not plan.tips and not plan.drafts
            assert catalog.text("next_steps.rights_write_down") in plan.next_steps


def test_next_steps_for_everyone_fullest_for_learning(guide: Guide) -> None:
    catalog = guide.catalog("en")
    for answers in combinations(guide):
        plan = guide.plan_for(answers, {}, "en")
        assert plan.next_steps, answers
        if answers["goal"] == "learn" and plan.primary != "seek_advice":
            assert catalog.text("next_steps.learn_plan") in plan.next_steps, answers
            assert len(plan.next_steps) >= 3


def test_expectations_fit(guide: Guide) -> None:
    catalog = guide.catalog("en")
    for answers in combinations(guide):
        plan = guide.plan_for(answers, {}, "en")
        vague = catalog.text("expectations.vague_reason") in plan.expectations
        assert vague == (answers["feedback"] == "vague" and answers["stage"] != "automated"), answers
        formal = catalog.text("expectations.no_formal_process") in plan.expectations
        assert formal == (plan.primary == "reconsider_letter"), answers
