"""What the bot does, one room per feature; each uses turns.py and messenger.py by their public names."""
