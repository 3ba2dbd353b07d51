"""The tone check: the engine, the English lexicon, its validation and `reconsider-bot tone`."""

from __future__ import annotations

import ast
import io
import itertools
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from bot import tone_cli
from bot.content.errors import ContentError, Problem
from bot.content.tone_lexicon import load_tone_lexicon, validate_tone_lexicon
from bot.engine import Guide
from bot.engine.tone import (
    ALL_CAPS,
    EXCLAMATIONS,
    FORM_CHECK_IDS,
    SEVERAL_QUESTIONS,
    TOO_LONG,
    FormCheck,
    ToneCategory,
    ToneEntry,
    ToneLexicon,
    check_tone,
)

REPO = Path(__file__).resolve().parent.parent
FLOWS = REPO / "flows"
ENGLISH = FLOWS / "tone" / "en.yaml"
LABELLED = yaml.safe_load((Path(__file__).parent / "data" / "tone_labelled.yaml").read_text())
DRAFTS = LABELLED["drafts"]
POLITE = [draft for draft in DRAFTS if not draft["expect"]]
PROBLEMATIC = [draft for draft in DRAFTS if draft["expect"]]
CONTENT_CATEGORIES = {
    "confrontational", "entitled", "arguing", "comparing", "desperate", "oversharing",
    "sarcastic", "pressure", "misusing_contact",
}


@pytest.fixture(scope="module")
def lexicon() -> ToneLexicon:
    return load_tone_lexicon(ENGLISH)


def categories(text: str, lexicon: ToneLexicon) -> set[str]:
    return {finding.category for finding in check_tone(text, lexicon)}


# ---- the English lexicon ------------------------------------------------------------------


def test_english_lexicon_is_valid() -> None:
    assert validate_tone_lexicon(ENGLISH) == []


def test_english_lexicon_covers_every_category_and_form_check(lexicon: ToneLexicon) -> None:
    assert {category.id for category in lexicon.categories} == CONTENT_CATEGORIES
    assert {check.id for check in lexicon.form_checks} == set(FORM_CHECK_IDS)
    assert lexicon.language == "en"


def test_labelled_set_is_big_enough() -> None:
    assert len(POLITE) >= 15
    assert len(PROBLEMATIC) >= 25
    assert len({draft["id"] for draft in DRAFTS}) == len(DRAFTS)


def test_precision_and_recall_on_the_labelled_drafts(
    lexicon: ToneLexicon, capsys: pytest.CaptureFixture[str], record_property
) -> None:
    """Micro-averaged over (draft, category) pairs; polite drafts expect no category."""
    hits = false_alarms = misses = 0
    notes = []
    for draft in DRAFTS:
        expected, found = set(draft["expect"]), categories(draft["text"], lexicon)
        hits += len(expected & found)
        false_alarms += len(found - expected)
        misses += len(expected - found)
        if expected != found:
            notes.append(f"  {draft['id']}: extra {sorted(found - expected)}, "
                         f"missed {sorted(expected - found)}")
    precision = hits / (hits + false_alarms)
    recall = hits / (hits + misses)
    record_property("tone_precision", round(precision, 3))
    record_property("tone_recall", round(recall, 3))
    with capsys.disabled():
        print(f"\ntone check on {len(DRAFTS)} labelled drafts ({len(POLITE)} polite): "
              f"precision {precision:.3f}, recall {recall:.3f}")
        if notes:
            print("\n".join(notes))
    assert precision >= 0.9
    assert recall >= 0.85


@pytest.mark.parametrize("draft", POLITE, ids=[draft["id"] for draft in POLITE])
def test_polite_drafts_pass_clean(draft: dict[str, object], lexicon: ToneLexicon) -> None:
    assert check_tone(str(draft["text"]), lexicon) == []


def test_every_guide_draft_passes_clean(guide: Guide, lexicon: ToneLexicon) -> None:
    """Every draft the guide can write, for every combination of answers, with and
    without personal details."""
    details = {
        "your_name": "Sam Lee", "recipient_name": "Ms. Ortiz", "company": "Northwind",
        "role": "Data Analyst", "strength": "five years of SQL and dashboard work",
        "topic": "the churn model", "material": "a short case study on churn",
        "gap": "experience with A/B testing", "contact_name": "Priya",
        "commitment": "I can relocate to Lyon by March", "fact": "I already hold an EU work permit",
    }
    assert set(details) == {detail.id for detail in guide.flow.details}
    questions = {question.id: question.options for question in guide.flow.questions}
    drafts = set()
    for values in itertools.product(*questions.values()):
        answers = dict(zip(questions, values, strict=True))
        for given in (details, {}):
            for language in guide.catalogs:
                for action in guide.plan_for(answers, given, language).actions:
                    if action.draft is not None:
                        drafts.add(f"{action.draft.subject or ''}\n\n{action.draft.body}")
    assert drafts
    flagged = {text: check_tone(text, lexicon) for text in drafts}
    assert {text: findings for text, findings in flagged.items() if findings} == {}


def test_suggested_alternatives_pass_clean(lexicon: ToneLexicon) -> None:
    lines = [entry.alternative for category in lexicon.categories for entry in category.entries]
    lines += [check.alternative for check in lexicon.form_checks]
    assert {line: check_tone(line, lexicon) for line in lines if check_tone(line, lexicon)} == {}


# ---- the engine ---------------------------------------------------------------------------


def test_findings_name_category_why_and_alternative(lexicon: ToneLexicon) -> None:
    [finding] = check_tone("Hello. Why did you reject me after three interviews?", lexicon)
    assert finding.category == "confrontational"
    assert finding.category_label == "Confrontational"
    assert finding.passage == "Why did you reject me"
    assert finding.why and finding.alternative


def test_findings_are_ordered_by_position_and_point_into_the_text(lexicon: ToneLexicon) -> None:
    text = "I really\n  need this job. Also, you’ve made a huge mistake. I’ll work for free."
    findings = check_tone(text, lexicon)
    assert [f.category for f in findings] == ["desperate", "confrontational", "desperate"]
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    for finding in findings:
        assert text[finding.start : finding.end] == finding.passage
    assert findings[0].passage == "I really\n  need this job"
    assert findings[1].passage == "you’ve made a huge mistake"


def test_overlapping_matches_are_reported_once_as_the_longest_reading() -> None:
    def entry(entry_id: str, pattern: str) -> ToneEntry:
        return ToneEntry(entry_id, (pattern,), f"instead of {entry_id}")

    lexicon = ToneLexicon("en", 1, (
        ToneCategory("short", "Short", "why short", (entry("a", "reject me"),)),
        ToneCategory("long", "Long", "why long", (entry("b", "why did you reject"),
                                                  entry("c", "did you reject me"))),
    ))
    [finding] = check_tone("So why did you reject me?", lexicon)
    assert (finding.passage, finding.category) == ("why did you reject me", "long")
    assert finding.alternative == "instead of b"


@pytest.mark.parametrize("text", [
    "Thank you for letting me know.",
    "Would you be open to sharing one thing I could strengthen?",
    "Why not stay in touch? I'd like that.",  # one question, the other a statement
    "Thanks so much for your time!",
    "I enjoyed meeting the HR team and the CEO at NASA.",
    "I applied to IKEA last year; IKEA taught me a lot.",
    "Best of luck finding the right person for the team.",
])
def test_polite_lines_are_not_flagged(text: str, lexicon: ToneLexicon) -> None:
    assert check_tone(text, lexicon) == []


@pytest.mark.parametrize(("text", "category", "passage"), [
    ("Could you share feedback? And who got the job?", SEVERAL_QUESTIONS, "2 questions"),
    ("Thanks anyway!!", EXCLAMATIONS, "anyway!!"),
    ("Really?!! Wow!!!", EXCLAMATIONS, "Really?!! … Wow!!!"),
    ("This is SO UNFAIR to me.", ALL_CAPS, "SO UNFAIR"),
    ("I was NEVER told, and I am REALLY upset.", ALL_CAPS, "NEVER … REALLY"),
])
def test_form_notes(text: str, category: str, passage: str, lexicon: ToneLexicon) -> None:
    notes = [f for f in check_tone(text, lexicon) if f.category in FORM_CHECK_IDS]
    assert [(f.category, f.passage) for f in notes] == [(category, passage)]


def test_a_doubled_question_mark_is_one_question(lexicon: ToneLexicon) -> None:
    assert SEVERAL_QUESTIONS not in categories("Is the role still open??", lexicon)


def test_too_long_counts_words_past_the_limit(lexicon: ToneLexicon) -> None:
    words = ["Thank you for considering me for the role."] * 25  # 8 words each
    assert TOO_LONG not in categories(" ".join(words), lexicon)
    longer = " ".join(words) + " Warm regards."
    [note] = [f for f in check_tone(longer, lexicon) if f.category == TOO_LONG]
    assert note.passage == "202 words"
    assert longer[note.start :] == "Warm regards."


def test_a_lexicon_without_form_checks_checks_no_form() -> None:
    lexicon = ToneLexicon("en", 1, ())
    assert check_tone("WHY?? WHY??? " * 100, lexicon) == []
    capitals = FormCheck(ALL_CAPS, "Capitals", "shouting", "lower case", allow=frozenset({"WHY"}))
    assert check_tone("WHY WHY WHY", ToneLexicon("en", 1, (), (capitals,))) == []


def test_the_engine_imports_only_the_standard_library() -> None:
    source = (REPO / "bot" / "engine" / "tone.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


# ---- validation ---------------------------------------------------------------------------

MINIMAL = """\
version: 1
language: en
categories:
  confrontational:
    label: Confrontational
    why: It puts them on the defensive.
entries:
  - id: why_rejected
    category: confrontational
    patterns:
      - why did you reject me
    alternative: Thank you for letting me know.
"""


def write(tmp_path: Path, text: str, name: str = "en.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_in(tmp_path: Path, text: str, name: str = "en.yaml") -> list[str]:
    return [str(problem) for problem in validate_tone_lexicon(write(tmp_path, text, name))]


def test_the_minimal_lexicon_loads(tmp_path: Path) -> None:
    lexicon = load_tone_lexicon(write(tmp_path, MINIMAL))
    assert categories("Why did you reject me?", lexicon) == {"confrontational"}


@pytest.mark.parametrize(("old", "new", "line", "message"), [
    ("    why: It puts", "    wy: It puts", 6,
     "unknown key 'wy' in category 'confrontational'; did you mean 'why'?"),
    ("    why: It puts them on the defensive.\n", "", 5,
     "category 'confrontational' is missing the key 'why'"),
    ("    alternative: Thank you for letting me know.\n", "", 8,
     "entry 'why_rejected' is missing the key 'alternative'"),
    ("      - why did you reject me\n", "      []\n", 11, "entry 'why_rejected' has no patterns"),
    ("    patterns:\n      - why did you reject me", "    patterns: []", 10,
     "entry 'why_rejected' has no patterns"),
    ("      - why did you reject me", "      - ''", 11, "empty pattern in entry 'why_rejected'"),
    ("      - why did you reject me", "      - why (did you reject me", 11,
     "pattern 'why (did you reject me' in entry 'why_rejected' is not a valid regex: "
     "missing ), unterminated subpattern at position 4"),
    ("      - why did you reject me", "      - a)|(b", 11, "is not a valid regex"),
    ("      - why did you reject me", "      - (why)?", 11,
     "pattern '(why)?' in entry 'why_rejected' matches empty text"),
    ("    category: confrontational", "    category: confrontationl", 9,
     "unknown category 'confrontationl' in entry 'why_rejected'; did you mean 'confrontational'?"),
    ("version: 1", "version: 2", 1, "version must be 1"),
    ("language: en", "language: de", 2,
     "language 'de' does not match the file name; expected 'en'"),
    ("version: 1\n", "version: 1\ncolour: blue\n", 2, "unknown key 'colour' in the lexicon"),
    ("entries:\n", "form:\n  shouting: {}\nentries:\n", 8, "unknown key 'shouting' in form"),
    ("entries:\n", "form:\n  too_long:\n    label: Long\n    why: Long.\n    alternative: Cut.\n"
                   "    limit: 200\n    note: words\nentries:\n", 13,
     "note 'words' must use exactly one placeholder, {count}"),
    ("entries:\n", "form:\n  exclamations:\n    label: Marks\n    why: Loud.\nentries:\n", 9,
     "form check 'exclamations' is missing the key 'alternative'"),
])
def test_each_mistake_names_file_line_and_what_is_wrong(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    assert old in MINIMAL
    problems = problems_in(tmp_path, MINIMAL.replace(old, new))
    where = f"{tmp_path / 'en.yaml'}:{line}: "
    assert any(p.startswith(where) and message in p for p in problems), problems


def test_duplicate_entry_ids_name_the_second_one(tmp_path: Path) -> None:
    twice = MINIMAL + MINIMAL[MINIMAL.index("  - id:"):]
    assert problems_in(tmp_path, twice) == [
        f"{tmp_path / 'en.yaml'}:13: duplicate entry id 'why_rejected' (first on line 8); "
        "ids must be unique"
    ]


def test_a_category_without_entries_is_reported(tmp_path: Path) -> None:
    extra = MINIMAL.replace("entries:", "  pressure:\n    label: Pressure\n    why: Threats.\nentries:")
    assert problems_in(tmp_path, extra) == [
        f"{tmp_path / 'en.yaml'}:8: category 'pressure' has no entries; add one or remove it"
    ]


def test_python_tags_are_refused_not_run(tmp_path: Path) -> None:
    tagged = MINIMAL.replace("label: Confrontational",
                             "label: !!python/object/apply:os.system ['echo pwned']")
    problems = problems_in(tmp_path, tagged)
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'en.yaml'}:5: tag ")
    assert "python/object/apply:os.system" in problems[0] and "not allowed" in problems[0]


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    [problem] = problems_in(tmp_path, MINIMAL.replace("    label: Confrontational",
                                                      "    label: [Confrontational"))
    assert problem.startswith(f"{tmp_path / 'en.yaml'}:6: YAML syntax error")


def test_load_raises_content_error_with_every_problem(tmp_path: Path) -> None:
    broken = MINIMAL.replace("version: 1", "version: 3").replace("- why did you", "- why (did you")
    with pytest.raises(ContentError) as caught:
        load_tone_lexicon(write(tmp_path, broken))
    assert [problem.line for problem in caught.value.problems] == [1, 11]
    assert all(isinstance(problem, Problem) for problem in caught.value.problems)
    assert str(caught.value).splitlines()[0] == f"{tmp_path / 'en.yaml'}:1: version must be 1"


# ---- reconsider-bot tone ------------------------------------------------------------------


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = tone_cli.main(["tone", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_exits_0_for_a_clean_draft(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = write(tmp_path, POLITE[0]["text"], "draft.txt")
    code, out, err = run([str(draft)], capsys)
    assert (code, err) == (0, "")
    assert "Nothing to flag" in out


def test_cli_exits_1_and_explains_each_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = write(tmp_path, "Why did you reject me?\nI really need this job!!\n", "draft.txt")
    code, out, _ = run([str(draft)], capsys)
    assert code == 1
    assert '1. confrontational: "Why did you reject me"' in out
    assert '2. desperate: "I really need this job"' in out
    assert "Try instead: If you have a moment" in out
    assert "3 things to look at" in out


def test_cli_json_lists_passage_category_why_alternative(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = write(tmp_path, "Thanks for nothing. Good luck replacing me.", "draft.txt")
    code, out, _ = run([str(draft), "--format", "json"], capsys)
    findings = json.loads(out)
    assert code == 1
    assert [f["passage"] for f in findings] == ["Thanks for nothing", "Good luck replacing me"]
    assert all(set(f) == {"passage", "category", "why", "alternative"} for f in findings)
    assert {f["category"] for f in findings} == {"sarcastic"}


def test_cli_json_for_a_clean_draft_is_an_empty_list(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Thank you for letting me know."))
    code, out, _ = run(["-", "--format", "json"], capsys)
    assert (code, json.loads(out)) == (0, [])


def test_cli_reads_stdin_with_a_dash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("I HAVE OTHER OFFERS, DECIDE QUICKLY."))
    code, out, _ = run(["-"], capsys)
    assert code == 1
    assert "pressure:" in out and "all_caps:" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["missing.txt"], "cannot read missing.txt: No such file or directory"),
    (["-", "--lang", "xx"], "no tone lexicon for language 'xx'"),
])
def test_cli_exits_2_with_a_clear_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("Thank you."))
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, "")
    assert err.startswith("reconsider-bot tone: ") and message in err
    assert "Traceback" not in err


def test_cli_exits_2_when_the_lexicon_is_broken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tone").mkdir()
    write(tmp_path / "tone", MINIMAL.replace("version: 1", "version: 9"))
    draft = write(tmp_path, "Thank you.", "draft.txt")
    code, _, err = run([str(draft), "--flows-dir", str(tmp_path)], capsys)
    assert code == 2
    assert f"{tmp_path / 'tone' / 'en.yaml'}:1: version must be 1" in err


def test_cli_refuses_an_unknown_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        tone_cli.main(["tone", "-", "--format", "xml"])
    assert caught.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err


def test_cli_runs_as_a_program_reading_stdin() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.tone_cli", "tone", "-", "--format", "json"],
        input="Please, please give me one more chance.", capture_output=True, text=True,
        cwd=REPO, check=False, timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert {f["category"] for f in json.loads(result.stdout)} == {"desperate"}
