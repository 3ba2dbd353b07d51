"""`pip install .` (not only editable) gives a working bot from any directory: flows ship inside."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_the_wheel_carries_the_flows_and_works_from_anywhere(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(REPO)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    assert (site / "bot" / "flows" / "guide.yaml").is_file()
    assert (site / "bot" / "flows" / "texts" / "en.yaml").is_file()
    packages = {path.parent.relative_to(REPO) for path in (REPO / "bot").rglob("__init__.py")}
    missing = [str(package) for package in sorted(packages) if not (site / package / "__init__.py").is_file()]
    assert missing == [], f"subpackages left out of the wheel: {missing}"
    for name in ("sqlite/0001_chats.sql", "postgresql/0001_schema.sql"):  # the schema migrations ship
        assert (site / "bot" / "storage" / "migrations" / name).is_file()
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("FLOWS_DIR", None)
    where = subprocess.run(
        [sys.executable, "-c", "import bot; print(bot.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(site)), "the installed copy, not the checkout, must be used"
    check = subprocess.run(
        [sys.executable, "-m", "bot", "check"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert str(site / "bot" / "flows") in check.stdout or check.stdout.startswith("OK:")
    typed = "1\nq\n"
    chat = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        cwd=tmp_path,
        env=env,
        input=typed,
        capture_output=True,
        text=True,
    )
    assert chat.returncode == 0 and "[1/7]" in chat.stdout


def test_flows_dir_may_point_elsewhere(tmp_path: Path) -> None:
    env = {**os.environ, "FLOWS_DIR": str(tmp_path / "empty")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat"], cwd=REPO, env=env, input="", capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "guide.yaml" in done.stderr and "Traceback" not in done.stderr
