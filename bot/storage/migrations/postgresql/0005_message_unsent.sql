-- While a step's send is under way (message_step negative): how many of its messages had not
-- left yet. A process stopped in the middle of a step of several messages sends those at
-- start-up (the ones that left are on screen, or may be: they are not sent again).
ALTER TABLE chats ADD COLUMN message_unsent INTEGER NOT NULL DEFAULT 0;
