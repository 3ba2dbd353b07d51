"""The ids and values of ../shared/CONTENT.md: stored sessions, `plan` and tests rely on them."""

from dataclasses import dataclass

QUESTIONS: dict[str, tuple[str, ...]] = {
    "stage": ("automated", "screen", "interview", "final"),
    "role_status": ("filled", "unknown", "open", "reopened"),
    "time_since": ("recent", "weeks", "month", "later"),
    "feedback": ("none", "vague", "fixable", "subjective", "motivation", "discrimination"),
    "new_material": ("none", "generic", "targeted"),
    "contact": ("none", "weak", "strong", "panel"),
    "goal": ("this_role", "future", "learn", "close"),
}

APPROACHES: tuple[str, ...] = (
    "reconsider_letter",
    "request_feedback",
    "offer_materials",
    "thank_and_stay_in_touch",
    "ask_introduction",
    "thank_for_feedback",
    "follow_up_nudge",
    "reapply_reposted",
    "wait_and_connect",
    "no_reply_needed",
    "seek_advice",
)

DETAILS: tuple[str, ...] = (
    "your_name",
    "recipient_name",
    "company",
    "role",
    "strength",
    "topic",
    "material",
    "gap",
    "contact_name",
)

CHANNELS: tuple[str, ...] = ("email", "message")


@dataclass(frozen=True)
class FlowContract:
    """The ids one flow file must use: its questions and values, approaches and details."""

    questions: dict[str, tuple[str, ...]]
    approaches: tuple[str, ...]
    details: tuple[str, ...]


AFTER_REPLY = FlowContract(
    questions={"reply": ("feedback", "no_again", "call", "keep_in_mind", "other_role", "silence")},
    approaches=(
        "thank_for_feedback",
        "close_gracefully",
        "accept_call",
        "thank_and_stay_in_touch",
        "express_interest_other_role",
        "check_in_later",
        "no_reply_needed",
    ),
    details=("your_name", "recipient_name", "company", "role", "strength", "gap", "times", "other_role"),
)

FLOWS: dict[str, FlowContract] = {
    "reconsider": FlowContract(QUESTIONS, APPROACHES, DETAILS),
    "after_reply": AFTER_REPLY,
}
"""Every flow the product knows, by the `flow:` id its file declares."""
