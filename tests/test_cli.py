"""The command line: plan, chat through a pipe (with back and restart), graph, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.engine import Guide
from bot.graph import flow_markdown
from tests.conftest import REPO

SEVEN = [
    "stage=final",
    "role_status=unknown",
    "time_since=recent",
    "feedback=vague",
    "new_material=none",
    "contact=strong",
    "goal=this_role",
]


def plan_args(answers: list[str], *extra: str) -> list[str]:
    return ["plan", *(f"--answer={a}" for a in answers), *extra]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=REPO, capture_output=True, text=True, input=stdin
    )


def test_plan_json_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(plan_args(SEVEN, "--format=json", "--detail=company=Acme", "--lang=en")) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {
        "flow",
        "flow_version",
        "language",
        "answers",
        "primary",
        "actions",
        "reasons",
        "tips",
        "expectations",
        "next_steps",
    }
    assert data["primary"] == "reconsider_letter" and data["language"] == "en"
    for action in data["actions"]:
        assert set(action) == {"approach", "title", "why", "when", "draft"}
        assert action["draft"] is None or set(action["draft"]) == {
            "channel",
            "subject",
            "body",
            "placement",
            "label",
        }
    assert "Acme" in data["actions"][0]["draft"]["body"]


def test_plan_text_reads_as_a_plan(capsys: pytest.CaptureFixture[str], guide: Guide) -> None:
    assert main(plan_args(SEVEN)) == 0
    out = capsys.readouterr().out
    assert guide.catalog("en").text("approaches.reconsider_letter.title") in out
    assert "{" not in out


@pytest.mark.parametrize(
    ("answers", "complaint"),
    [
        (SEVEN[:-1], "missing --answer goal=... (one of: this_role, future, learn, close)"),
        ([*SEVEN[:-1], "goal=everything"], "goal='everything' is not allowed; use one of: this_role"),
        ([*SEVEN, "mood=sad"], "unknown question 'mood'"),
    ],
)
def test_plan_refuses_missing_or_unknown_answers_with_exit_2(answers: list[str], complaint: str) -> None:
    done = run(*plan_args(answers))
    assert done.returncode == 2
    assert complaint in done.stderr
    assert "Traceback" not in done.stderr


def test_plan_refuses_unknown_details() -> None:
    done = run(*plan_args(SEVEN, "--detail=shoe_size=42"))
    assert done.returncode == 2 and "unknown detail 'shoe_size'" in done.stderr


def test_chat_through_a_pipe_with_back_and_restart(guide: Guide) -> None:
    # final, then back to stage; automated, no contact, close; restart; then a full guide
    # with skipped details.
    typed = ["4", "b", "1", "1", "4", "r", "3", "2", "1", "1", "1", "1", "2", "", "", "", "", "", "q"]
    done = run("chat", stdin="\n".join(typed) + "\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    catalog = guide.catalog("en")
    first = f"[1/{len(guide.flow.questions)}]"
    assert out.count(first) == 3, "the first question: at the start, after Back, after restart"
    assert catalog.text("approaches.no_reply_needed.title") in out
    assert catalog.text("approaches.request_feedback.title") in out
    assert catalog.text("ui.terminal_unknown") not in out
    assert "{" not in out and out.rstrip().endswith(catalog.text("ui.terminal_bye"))


def test_chat_says_so_when_input_makes_no_sense(guide: Guide) -> None:
    done = run("chat", stdin="banana\n9\n")
    assert done.returncode == 0
    assert done.stdout.count(guide.catalog("en").text("ui.terminal_unknown")) == 2


def test_chat_ends_cleanly_at_end_of_input() -> None:
    done = run("chat", stdin="")
    assert done.returncode == 0 and "Traceback" not in done.stderr


def test_docs_flow_md_is_up_to_date(guides: dict[str, Guide]) -> None:
    committed = (REPO / "docs" / "flow.md").read_text(encoding="utf-8")
    regenerate = "reconsider-bot graph --format markdown > docs/flow.md"
    assert committed == flow_markdown(list(guides.values())), regenerate
    assert "## Flow `reconsider`" in committed and "## Flow `after_reply`" in committed


def test_graph_prints_mermaid() -> None:
    done = run("graph", "--format", "mermaid")
    assert done.returncode == 0 and done.stdout.startswith("flowchart TD")
    assert "stage -->|automated| contact" in done.stdout


def test_the_console_script_matches_python_m_bot() -> None:
    script = Path(sys.executable).with_name("reconsider-bot")
    if not script.exists():
        pytest.fail("reconsider-bot is not installed next to this Python; run: pip install -e '.[test]'")
    via_script = subprocess.run(
        [str(script), "plan", *(f"--answer={a}" for a in SEVEN), "--format=json"],
        capture_output=True,
        text=True,
        cwd="/",
    )
    via_module = run(*plan_args(SEVEN, "--format=json"))
    assert via_script.returncode == 0, via_script.stderr
    assert json.loads(via_script.stdout) == json.loads(via_module.stdout)


def chat_to_result(guide: Guide) -> list[str]:
    """Lines that take the chat to a result with drafts (interview, vague, learn)."""
    return ["3", "2", "1", "2", "1", "1", "3", "", "", "Sam", "", "", ""]


def test_each_screen_names_the_keys_that_work_there(guide: Guide) -> None:
    catalog = guide.catalog("en")
    # "1" on the recommendation, then "x" on the result: each gets its own screen's hint.
    typed = chat_to_result(guide)[:7] + ["1", "", "", "", "", "", "", "x", "q"]
    done = run("chat", stdin="\n".join(typed) + "\n")
    shown = " ".join(done.stdout.split())
    assert catalog.text("ui.terminal_unknown_proceed") in shown
    assert catalog.text("ui.terminal_unknown_result") in shown
    assert catalog.text("ui.terminal_unknown") not in shown


def test_the_chat_wraps_to_the_width_without_splitting_words(guide: Guide) -> None:
    import io

    from bot.terminal import run_chat

    out = io.StringIO()
    run_chat(guide, io.StringIO("\n".join(chat_to_result(guide)) + "\nq\n"), out, width=50)
    lines = out.getvalue().splitlines()
    assert all(len(line) <= 50 or " " not in line.strip() for line in lines)
    words = set(out.getvalue().split())
    plan_words = set(
        " ".join(
            a.why
            for a in guide.plan_for(
                {
                    "stage": "interview",
                    "role_status": "unknown",
                    "time_since": "recent",
                    "feedback": "vague",
                    "new_material": "none",
                    "contact": "none",
                    "goal": "learn",
                },
                {},
                "en",
            ).actions
        ).split()
    )
    assert plan_words <= words, "every word whole"
    primary_why = guide.catalog("en").text("approaches.request_feedback.why")
    assert " ".join(out.getvalue().split()).count(primary_why) == 1, "the recommendation once"


def test_chat_refuses_an_unknown_language_with_exit_2() -> None:
    done = run("chat", "--lang", "xx", stdin="")
    assert done.returncode == 2
    assert "'xx'" in done.stderr and "available: en" in done.stderr


def test_chat_saves_the_plan_and_drafts(guide: Guide, tmp_path: Path) -> None:
    target = tmp_path / "saved"
    done = run("chat", "--save", str(target), stdin="\n".join(chat_to_result(guide)) + "\n")
    assert done.returncode == 0, done.stderr
    files = sorted(path.name for path in target.iterdir())
    assert files == ["1-request_feedback.txt", "2-follow_up_nudge.txt", "plan.txt"]
    body = (target / "1-request_feedback.txt").read_text(encoding="utf-8")
    assert body.startswith("Hi Sam,\n") and "\n\nBest regards," in body
    assert "Next steps for you" in (target / "plan.txt").read_text(encoding="utf-8")
    by_key = tmp_path / "by-key"
    done = run("chat", "--save", str(by_key), stdin="\n".join([*chat_to_result(guide), "s", "q"]) + "\n")
    assert guide.catalog("en").text("ui.terminal_saved", where=str(by_key)) in " ".join(done.stdout.split())
