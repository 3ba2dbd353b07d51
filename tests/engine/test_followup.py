"""Follow-up timing: business days skip weekends; the default follows CONTENT.md."""

from __future__ import annotations

from datetime import datetime

from bot.engine import Guide
from bot.engine.followup import DELAYS, default_delay, nudge_draft

FRIDAY = datetime(2026, 11, 27, 18, 0)


def test_six_business_days_from_a_friday_is_the_second_monday() -> None:
    assert DELAYS["b6"].due(FRIDAY) == datetime(2026, 12, 7, 18, 0)


def test_calendar_days_ignore_weekends() -> None:
    assert DELAYS["d3"].due(FRIDAY) == datetime(2026, 11, 30, 18, 0)


def test_a_question_asked_means_one_nudge_after_business_days(guide: Guide) -> None:
    answers = {"stage": "interview", "role_status": "unknown", "time_since": "recent", "feedback": "none",
               "new_material": "none", "contact": "none", "goal": "learn"}
    assert default_delay(guide.plan_for(answers, {}, "en")) == DELAYS["b6"]


def test_future_roles_mean_a_check_in_in_about_a_month(guide: Guide) -> None:
    answers = {"stage": "interview", "role_status": "filled", "time_since": "month", "feedback": "none",
               "new_material": "none", "contact": "none", "goal": "future"}
    plan = guide.plan_for(answers, {}, "en")
    assert plan.primary == "wait_and_connect"
    assert default_delay(plan) == DELAYS["d30"]


def test_nothing_to_follow_up_on_has_no_default(guide: Guide) -> None:
    assert default_delay(guide.plan_for({"stage": "automated"}, {}, "en")) is None


def test_the_nudge_draft_is_the_plans_follow_up_nudge(guide: Guide) -> None:
    answers = {"stage": "interview", "role_status": "unknown", "time_since": "recent", "feedback": "none",
               "new_material": "none", "contact": "none", "goal": "learn"}
    plan = guide.plan_for(answers, {"role": "Designer"}, "en")
    draft = nudge_draft(plan)
    assert draft is not None and draft.subject == "Following up – Designer"
    assert draft == next(d for a, d in plan.drafts if a.approach == "follow_up_nudge")
    future = dict(answers, time_since="month", goal="future")
    assert nudge_draft(guide.plan_for(future, {}, "en")) is None
