-- What the employer answered (the after_reply flow), with a copy of the result it answers:
-- one row per result and guide run. `outcome` is the reply itself (the flow's first answer),
-- kept apart so the figures count it without reading JSON.
CREATE TABLE replies (
    user_id         INTEGER NOT NULL,
    result_saved_at INTEGER NOT NULL,
    run             INTEGER NOT NULL,
    result_flow     TEXT NOT NULL,
    result_answers  TEXT NOT NULL,
    flow            TEXT NOT NULL,
    flow_version    INTEGER NOT NULL,
    language        TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    answers         TEXT NOT NULL,
    details         TEXT NOT NULL,
    saved_at        INTEGER NOT NULL,
    PRIMARY KEY (user_id, result_saved_at, run)
);
CREATE INDEX replies_by_age ON replies (saved_at);
