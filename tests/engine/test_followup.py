"""Follow-up timing: business days skip weekends; the default comes from guide.yaml."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.content.flow_loader import validate
from bot.engine import Guide
from bot.engine.followup import DELAYS, default_delay, nudge_draft
from tests.conftest import FLOWS

FRIDAY = datetime(2026, 11, 27, 18, 0)


def test_six_business_days_from_a_friday_is_the_second_monday() -> None:
    assert DELAYS["b6"].due(FRIDAY) == datetime(2026, 12, 7, 18, 0)


def test_calendar_days_ignore_weekends() -> None:
    assert DELAYS["d3"].due(FRIDAY) == datetime(2026, 11, 30, 18, 0)


def test_a_question_asked_means_one_nudge_after_business_days(guide: Guide) -> None:
    answers = {
        "stage": "interview",
        "role_status": "unknown",
        "time_since": "recent",
        "feedback": "none",
        "new_material": "none",
        "contact": "none",
        "goal": "learn",
    }
    assert default_delay(guide.plan_for(answers, {}, "en")) == DELAYS["b6"]


def test_future_roles_mean_a_check_in_in_about_a_month(guide: Guide) -> None:
    answers = {
        "stage": "interview",
        "role_status": "filled",
        "time_since": "month",
        "feedback": "none",
        "new_material": "none",
        "contact": "none",
        "goal": "future",
    }
    plan = guide.plan_for(answers, {}, "en")
    assert plan.primary == "wait_and_connect"
    assert default_delay(plan) == DELAYS["d30"]


def test_nothing_to_follow_up_on_has_no_default(guide: Guide) -> None:
    assert default_delay(guide.plan_for({"stage": "automated"}, {}, "en")) is None


def test_the_nudge_draft_is_the_plans_follow_up_nudge(guide: Guide) -> None:
    answers = {
        "stage": "interview",
        "role_status": "unknown",
        "time_since": "recent",
        "feedback": "none",
        "new_material": "none",
        "contact": "none",
        "goal": "learn",
    }
    plan = guide.plan_for(answers, {"role": "Designer"}, "en")
    draft = nudge_draft(plan)
    assert draft is not None and draft.subject is None and draft.placement == "own_thread"
    assert "Designer" in draft.body
    assert draft == next(d for a, d in plan.drafts if a.approach == "follow_up_nudge")
    future = dict(answers, time_since="month", goal="future")
    assert nudge_draft(guide.plan_for(future, {}, "en")) is None


def test_no_nudge_after_goal_close_or_a_one_time_note(guide: Guide) -> None:
    close = {
        "stage": "interview",
        "role_status": "unknown",
        "time_since": "recent",
        "feedback": "none",
        "new_material": "none",
        "contact": "none",
        "goal": "close",
    }
    assert default_delay(guide.plan_for(close, {}, "en")) is None
    backup = dict(close, stage="final", goal="this_role")
    plan = guide.plan_for(backup, {}, "en")
    assert plan.primary == "reconsider_letter" and nudge_draft(plan) is None
    assert default_delay(plan) is None


def test_the_loader_refuses_an_unknown_default_delay(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    import shutil

    shutil.copytree(FLOWS, flows)
    guide_file = flows / "guide.yaml"
    guide_file.write_text(guide_file.read_text().replace("delay: b6", "delay: b66"))
    problems = [str(problem) for problem in validate(flows)]
    assert any("b66" in problem and "guide.yaml" in problem for problem in problems), problems
