"""What the bot counts for Prometheus, on one registry; `/metrics` serves it.

No label carries anything personal: labels are update kinds, handler names, Bot API
method names, question and approach ids from the flow, reminder events and outcomes.
Chat and user ids, names and text never become a label.
"""

from __future__ import annotations

import contextvars
import re
import time
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    gc_collector,
    generate_latest,
    platform_collector,
    process_collector,
)

from bot.engine import Answer, Event, Guide, Session
from bot.engine.guide import CHANGE, RESULT
from bot.storage import StoreError

REGISTRY = CollectorRegistry(auto_describe=True)
process_collector.ProcessCollector(registry=REGISTRY)
platform_collector.PlatformCollector(registry=REGISTRY)
gc_collector.GCCollector(registry=REGISTRY)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHOD_NAME = re.compile(r"^[A-Za-z]{1,64}$")
API_RECENT_SECONDS = 120.0
"""The Bot API counts as reached recently (for /readyz) within this many seconds."""

UPDATES = Counter(
    "reconsider_updates", "Updates handled, by kind and outcome.", ("kind", "outcome"), registry=REGISTRY
)
UPDATE_SECONDS = Histogram(
    "reconsider_update_handling_seconds",
    "Time to handle one update, by kind.",
    ("kind",),
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
API_CALLS = Counter(
    "reconsider_bot_api_calls", "Bot API requests, by method.", ("method",), registry=REGISTRY
)
API_ERRORS = Counter(
    "reconsider_bot_api_errors",
    "Bot API requests that failed, by method and reason (an HTTP status, network or timeout).",
    ("method", "reason"),
    registry=REGISTRY,
)
API_SECONDS = Histogram(
    "reconsider_bot_api_request_seconds",
    "Bot API request time, by method.",
    ("method",),
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
API_LAST_CONTACT = Gauge(
    "reconsider_bot_api_last_contact_timestamp_seconds",
    "When the Bot API last answered (Unix time).",
    registry=REGISTRY,
)
GUIDES_STARTED = Counter("reconsider_guides_started", "Guides started.", registry=REGISTRY)
GUIDES_COMPLETED = Counter(
    "reconsider_guides_completed", "Guides that reached a recommendation.", registry=REGISTRY
)
QUESTIONS_ANSWERED = Counter(
    "reconsider_questions_answered",
    "Answers given, by question: the funnel; "
    "the drop-off after a question is its count minus the next one's.",
    ("question",),
    registry=REGISTRY,
)
APPROACHES = Counter(
    "reconsider_approaches_recommended", "Recommendations, by approach.", ("approach",), registry=REGISTRY
)
REMINDERS = Counter(
    "reconsider_reminders",
    "Follow-up reminders, by event (due: claimed to send, sent, failed, retried).",
    ("event",),
    registry=REGISTRY,
)
REPLY_OUTCOMES = Counter(
    "reconsider_reply_outcomes", "Answers to 'Did they reply?', by outcome.", ("outcome",), registry=REGISTRY
)
TIDYING_DROPPED = Counter(
    "reconsider_tidying_dropped",
    "Edits that would only tidy a message left behind (its buttons), not sent: the bot-wide rate was full.",
    registry=REGISTRY,
)
DATABASE_ERRORS = Counter("reconsider_database_errors", "Database operations that failed.", registry=REGISTRY)

_last_contact = 0.0  # time.monotonic() of the last Bot API answer


def api_method(url: str) -> str:
    """The Bot API method a request URL ends with (never the token before it), or `other`."""
    method = url.rstrip("/").rpartition("/")[2]
    return method if METHOD_NAME.match(method) else "other"


def api_answered(method: str, status: int, seconds: float) -> None:
    """A Bot API request got an HTTP answer (any status: the API was reached)."""
    global _last_contact
    _last_contact = time.monotonic()
    API_LAST_CONTACT.set_to_current_time()
    API_CALLS.labels(method).inc()
    API_SECONDS.labels(method).observe(seconds)
    if status != 200:
        API_ERRORS.labels(method, str(status)).inc()


def api_failed(method: str, reason: str) -> None:
    """A Bot API request got no answer (`network` or `timeout`)."""
    API_CALLS.labels(method).inc()
    API_ERRORS.labels(method, reason).inc()


def tidying_dropped() -> None:
    TIDYING_DROPPED.inc()


def api_reached_within(seconds: float = API_RECENT_SECONDS) -> bool:
    return _last_contact > 0 and time.monotonic() - _last_contact <= seconds


@dataclass
class Handling:
    """The update being handled in this task: what handled it and how it went."""

    handler: str
    outcome: str = "ok"


_current: contextvars.ContextVar[Handling] = contextvars.ContextVar("handling")


def handling(kind: str) -> tuple[Handling, contextvars.Token[Handling]]:
    """Begin handling an update of `kind`: the outcome starts as "ok" (`update_failed` turns it to
    "error"), the handler as the kind (`routed` names it better once the router knows)."""
    current = Handling(handler=kind)
    return current, _current.set(current)


def handled(token: contextvars.Token[Handling], kind: str, seconds: float) -> Handling:
    """Count the update with its outcome and time; returns how it was handled."""
    current = _current.get()
    _current.reset(token)
    UPDATES.labels(kind, current.outcome).inc()
    UPDATE_SECONDS.labels(kind).observe(seconds)
    return current


def routed(handler: str) -> None:
    """The router's name for what handles the current update (a registered command or button
    action, never anything typed): the `handler` field of its log line."""
    current = _current.get(None)
    if current is not None:
        current.handler = handler


def update_failed(error: BaseException | None) -> None:
    """The update being handled failed (whoever caught the error); a database error is counted too."""
    current = _current.get(None)
    if current is not None:
        current.outcome = "error"
    if is_database_error(error):
        DATABASE_ERRORS.inc()


def exposition() -> tuple[bytes, str]:
    """The /metrics body and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def guide_moved(guide: Guide, before: Session | None, after: Session | None, event: Event | None) -> None:
    """Count one engine turn into the funnel: a guide started (a new run), a question answered
    (not when changing an answer from the result), a guide completed and its approach."""
    if after is None:
        return
    if before is None or after.run != before.run:
        GUIDES_STARTED.inc()
        return
    if (
        isinstance(event, Answer)
        and guide.flow.has_question(before.state)
        and not before.revising
        and after.state != before.state
    ):
        QUESTIONS_ANSWERED.labels(before.state).inc()
    finished = after.state == RESULT and before.state != RESULT
    if finished and not before.revising and CHANGE not in after.history:
        GUIDES_COMPLETED.inc()
        APPROACHES.labels(guide.plan_for(after.answers, {}, after.language).primary).inc()


def reminder_event(event: str, count: int = 1) -> None:
    """`due` (found due), `sent` or `failed`."""
    if count:
        REMINDERS.labels(event).inc(count)


def reply_outcome(outcome: str) -> None:
    REPLY_OUTCOMES.labels(outcome).inc()


DATABASE_ERROR_MODULES = ("sqlite3", "asyncpg", "psycopg", "psycopg_pool")


def is_database_error(error: BaseException | None) -> bool:
    """A StoreError, or an error raised by a database driver (whichever backend is in use)."""
    if error is None:
        return False
    return isinstance(error, StoreError) or type(error).__module__.split(".")[0] in DATABASE_ERROR_MODULES
