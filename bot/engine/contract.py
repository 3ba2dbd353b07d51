"""The ids and values of ../shared/CONTENT.md: stored sessions, `plan` and tests rely on them."""

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
