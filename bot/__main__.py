"""`python -m bot ...` is the same as `reconsider-bot ...`."""

import sys

from bot.cli import main

sys.exit(main())
