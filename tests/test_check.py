"""`reconsider-bot check` on deliberately broken flows: each names the file, line and fix."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.content.errors import ContentError
from bot.content.flow_loader import load_guide
from tests.conftest import FLOWS, REPO

CASES_FILE = Path(__file__).parent / "data" / "broken_flows.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))


def patch(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"the case no longer applies: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def break_flows(tmp_path: Path, case: dict[str, Any]) -> tuple[Path, Path]:
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS, flows)
    target = flows / case["file"]
    if "copy_to" in case:
        shutil.copy(target, flows / case["copy_to"])
        target = flows / case["copy_to"]
    if "also" in case:
        patch(flows / case["also"]["file"], *case["also"]["replace"])
    patch(target, *case["replace"])
    if "remove_line_with" in case:
        lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
        first = next(i for i, line in enumerate(lines) if case["remove_line_with"] in line)
        del lines[first]
        target.write_text("".join(lines), encoding="utf-8")
    return flows, target


def line_of(path: Path, fragment: str) -> int:
    text = path.read_text(encoding="utf-8")
    index = text.index(fragment) + len(fragment) - len(fragment.lstrip("\n"))
    return text.count("\n", 0, index) + 1


def test_the_shipped_flows_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(FLOWS)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("OK:")


@pytest.mark.parametrize("case", CASES, ids=[case["kind"] for case in CASES])
def test_each_kind_of_mistake_is_named_with_file_and_line(
    tmp_path: Path, case: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    flows, target = break_flows(tmp_path, case)
    assert main(["check", str(flows)]) == 1
    printed = capsys.readouterr().out.splitlines()
    where = f"{target.relative_to(tmp_path)}:{line_of(target, case['line_of'])}: "
    matching = [line for line in printed if line.startswith(where) and case["message"] in line]
    assert matching, f"expected {where}...{case['message']}... in:\n" + "\n".join(printed)
    with pytest.raises(ContentError):
        load_guide(flows)  # the bot refuses to start on the same mistake


def test_check_exits_1_from_the_command_line(tmp_path: Path) -> None:
    flows, _ = break_flows(tmp_path, CASES[1])
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check", str(flows)], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "unknown key 'colour'" in done.stdout
    assert "Traceback" not in done.stderr


def test_a_missing_folder_is_a_clear_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "nowhere")]) == 1
    assert "no guide.yaml here" in capsys.readouterr().out
