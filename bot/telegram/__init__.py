"""The Telegram transport: renders engine views and does the Bot API I/O."""
