-- Chats with their guide session, and the ids of processed updates (redeliveries are ignored).
-- Types are chosen so the schema reads naturally in PostgreSQL too: integer ids, JSON text,
-- Unix seconds.
CREATE TABLE chats (
    chat_id      INTEGER PRIMARY KEY,
    user_id      INTEGER,
    session      TEXT,
    message_id   INTEGER,
    message_step INTEGER,
    runs         INTEGER NOT NULL DEFAULT 0,
    blocked      INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX chats_by_user ON chats (user_id);
CREATE TABLE processed_updates (
    update_id INTEGER PRIMARY KEY,
    seen_at   INTEGER NOT NULL
);
CREATE INDEX processed_updates_by_age ON processed_updates (seen_at);
