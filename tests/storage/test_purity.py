"""Storage knows nothing of Telegram: another transport (or a PostgreSQL backend) can reuse it."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_storage_imports_no_transport() -> None:
    probe = (
        "import sys, bot.storage\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('telegram', 'aiohttp', 'httpx')"
        " or m.startswith('bot.telegram') or m.startswith('bot.engine')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
