"""Our bot exactly as `python -m bot run` starts it, less the bot-wide flood limit.

The shipped rate limiter (PTB's AIORateLimiter) lets through at most 30 requests per second
that carry a `chat_id`, bot-wide: against real Telegram that is the point, but on the local
fake it caps our bot near 15 turns/s (each turn edits one message and sends another) and
hides what our code costs. This entry point keeps everything else (per-chat ordering,
retries, group limits, SQLite write-through) and only lifts that one limit, so the
benchmark can compare code with code. Run as `python -m bench.unthrottled` (same
environment as `python -m bot run`).
"""

from __future__ import annotations

import sys

from telegram.ext import AIORateLimiter

from bot.telegram import app


class NoOverallLimit(app.RetryingRateLimiter):
    """RetryingRateLimiter with `overall_max_rate=0` (PTB: no bot-wide limiter)."""

    def __init__(self) -> None:
        AIORateLimiter.__init__(self, overall_max_rate=0, max_retries=app.RATE_LIMIT_RETRIES)
        self.network_retries = app.NETWORK_RETRIES
        self.delay = app.NETWORK_RETRY_DELAY


def main() -> int:
    app.RetryingRateLimiter = NoOverallLimit  # type: ignore[misc]
    from bot.cli import main as cli_main

    return cli_main(["run"])


if __name__ == "__main__":
    sys.exit(main())
