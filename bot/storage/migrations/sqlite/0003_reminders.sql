-- Follow-up reminders. AUTOINCREMENT: an id is never reused, so an old button of a forgotten
-- reminder can never reach a newer one.
CREATE TABLE reminders (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id    INTEGER NOT NULL,
    user_id    INTEGER,
    run        INTEGER NOT NULL,
    delay      TEXT NOT NULL,
    language   TEXT NOT NULL,
    payload    TEXT NOT NULL,
    due_at     INTEGER NOT NULL,
    state      TEXT NOT NULL DEFAULT 'pending',
    attempts   INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_at INTEGER,
    sent_at    INTEGER,
    outcome    TEXT,
    outcome_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX reminders_by_state_due ON reminders (state, due_at);
CREATE INDEX reminders_by_chat ON reminders (chat_id);
CREATE INDEX reminders_by_user ON reminders (user_id);
