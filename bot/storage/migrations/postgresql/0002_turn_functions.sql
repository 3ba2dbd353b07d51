-- The two writes every update makes, as functions: one round trip each instead of four
-- (BEGIN, the update's claim, the write, COMMIT), in the statement's own transaction. A
-- session written by another turn since it was read raises SQLSTATE RB409, which rolls the
-- claim back with it (the caller redoes the turn).
CREATE FUNCTION commit_turn(
    p_update_id BIGINT, p_chat_id BIGINT, p_user_id BIGINT, p_session TEXT, p_runs INTEGER,
    p_now BIGINT, p_expected BIGINT
) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO processed_updates (update_id, seen_at) VALUES (p_update_id, p_now)
        ON CONFLICT (update_id) DO NOTHING;
    IF NOT FOUND THEN
        RETURN FALSE;  -- processed before (redelivered)
    END IF;
    IF p_expected > 0 THEN  -- the chat must still be there (not forgotten meanwhile), unchanged
        UPDATE chats SET user_id = COALESCE(p_user_id, user_id), session = p_session,
            runs = GREATEST(runs, p_runs), blocked = FALSE, version = version + 1,
            updated_at = p_now, seen_at = p_now
        WHERE chat_id = p_chat_id AND version = p_expected;
    ELSE
        INSERT INTO chats (chat_id, user_id, session, runs, blocked, version, created_at, updated_at, seen_at)
            VALUES (p_chat_id, p_user_id, p_session, p_runs, FALSE, 1, p_now, p_now, p_now)
        ON CONFLICT (chat_id) DO UPDATE SET user_id = COALESCE(EXCLUDED.user_id, chats.user_id),
            session = EXCLUDED.session, runs = GREATEST(chats.runs, EXCLUDED.runs), blocked = FALSE,
            version = chats.version + 1, updated_at = EXCLUDED.updated_at, seen_at = EXCLUDED.seen_at
        WHERE p_expected IS NULL OR chats.version = 0;
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'chat % was written by another turn', p_chat_id USING ERRCODE = 'RB409';
    END IF;
    RETURN TRUE;
END
$$;

CREATE FUNCTION record_update(p_update_id BIGINT, p_chat_id BIGINT, p_now BIGINT)
RETURNS BOOLEAN LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO processed_updates (update_id, seen_at) VALUES (p_update_id, p_now)
        ON CONFLICT (update_id) DO NOTHING;
    IF NOT FOUND THEN
        RETURN FALSE;
    END IF;
    IF p_chat_id IS NOT NULL THEN
        UPDATE chats SET blocked = FALSE, seen_at = p_now WHERE chat_id = p_chat_id;
    END IF;
    RETURN TRUE;
END
$$;
