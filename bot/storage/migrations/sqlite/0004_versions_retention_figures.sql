-- A version per chat (each session write compares and swaps it, so two processes never
-- overwrite each other's turn), when the person was last seen (for RETENTION_DAYS), figures
-- kept after the rows they count are erased (no ids), and one row per periodic job so a
-- single process across replicas runs it. seen_at has no index: every turn writes it, and the
-- hourly retention job can afford a plain scan.
ALTER TABLE chats ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN seen_at INTEGER NOT NULL DEFAULT 0;
UPDATE chats SET seen_at = updated_at;
CREATE INDEX results_by_age ON results (saved_at);
CREATE INDEX shares_by_age ON shares (created_at);
CREATE TABLE figures (
    name  TEXT PRIMARY KEY,
    count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE jobs (
    name   TEXT PRIMARY KEY,
    ran_at INTEGER NOT NULL
);
