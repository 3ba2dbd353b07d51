"""The engine stays pure: it must import nothing that does I/O or knows a transport."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import REPO

FORBIDDEN = (
    "telegram",
    "yaml",
    "sqlite3",
    "aiohttp",
    "httpx",
    "bot.content",
    "bot.telegram",
    "bot.storage",
    "bot.terminal",
    "bot.cli",
    "bot.settings",
)


def test_importing_the_engine_loads_nothing_forbidden() -> None:
    probe = (
        "import sys, bot.engine, bot.engine.tone\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} or m in {FORBIDDEN!r}"
        " or any(m.startswith(f + '.') for f in " + repr(FORBIDDEN) + "))\n"
        "print('\\n'.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "", f"the engine pulled in: {done.stdout}"


def test_the_import_linter_contract_holds() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint_imports), "--no-cache"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = declared["tool"]["importlinter"]["contracts"]
    assert f"{len(contracts)} kept, 0 broken" in done.stdout
    assert all(f"{contract['name']} KEPT" in done.stdout for contract in contracts)


def test_importing_the_engine_changes_no_logging() -> None:
    """Log levels are set with the rest of logging (bot.libraries), never on import."""
    probe = (
        "import logging\nbefore = logging.getLogger('transitions.core').level\n"
        "import bot.engine, bot.engine.guide\n"
        "print(before, logging.getLogger('transitions.core').level)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "0"]


def test_the_cli_quiets_the_state_machine_library() -> None:
    probe = (
        "import logging\nfrom bot.cli import main\nmain(['graph'])\n"
        "print(logging.getLogger('transitions.core').level)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.split()[-1] == "40" and "Skip binding" not in done.stderr
