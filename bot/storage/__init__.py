"""Durable sessions: the Store protocol and its backends."""
