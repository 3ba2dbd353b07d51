"""How loud the libraries under the bot may log: set once by whoever configures logging (the
CLI, the Telegram process, a benchmark, the tests), never as a side effect of an import."""

from __future__ import annotations

import logging

LIBRARY_LEVELS = {
    # With model_override=True, transitions logs a warning for every convenience method it
    # deliberately skips (is_<state> for each state) on every add_model: noise and a cost on
    # each turn. Real errors are still logged.
    "transitions.core": logging.ERROR,
}


def quiet_libraries() -> None:
    for name, level in LIBRARY_LEVELS.items():
        logging.getLogger(name).setLevel(level)
