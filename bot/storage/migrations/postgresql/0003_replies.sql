-- What the employer answered (the after_reply flow), with a copy of the result it answers:
-- one row per result and guide run. `outcome` is the reply itself (the flow's first answer),
-- kept apart so the figures count it without reading JSON. JSON as text, as everywhere.
CREATE TABLE replies (
    user_id         BIGINT NOT NULL,
    result_saved_at BIGINT NOT NULL,
    run             BIGINT NOT NULL,
    result_flow     TEXT NOT NULL,
    result_answers  TEXT NOT NULL,
    flow            TEXT NOT NULL,
    flow_version    BIGINT NOT NULL,
    language        TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    answers         TEXT NOT NULL,
    details         TEXT NOT NULL,
    saved_at        BIGINT NOT NULL,
    PRIMARY KEY (user_id, result_saved_at, run)
);
CREATE INDEX replies_by_age ON replies (saved_at);
