"""Telegram messages as values: engine views, plans and reminders in, texts and keyboards out."""
