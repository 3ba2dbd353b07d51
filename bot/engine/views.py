"""What the engine hands to a transport: events in, views out. Plain values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# ---- events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """Pick one option of the current question."""

    value: str


@dataclass(frozen=True)
class GiveDetail:
    text: str


@dataclass(frozen=True)
class SkipDetail:
    pass


@dataclass(frozen=True)
class Proceed:
    """From the recommendation on to the personal details and drafts."""


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class Restart:
    pass


@dataclass(frozen=True)
class ChangeAnswer:
    """From the result: show the list of answers that can be changed."""


@dataclass(frozen=True)
class Revise:
    """Change the answer to one question, then return to the result."""

    question: str


Event = Answer | GiveDetail | SkipDetail | Proceed | Back | Restart | ChangeAnswer | Revise

# ---- the plan -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    channel: str  # "email", "message" or "linkedin"
    subject: str | None
    body: str
    placement: str = ""
    """Where it goes: reply_in_thread (no subject), new_email (short subject), linkedin_note,
    contact_message, own_thread (the nudge, under the person's earlier email)."""
    label: str = ""
    """The placement in the person's words, e.g. "Reply in their email thread"."""

    @property
    def words(self) -> int:
        return len(self.body.split())

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "subject": self.subject,
            "body": self.body,
            "placement": self.placement,
            "label": self.label,
        }


@dataclass(frozen=True)
class Action:
    approach: str
    title: str
    why: str
    when: str
    draft: Draft | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "approach": self.approach,
            "title": self.title,
            "why": self.why,
            "when": self.when,
            "draft": self.draft.to_dict() if self.draft else None,
        }


@dataclass(frozen=True)
class Plan:
    """The recommendation: the primary approach first in `actions`, then the secondary ones."""

    flow: str
    flow_version: int
    language: str
    answers: dict[str, str]
    primary: str
    rule: str
    actions: tuple[Action, ...]
    reasons: tuple[str, ...]
    tips: tuple[str, ...]
    expectations: tuple[str, ...]
    details: dict[str, str] = field(default_factory=dict)
    next_steps: tuple[str, ...] = ()
    """What the person can do for themselves, whatever they send."""
    follow_up: str | None = None
    """The reminder delay offered by default (a key of bot.engine.followup.DELAYS)."""

    @property
    def drafts(self) -> list[tuple[Action, Draft]]:
        return [(action, action.draft) for action in self.actions if action.draft]

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "flow_version": self.flow_version,
            "language": self.language,
            "answers": dict(self.answers),
            "primary": self.primary,
            "actions": [action.to_dict() for action in self.actions],
            "reasons": list(self.reasons),
            "tips": list(self.tips),
            "expectations": list(self.expectations),
            "next_steps": list(self.next_steps),
        }


# ---- views --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    selected: bool = False


@dataclass(frozen=True)
class QuestionView:
    question: str
    text: str
    hint: str | None
    choices: tuple[Choice, ...]
    position: int
    total: int
    can_go_back: bool
    revising: bool = False
    notice: str | None = None
    """One line shown above the question, e.g. that the guide was updated since last time."""
    kind: str = "question"


@dataclass(frozen=True)
class DetailView:
    detail: str
    prompt: str
    hint: str | None
    current: str | None
    max_length: int
    position: int
    total: int
    can_go_back: bool
    error: str | None = None
    kind: str = "detail"


@dataclass(frozen=True)
class RecommendView:
    plan: Plan
    intro: str
    proceed_label: str
    can_go_back: bool = True
    kind: str = "recommend"


@dataclass(frozen=True)
class ChangeView:
    text: str
    choices: tuple[Choice, ...]
    can_go_back: bool = True
    kind: str = "change"


@dataclass(frozen=True)
class ResultView:
    plan: Plan
    can_go_back: bool = True
    kind: str = "result"


View = QuestionView | DetailView | RecommendView | ChangeView | ResultView
