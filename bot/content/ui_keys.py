"""Interface strings every catalog must have, with the placeholders each may use.

The engine and every transport take their words from here, so a translator sees the full
list in one catalog and `reconsider-bot check` can tell what is missing.
"""

UI_KEYS: dict[str, frozenset[str]] = {
    # engine
    "proceed": frozenset(),
    "recommend_intro": frozenset(),
    "change_intro": frozenset(),
    "detail_empty": frozenset(),
    "detail_one_line": frozenset(),
    "detail_too_long": frozenset({"max", "length"}),
    # buttons shared by the transports
    "back": frozenset(),
    "restart": frozenset(),
    "skip": frozenset(),
    "change_answer": frozenset(),
    "share": frozenset(),
    # the plan as text (terminal chat, `plan --format text`, exports)
    "recommendation": frozenset(),
    "why_this": frozenset(),
    "what_to_expect": frozenset(),
    "also": frozenset(),
    "tips": frozenset(),
    "subject": frozenset(),
    # terminal chat
    "terminal_welcome": frozenset(),
    "terminal_pick": frozenset(),
    "terminal_back_restart": frozenset(),
    "terminal_detail": frozenset(),
    "terminal_current": frozenset({"value"}),
    "terminal_proceed": frozenset(),
    "terminal_result": frozenset(),
    "terminal_unknown": frozenset(),
    "terminal_bye": frozenset(),
}
