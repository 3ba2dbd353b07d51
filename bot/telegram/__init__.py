"""The Telegram wing: handlers route updates from one registry to features, which run durable
turns (turns.py) and talk to Telegram only through the messenger; views turn values into messages."""
