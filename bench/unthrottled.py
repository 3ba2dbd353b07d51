"""Our bot exactly as `python -m bot run` starts it, less the flood limits (bot-wide and per chat).

The shipped rate limiter (PTB's AIORateLimiter) lets through at most 30 requests per second
that carry a `chat_id`, bot-wide: against real Telegram that is the point, but on the local
fake it caps our bot near 15 turns/s (a turn makes about two such requests) and hides
what our code costs. This entry point keeps everything else (per-chat ordering,
retries, group limits, SQLite write-through) and only lifts that one limit, so the
benchmark can compare code with code. Run as `python -m bench.unthrottled` (same
environment as `python -m bot run`).
"""

from __future__ import annotations

import sys
from typing import Any

from bot.telegram import app


class NoOverallLimit(app.RetryingRateLimiter):
    """The shipped limiter, built as the app builds it, minus the bot-wide limit."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What AIORateLimiter(overall_max_rate=0) sets: no bot-wide limiter at all.
        self._base_limiter = None
        self.pace_chats = False  # nor the per-chat pacing (people here never stop to read)


def main() -> int:
    app.RetryingRateLimiter = NoOverallLimit  # type: ignore[misc]
    from bot.cli import main as cli_main

    return cli_main(["run"])


if __name__ == "__main__":
    sys.exit(main())
