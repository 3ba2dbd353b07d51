"""When to nudge: the follow-up delays CONTENT.md recommends, as plain date arithmetic.

One nudge after 5-7 business days when the primary asked a question; a check-in in about a
month when the goal is future roles; after "we'll keep you in mind" (the after_reply flow's
`check_in_later`), a check-in in 3 months; otherwise no default, though a person may still
pick one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.engine.views import Draft, Plan


@dataclass(frozen=True)
class Delay:
    key: str  # short and stable: it travels in callback data and is stored with the reminder
    days: int
    business_days: bool = False

    def due(self, start: datetime) -> datetime:
        if not self.business_days:
            return start + timedelta(days=self.days)
        moment, left = start, self.days
        while left:
            moment += timedelta(days=1)
            if moment.weekday() < 5:
                left -= 1
        return moment


DELAYS: dict[str, Delay] = {
    delay.key: delay
    for delay in (
        Delay("b6", 6, business_days=True),
        Delay("d3", 3),
        Delay("d14", 14),
        Delay("d30", 30),
        Delay("d90", 90),
    )
}


def default_delay(plan: Plan) -> Delay | None:
    """The sensible default for this plan, or None when nothing calls for a follow-up."""
    if any(action.approach == "follow_up_nudge" for action in plan.actions):
        return DELAYS["b6"]  # the flow adds the nudge exactly when the primary asks a question
    if plan.answers.get("goal") == "future":
        return DELAYS["d30"]
    if check_in_draft(plan) is not None:
        return DELAYS["d90"]
    return None


def nudge_draft(plan: Plan) -> Draft | None:
    """The ready follow_up_nudge draft, when the plan has one."""
    return next((draft for action, draft in plan.drafts if action.approach == "follow_up_nudge"), None)


CHECK_IN_LATER = "check_in_later"


def check_in_draft(plan: Plan) -> Draft | None:
    """The ready check-in note (a reason to write, never a nudge), when the plan has one."""
    return next((draft for action, draft in plan.drafts if action.approach == CHECK_IN_LATER), None)
