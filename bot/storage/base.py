"""What a session store must do, whatever the database: the records, and the `Store` protocol
made of role protocols (turns, results and shares, reminders, privacy, operators), so code
that needs one role can ask for just that one.

Ids are integers (Telegram's chat and user ids need 64 bits), sessions are plain JSON-able
dicts, times are Unix seconds: SQLite and PostgreSQL keep the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class StoreError(Exception):
    """The store cannot be opened or used; the message says what to fix."""


class SessionConflict(Exception):
    """Another process wrote the chat's session since it was loaded (its version moved on):
    nothing was written; load the chat again and redo the turn."""


class StoreLost(StoreError):
    """The database the store had open is gone (its file deleted or replaced): nothing
    written from now on would survive a restart, so the bot must stop."""


@dataclass(frozen=True)
class ChatRecord:
    """One private chat: the guide session (None when no guide is in progress) and where it is shown."""

    chat_id: int
    user_id: int | None
    session: dict[str, Any] | None
    message_id: int | None
    """The message that shows the session's current step (and holds its buttons)."""
    message_step: int | None
    """The session step that message shows; behind `session["step"]` when a send was lost.
    Negative (`-step`): that step's first request left (after pacing) but its outcome is not
    known (the process stopped, or Telegram did not answer), so it may be on screen:
    reconciled on the person's next update, never sent again unasked."""
    runs: int
    """The highest guide run this chat has had, kept when a guide is cancelled, so a new
    guide's buttons never look like an old one's."""
    blocked: bool
    updated_at: int
    version: int = 0
    """Bumped by every session write; `commit_turn(expected_version=...)` compares and swaps it."""
    language: str | None = None
    """The language the person chose with /language (None: follow Telegram's)."""
    time_zone: str | None = None
    """The person's IANA time zone, asked when they first set a reminder (None: not told)."""
    message_unsent: int = 0
    """With `message_step` negative: how many of the step's messages had not left yet (a step
    of several messages cut off midway; those are sent at start-up)."""
    message_in_place: bool = False
    """With `message_step` negative: the step's first message is an edit of `message_id` in
    place, which is safe to repeat: redone at start-up (and on a redelivered update)."""


@dataclass(frozen=True)
class SavedResult:
    """A person's latest result: enough to rebuild their plan (after a restart, or while a
    new guide is in progress) for sharing and export. Keyed by user: inline queries have no chat."""

    user_id: int
    flow: str
    flow_version: int
    language: str
    answers: dict[str, str]
    details: dict[str, str]
    saved_at: int


@dataclass(frozen=True)
class SavedReply:
    """What the employer answered, and the plan for it (a flow that follows another, such as
    after_reply), stored with the result it answers: that result's flow and answers are copied,
    so the record stands on its own once a newer result replaces it."""

    user_id: int
    result_flow: str
    result_answers: dict[str, str]
    result_saved_at: int
    flow: str
    flow_version: int
    language: str
    run: int
    """The guide run of the reply: changing the answer in that run replaces the record."""
    answers: dict[str, str]
    details: dict[str, str]
    saved_at: int


@dataclass(frozen=True)
class SharedPath:
    """A share link's content: the answers only, never the personal details."""

    code: str
    user_id: int
    flow: str
    flow_version: int
    language: str
    answers: dict[str, str]
    created_at: int


REMINDER_STATES = ("pending", "sending", "sent", "cancelled", "blocked", "failed")
"""pending: waiting for due_at; sending: claimed by one process; then sent, cancelled, blocked
(the person blocked the bot: never retried) or failed (gave up after repeated errors)."""


@dataclass(frozen=True)
class Reminder:
    """A follow-up reminder: what to send (`payload`, self-contained) and when, then its outcome."""

    id: int
    chat_id: int
    user_id: int | None
    run: int
    """The guide run it was made from: one pending reminder per run."""
    delay: str
    language: str
    payload: dict[str, Any]
    due_at: int
    state: str
    attempts: int
    claimed_by: str | None
    sent_at: int | None
    outcome: str | None
    outcome_at: int | None
    created_at: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "delay": self.delay,
            "language": self.language,
            "payload": self.payload,
            "due_at": self.due_at,
            "state": self.state,
            "sent_at": self.sent_at,
            "outcome": self.outcome,
            "outcome_at": self.outcome_at,
            "created_at": self.created_at,
        }


RETIRED_FIGURES = ("reminders_sent", "outcomes_yes", "outcomes_no", "outcomes_waiting")
"""Counts kept (without ids) when the reminders they count are erased by /forget or retention."""


class TurnStore(Protocol):
    """The durable turn: a chat's session, written once per update."""

    async def load_chat(self, chat_id: int) -> ChatRecord | None:
        """The chat's record, or None for a chat never seen (or forgotten)."""
        ...

    async def commit_turn(
        self,
        update_id: int,
        chat_id: int,
        user_id: int | None,
        session: dict[str, Any] | None,
        result: SavedResult | None = None,
        *,
        expected_version: int | None = None,
        reply: SavedReply | None = None,
    ) -> bool:
        """Record the update as processed and write the session (and, when given, the person's
        latest `result`, or a `reply` as `save_reply` keeps it), in one transaction.

        Returns False, writing nothing, when the update was processed before (redelivered).
        With `expected_version` (the loaded record's `version`, 0 for a chat never seen) the
        write happens only if no other turn wrote the chat since; otherwise SessionConflict is
        raised and nothing is written. `session=None` ends the guide (the chat keeps its run
        counter). Also marks the chat active again: the person is clearly talking to us.
        """
        ...

    async def record_update(self, update_id: int, chat_id: int | None = None) -> bool:
        """Record an update that changes no session; False if it was processed before.

        With `chat_id`, the chat (if known) is marked active again, as in commit_turn."""
        ...

    async def save_preferences(
        self,
        chat_id: int,
        user_id: int | None,
        *,
        language: str | None = None,
        time_zone: str | None = None,
    ) -> None:
        """Keep the person's chosen language and/or time zone with their chat (None: unchanged)."""
        ...

    async def record_delivery(
        self, chat_id: int, message_id: int | None, step: int, unsent: int = 0, *, in_place: bool = False
    ) -> None:
        """The message now showing the chat's current step (the one to edit when it is answered);
        `-step` as a send whose outcome may stay unknown leaves, with how many of the step's
        messages are still to go after it (`unsent`), and whether it is an edit of `message_id`
        in place (`in_place`). Needs no fsync."""
        ...

    async def undelivered_chats(self, limit: int = 1000) -> list[ChatRecord]:
        """Active chats whose current step was never sent, or was cut off with messages still
        to send or an edit in place to redo (not those merely uncertain)."""
        ...

    async def mark_blocked(self, chat_id: int) -> None:
        """The person blocked the bot: keep the session, but treat the chat as inactive."""
        ...


class ResultStore(Protocol):
    """Each person's latest result and their share links."""

    async def save_result(self, result: SavedResult) -> None:
        """Keep `result` as the person's latest (replacing the one before)."""
        ...

    async def load_result(self, user_id: int) -> SavedResult | None:
        """The person's latest result, or None."""
        ...

    async def add_share(self, shared: SharedPath) -> SharedPath:
        """Store a share link. If the person already shared the same answers (same flow and
        version), nothing is added and that earlier link is returned: one link per path."""
        ...

    async def load_share(self, code: str) -> SharedPath | None:
        """The shared path behind a link's code, or None (unknown, or revoked by /forget)."""
        ...

    async def save_reply(self, reply: SavedReply) -> None:
        """Keep what the employer answered to a result (replacing the record of the same result
        and run, so a changed answer or a retried save leaves one record)."""
        ...


class ReminderStore(Protocol):
    """Follow-up reminders (see bot/telegram/reminders.py); each claim has one winner across
    processes."""

    async def add_reminder(
        self,
        update_id: int,
        chat_id: int,
        user_id: int | None,
        run: int,
        delay: str,
        language: str,
        payload: dict[str, Any],
        due_at: int,
    ) -> tuple[Reminder, bool] | None:
        """Record the update and add a pending reminder, in one transaction.

        None when the update was processed before. If the chat already has a pending reminder
        for this guide run, that one is returned with False and nothing is added."""
        ...

    async def pending_reminders(self, chat_id: int) -> list[Reminder]:
        """The chat's pending reminders, soonest first."""
        ...

    async def get_reminder(self, reminder_id: int) -> Reminder | None: ...

    async def had_reminder_before(self, chat_id: int, reminder_id: int) -> bool:
        """Whether the chat has a reminder older than `reminder_id`, in any state: the time
        zone is asked with a chat's first reminder only."""
        ...

    async def due_reminders(self, now: int, lease: int, limit: int = 100) -> list[Reminder]:
        """Pending reminders due by `now`, and claims older than `lease` seconds whose request
        never left (a process died before sending it), soonest first."""
        ...

    async def claim_reminder(self, reminder_id: int, worker: str, now: int, lease: int) -> bool:
        """Take a due reminder for sending; True for exactly one claimant."""
        ...

    async def finish_reminder(self, reminder_id: int, worker: str, state: str, now: int) -> bool:
        """Mark a reminder this worker claimed as sent, blocked or failed."""
        ...

    async def reminder_leaving(self, reminder_id: int, worker: str, now: int) -> None:
        """The claimed reminder's request is leaving now (its `sent_at`, while still sending):
        from here on Telegram may show it, so it is never sent again. Needs no fsync."""
        ...

    async def settle_reminders(self, now: int, lease: int) -> int:
        """Claims older than `lease` seconds whose request left (a process died before it heard
        back) count as sent: at most once when the outcome is unknown. Returns how many."""
        ...

    async def release_reminder(self, reminder_id: int, worker: str, max_attempts: int) -> str:
        """A send failed for a passing reason: back to pending (or failed after max_attempts);
        returns the new state."""
        ...

    async def cancel_reminder(self, update_id: int, chat_id: int, reminder_id: int) -> bool | None:
        """Record the update and cancel the chat's pending reminder; None when the update was
        processed before, False when the reminder is not pending (sent, cancelled, gone)."""
        ...

    async def move_reminder(self, chat_id: int, reminder_id: int, due_at: int) -> bool:
        """A pending reminder of this chat to a new due time (its person told us their time
        zone); False when it is no longer pending."""
        ...

    async def record_outcome(
        self, update_id: int, chat_id: int, reminder_id: int, outcome: str
    ) -> str | None:
        """Record the update and the answer to "Did they reply?": "recorded", "already" (an
        outcome was stored before; it is kept) or "missing"; None when processed before."""
        ...


class PrivacyStore(Protocol):
    """What a person may see and erase, and what is erased when they stop coming."""

    async def forget_user(self, user_id: int) -> int:
        """Erase every row that carries the user's id (chats, latest result, replies, share
        links, which stop working, reminders); returns how many chats were erased. Figures that count
        reminders are kept, without ids."""
        ...

    async def export_user(self, user_id: int) -> dict[str, Any]:
        """Everything stored about the user, as JSON-able data (for /mydata)."""
        ...

    async def erase_inactive(self, before: int) -> dict[str, int]:
        """Retention: for people not seen since `before` (Unix seconds), erase what they typed
        (the session with its answers and details), their latest result, share links and
        finished reminders (drafts). A pending reminder is kept (they asked for it). Returns
        how many rows of each kind were erased."""
        ...


class OperatorStore(Protocol):
    """What operators and the process itself need: figures, health, jobs run once."""

    async def stats(self) -> dict[str, int]:
        """Counts for operators (/stats): no ids, no content."""
        ...

    async def ping(self) -> bool:
        """True when the database answers (for health checks)."""
        ...

    async def readiness(self) -> str | None:
        """None when the database is the one opened and a write succeeds; else what is wrong."""
        ...

    def lost(self) -> str | None:
        """Cheap and synchronous: why the opened database is gone (deleted, replaced), or None."""
        ...

    async def claim_job(self, name: str, now: int, every: int) -> bool:
        """True for exactly one caller (across processes) once per `every` seconds: the one
        that should run the periodic job `name` now."""
        ...


class Store(TurnStore, ResultStore, ReminderStore, PrivacyStore, OperatorStore, Protocol):
    """Async, so a transport never blocks its event loop on the database."""

    async def close(self) -> None: ...
