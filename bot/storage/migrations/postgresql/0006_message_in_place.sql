-- While a step's send is under way (message_step negative): whether its first message is an
-- edit of message_id in place. An edit is safe to repeat, so a process stopped before it heard
-- back redoes it at start-up (a new message it might have sent is not sent again).
ALTER TABLE chats ADD COLUMN message_in_place BOOLEAN NOT NULL DEFAULT FALSE;
