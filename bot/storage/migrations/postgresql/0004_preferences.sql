-- The person's chosen language (/language) and time zone (asked with their first reminder),
-- kept with their chat, so /forget erases them with it. NULL: not chosen / not told.
ALTER TABLE chats ADD COLUMN language TEXT;
ALTER TABLE chats ADD COLUMN time_zone TEXT;
