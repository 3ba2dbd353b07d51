"""reconsider-bot: a decision guide for answering a job rejection, in Telegram and the terminal."""

__version__ = "0.1.0"
