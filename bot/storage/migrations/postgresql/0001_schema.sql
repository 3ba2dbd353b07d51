-- The whole schema as SQLite has it at version 4 (see ../sqlite/), in PostgreSQL's types:
-- BIGINT ids (Telegram's need 64 bits), Unix seconds, JSON as text written exactly as SQLite
-- has it (sorted keys: equal answers compare equal; JSONB would refuse a typed "\u0000").
CREATE TABLE chats (
    chat_id      BIGINT PRIMARY KEY,
    user_id      BIGINT,
    session      TEXT,
    message_id   BIGINT,
    message_step INTEGER,
    runs         INTEGER NOT NULL DEFAULT 0,
    blocked      BOOLEAN NOT NULL DEFAULT FALSE,
    version      BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    seen_at      BIGINT NOT NULL
) WITH (fillfactor = 90);
-- No index on the columns every turn changes (seen_at, version, session): an update can then
-- stay on its page without touching any index (a HOT update), which the free tenth of each
-- page leaves room for. The hourly retention job reads seen_at with a plain scan.
CREATE INDEX chats_by_user ON chats (user_id);

CREATE TABLE processed_updates (
    update_id BIGINT PRIMARY KEY,
    seen_at   BIGINT NOT NULL
);
CREATE INDEX processed_updates_by_age ON processed_updates (seen_at);

CREATE TABLE results (
    user_id      BIGINT PRIMARY KEY,
    flow         TEXT NOT NULL,
    flow_version INTEGER NOT NULL,
    language     TEXT NOT NULL,
    answers      TEXT NOT NULL,
    details      TEXT NOT NULL,
    saved_at     BIGINT NOT NULL
);
CREATE INDEX results_by_age ON results (saved_at);

CREATE TABLE shares (
    code         TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL,
    flow         TEXT NOT NULL,
    flow_version INTEGER NOT NULL,
    language     TEXT NOT NULL,
    answers      TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX shares_by_user ON shares (user_id);
CREATE INDEX shares_by_age ON shares (created_at);

-- An identity is never reused, so an old button of a forgotten reminder never reaches a newer one.
CREATE TABLE reminders (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chat_id    BIGINT NOT NULL,
    user_id    BIGINT,
    run        INTEGER NOT NULL,
    delay      TEXT NOT NULL,
    language   TEXT NOT NULL,
    payload    TEXT NOT NULL,
    due_at     BIGINT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'pending',
    attempts   INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_at BIGINT,
    sent_at    BIGINT,
    outcome    TEXT,
    outcome_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX reminders_by_state_due ON reminders (state, due_at);
CREATE INDEX reminders_by_chat ON reminders (chat_id);
CREATE INDEX reminders_by_user ON reminders (user_id);

CREATE TABLE figures (
    name  TEXT PRIMARY KEY,
    count BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE jobs (
    name   TEXT PRIMARY KEY,
    ran_at BIGINT NOT NULL
);
