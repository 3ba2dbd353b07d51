-- Each person's latest result (for /share, inline mode, /export) and their share links.
CREATE TABLE results (
    user_id      INTEGER PRIMARY KEY,
    flow         TEXT NOT NULL,
    flow_version INTEGER NOT NULL,
    language     TEXT NOT NULL,
    answers      TEXT NOT NULL,
    details      TEXT NOT NULL,
    saved_at     INTEGER NOT NULL
);
CREATE TABLE shares (
    code         TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    flow         TEXT NOT NULL,
    flow_version INTEGER NOT NULL,
    language     TEXT NOT NULL,
    answers      TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX shares_by_user ON shares (user_id);
