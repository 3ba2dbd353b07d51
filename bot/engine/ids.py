"""How long a question id or an option value may be: they travel inside button payloads."""

MAX_ID_BYTES = 36
"""UTF-8 bytes of one question id or option value. Telegram allows 64 bytes of callback data;
the payload's own fields (version, counters, action) take the rest, which
`bot.telegram.buttons` checks against this figure."""
