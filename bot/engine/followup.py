"""The follow-up delays a person can pick, as plain date arithmetic.

Which one is offered by default is content: `follow_up:` in flows/guide.yaml (one nudge
after 5-7 business days, a check-in in about a month...), carried by `Plan.follow_up`.
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
    """The flow's default for this plan, or None when nothing calls for a follow-up."""
    return DELAYS.get(plan.follow_up) if plan.follow_up else None


def nudge_draft(plan: Plan) -> Draft | None:
    """The ready follow_up_nudge draft, when the plan has one."""
    return next((draft for action, draft in plan.drafts if action.approach == "follow_up_nudge"), None)


CHECK_IN_LATER = "check_in_later"


def check_in_draft(plan: Plan) -> Draft | None:
    """The ready check-in note (a reason to write, never a nudge), when the plan has one."""
    return next((draft for action, draft in plan.drafts if action.approach == CHECK_IN_LATER), None)
