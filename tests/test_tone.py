"""The tone check: the engine, the English lexicon, its validation and `reconsider-bot tone`."""

from __future__ import annotations

import ast
import dataclasses
import io
import itertools
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

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
    Cue,
    FormCheck,
    PatternError,
    ToneCategory,
    ToneEntry,
    ToneLexicon,
    check_tone,
    compile_pattern,
    expand_pattern,
    first_words,
    sentence_scores,
    word_forms,
)
from bot.telegram.views import tone as tonecheck
from bot.telegram.views.html import Text, esc

REPO = Path(__file__).resolve().parent.parent
FLOWS = REPO / "flows"
ENGLISH = FLOWS / "tone" / "en.yaml"
DATA = Path(__file__).parent / "data"


def labelled(name: str) -> list[dict[str, Any]]:
    drafts: list[dict[str, Any]] = yaml.safe_load((DATA / name).read_text())["drafts"]
    return drafts


# The first set was written together with the lexicon; the fresh one before lexicon v2, with
# a held-back part never used for tuning; the second, third and fourth ones each after a
# round of tuning, to see how far it generalises (their first scores are in the README).
# Round 2 wrote two more before changing the lexicon: set A (dev) to tune on, and set B
# (locked), never tuned on: its score is printed, not held to the targets. Set C was written
# after the first round-2 changes, scored at first look, then tuned on. Round 3 wrote set D
# (locked) before adding the weak cues; like B, it is never tuned on.
DRAFTS = labelled("tone_labelled.yaml")
FRESH = labelled("tone_fresh.yaml")
SECOND = labelled("tone_second.yaml")
THIRD = labelled("tone_third.yaml")
FOURTH = labelled("tone_fourth.yaml")
DEV = labelled("tone_dev.yaml")
DEV2 = labelled("tone_dev2.yaml")
LOCKED = labelled("tone_locked.yaml")
LOCKED_D = labelled("tone_locked_d.yaml")
SETS = {
    "labelled (first)": DRAFTS,
    "fresh, tuned on": [draft for draft in FRESH if not draft.get("held")],
    "fresh, held back": [draft for draft in FRESH if draft.get("held")],
    "second": SECOND,
    "third": THIRD,
    "fourth": FOURTH,
    "round 2, set A (dev)": DEV,
    "round 2, set C (dev, second half)": DEV2,
}
LOCKED_SETS = {
    "round 2, set B (locked, never tuned on)": LOCKED,
    "round 3, set D (locked, never tuned on)": LOCKED_D,
}
TUNED_SETS = (DRAFTS, FRESH, SECOND, THIRD, FOURTH, DEV, DEV2)
EVERY_SET = (*TUNED_SETS, LOCKED, LOCKED_D)
POLITE = [draft for draft in DRAFTS if not draft["expect"]]
PROBLEMATIC = [draft for draft in DRAFTS if draft["expect"]]
ALL_POLITE = [draft for drafts in EVERY_SET for draft in drafts if not draft["expect"]]
CONTENT_CATEGORIES = {
    "confrontational",
    "entitled",
    "arguing",
    "comparing",
    "desperate",
    "oversharing",
    "sarcastic",
    "guilt_tripping",
    "pressure",
    "over_familiar",
    "misusing_contact",
    "discrimination",
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


def test_labelled_sets_are_big_enough() -> None:
    assert len(POLITE) >= 15
    assert len(PROBLEMATIC) >= 25
    fresh_polite = [draft for draft in FRESH if not draft["expect"]]
    assert len(fresh_polite) >= 15 and len(FRESH) - len(fresh_polite) >= 25
    assert {c for draft in FRESH for c in draft["expect"]} >= CONTENT_CATEGORIES
    assert all(len(drafts) >= 10 for drafts in (SECOND, THIRD, FOURTH))
    for drafts in (DEV, DEV2, LOCKED):  # round 2: >= 20 problem and >= 10 polite whole drafts each
        assert sum(1 for d in drafts if d["expect"]) >= 20
        assert sum(1 for d in drafts if not d["expect"]) >= 10
    assert {c for d in DEV for c in d["expect"]} >= CONTENT_CATEGORIES
    assert {c for d in LOCKED for c in d["expect"]} >= CONTENT_CATEGORIES
    # round 3: >= 28 problem drafts across every category and >= 12 polite, 40-150 words each
    assert sum(1 for d in LOCKED_D if d["expect"]) >= 28
    assert sum(1 for d in LOCKED_D if not d["expect"]) >= 12
    assert {c for d in LOCKED_D for c in d["expect"]} >= CONTENT_CATEGORIES
    assert all(40 <= len(d["text"].split()) <= 150 for d in LOCKED_D)
    ids = [draft["id"] for drafts in EVERY_SET for draft in drafts]
    assert len(set(ids)) == len(ids)
    known = CONTENT_CATEGORIES | set(FORM_CHECK_IDS)
    assert {c for drafts in EVERY_SET for d in drafts for c in d["expect"]} <= known


def draft_scores(drafts: list[dict[str, Any]], lexicon: ToneLexicon) -> tuple[float, float, list[str]]:
    """Per whole draft: a problem draft is caught when flagged with one of its categories;
    precision is the share of flagged drafts that were caught, so a polite draft with any
    finding and a problem draft flagged only for the wrong reason both count against it."""
    flagged = caught = problems = 0
    notes = []
    for draft in drafts:
        expected, found = set(draft["expect"]), categories(draft["text"], lexicon)
        flagged += bool(found)
        problems += bool(expected)
        if expected & found:
            caught += 1
        elif found or expected:
            notes.append(f"  {draft['id']}: expected {sorted(expected)}, found {sorted(found)}")
    precision = caught / flagged if flagged else 1.0
    return precision, caught / problems, notes


def polite_flagged(drafts: list[dict[str, Any]], lexicon: ToneLexicon) -> list[str]:
    """The ids of the polite drafts (expecting no category) the check flags anyway."""
    return [draft["id"] for draft in drafts if not draft["expect"] and categories(draft["text"], lexicon)]


def pair_scores(drafts: list[dict[str, Any]], lexicon: ToneLexicon) -> tuple[float, float]:
    """Micro-averaged over (draft, category) pairs; polite drafts expect no category."""
    hits = false_alarms = misses = 0
    for draft in drafts:
        expected, found = set(draft["expect"]), categories(draft["text"], lexicon)
        hits += len(expected & found)
        false_alarms += len(found - expected)
        misses += len(expected - found)
    return hits / (hits + false_alarms), hits / (hits + misses)


def test_precision_and_recall_on_the_labelled_drafts(
    lexicon: ToneLexicon, capsys: pytest.CaptureFixture[str], record_property: Any
) -> None:
    """Each set on its own, per whole draft; the first set also per (draft, category) pair,
    its historical measure. Targets: 0.9 and 0.9 on every set tuned on, and no polite draft
    flagged in any set. Precision is 1.0 on every set but D, where one pressure draft is
    flagged only as arguing and entitled (README, tone check): D is locked, so that stays as
    measured. The locked sets' recall is printed only: holding it to a target would invite
    tuning on them."""
    lines, failures = [], []
    for name, drafts in {**SETS, **LOCKED_SETS}.items():
        precision, recall, notes = draft_scores(drafts, lexicon)
        polite = [draft for draft in drafts if not draft["expect"]]
        false_alarms = polite_flagged(drafts, lexicon)
        record_property(f"tone {name}", f"precision {precision:.3f} recall {recall:.3f}")
        lines.append(
            f"tone check on {len(drafts)} {name} drafts ({len(polite)} polite), per draft: "
            f"precision {precision:.3f}, recall {recall:.3f}"
        )
        lines += notes
        if name in SETS and (precision < 0.9 or recall < 0.9):
            failures.append(name)
        if false_alarms or (precision < 1.0 and drafts is not LOCKED_D):
            failures.append(f"{name}: precision {precision:.3f}, polite drafts flagged {false_alarms}")
    pair_precision, pair_recall = pair_scores(DRAFTS, lexicon)
    record_property("tone_precision", round(pair_precision, 3))
    record_property("tone_recall", round(pair_recall, 3))
    lines.append(
        f"tone check on the first set per (draft, category) pair: "
        f"precision {pair_precision:.3f}, recall {pair_recall:.3f}"
    )
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert failures == []
    assert pair_precision >= 0.9 and pair_recall >= 0.85


@pytest.mark.parametrize("draft", ALL_POLITE, ids=[draft["id"] for draft in ALL_POLITE])
def test_polite_drafts_pass_clean(draft: dict[str, object], lexicon: ToneLexicon) -> None:
    assert check_tone(str(draft["text"]), lexicon) == []


def test_every_guide_draft_passes_clean(guide: Guide, lexicon: ToneLexicon) -> None:
    """Every draft the guide can write, for every combination of answers, with and
    without personal details."""
    details = {
        "your_name": "Sam Lee",
        "recipient_name": "Ms. Ortiz",
        "company": "Northwind",
        "role": "Data Analyst",
        "strength": "five years of SQL and dashboard work",
        "topic": "the churn model",
        "material": "a short case study on churn",
        "gap": "experience with A/B testing",
        "contact_name": "Priya",
        "commitment": "I can relocate to Lyon by March",
        "fact": "I already hold an EU work permit",
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
    lines += [category.advice for category in lexicon.categories if category.advice]
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

    lexicon = ToneLexicon(
        "en",
        1,
        (
            ToneCategory("short", "Short", "why short", (entry("a", "reject me"),)),
            ToneCategory(
                "long",
                "Long",
                "why long",
                (entry("b", "why did you reject"), entry("c", "did you reject me")),
            ),
        ),
    )
    [finding] = check_tone("So why did you reject me?", lexicon)
    assert (finding.passage, finding.category) == ("why did you reject me", "long")
    assert finding.alternative == "instead of b"


@pytest.mark.parametrize(
    "text",
    [
        "Thank you for letting me know.",
        "Would you be open to sharing one thing I could strengthen?",
        "Why not stay in touch? I'd like that.",  # one question, the other a statement
        "Thanks so much for your time!",
        "I enjoyed meeting the HR team and the CEO at NASA.",
        "I applied to IKEA last year; IKEA taught me a lot.",
        "Best of luck finding the right person for the team.",
    ],
)
def test_polite_lines_are_not_flagged(text: str, lexicon: ToneLexicon) -> None:
    assert check_tone(text, lexicon) == []


@pytest.mark.parametrize(
    ("text", "category", "passage"),
    [
        ("Could you share feedback? And who got the job?", SEVERAL_QUESTIONS, "2 questions"),
        ("Thanks anyway!!", EXCLAMATIONS, "anyway!!"),
        ("Really?!! Wow!!!", EXCLAMATIONS, "Really?!! … Wow!!!"),
        ("This is SO UNFAIR to me.", ALL_CAPS, "SO UNFAIR"),
        ("I was NEVER told, and I am REALLY upset.", ALL_CAPS, "NEVER … REALLY"),
    ],
)
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


@pytest.mark.parametrize(
    ("text", "category", "passage"),
    [
        # word forms and contractions: one entry, every way of writing it
        ("I will consult a lawyer.", "pressure", "consult a lawyer"),
        ("I’m consulting a lawyer.", "pressure", "consulting a lawyer"),
        ("I have consulted my solicitor.", "pressure", "consulted my solicitor"),
        ("Why wasn't I even told the real reason?", "confrontational", "Why wasn't I even told"),
        ("Why wasnt I told?", "confrontational", "Why wasnt I told"),
        ("I promise I won't let you down.", "desperate", "I promise I won't"),
        # passive voice and conditional threats
        (
            "Unless the outcome is changed, I'll escalate.",
            "pressure",
            "Unless the outcome is changed, I'll escalate",
        ),
        (
            "This matter will be reported to the board.",
            "pressure",
            "This matter will be reported to the board",
        ),
        ("Could you get the decision reversed?", "misusing_contact", "get the decision reversed"),
        # sarcasm, guilt, entitlement, register, contacts
        (
            "I suppose a reply two months later is better than none.",
            "sarcastic",
            "I suppose a reply two months later is better than none",
        ),
        ("After all the prep I did, I hoped for more.", "guilt_tripping", "After all the prep I did"),
        ("I cancelled a holiday to be there.", "guilt_tripping", "I cancelled a holiday"),
        ("I'd appreciate your reasons before the weekend.", "entitled", "reasons before the weekend"),
        ("That is only reasonable.", "entitled", "That is only reasonable"),
        ("Cheers buddy, haha.", "over_familiar", "buddy"),
        ("Thanks for letting me know 😊", "over_familiar", "😊"),
        ("Could you have a word with them?", "misusing_contact", "have a word with them"),
    ],
)
def test_meanings_are_matched_over_word_forms_and_voice(
    text: str, category: str, passage: str, lexicon: ToneLexicon
) -> None:
    assert (category, passage) in {(f.category, f.passage) for f in check_tone(text, lexicon)}


@pytest.mark.parametrize(
    "text",
    [
        "I'm not asking you to change your decision, only for one piece of advice.",
        "I am not asking you to reconsider.",
        "I'm not trying to argue the point.",
        "I don't expect a reply by Friday.",
        "I won't be contacting your CEO, of course.",
        "I have no intention of disputing it.",
        "I hope this doesn't come across as disrespectful.",
        # near misses of entries, written politely
        "I enjoyed the time I spent with the team.",
        "I would love to hear about any further steps in the process.",
        "I think it is fair to say I learned a lot from the exercise.",
        "If you need anything at all from me, just say.",
        "My background in logistics was the reason I applied.",
        "I may have given the wrong impression about my Excel skills.",
        "I will respond as quickly as I can.",
        "I'd be glad to send the case study by Friday if that helps.",
        "Thanks so much, Mateo.",
        "It was an unbelievable opportunity to meet the team, and the demo was quite something.",
        "If there's any chance at all of a few lines of feedback, I'd be grateful.",
        "I prepared a point-by-point plan for the first ninety days, which I'd be glad to share.",
        "My nationality means I would need a visa, which I understand may have mattered.",
        "I admire how the team has outpaced its competitors this year.",
        "I never listen to anyone who says a first interview is easy, and I enjoyed ours.",
        "I'm still learning what really matters in product work, and your feedback helped.",
    ],
)
def test_negated_and_near_miss_sentences_are_not_flagged(text: str, lexicon: ToneLexicon) -> None:
    assert check_tone(text, lexicon) == []


def test_a_negation_reaches_only_within_its_clause(lexicon: ToneLexicon) -> None:
    assert categories("I'm not asking for much, but I deserve an explanation.", lexicon) == {"entitled"}
    assert categories("I will not hesitate to take legal action.", lexicon) == {"pressure"}


def test_suspected_discrimination_gets_the_advice_not_a_gentler_line(lexicon: ToneLexicon) -> None:
    [finding] = check_tone("I believe I was rejected because of my age.", lexicon)
    assert (finding.category, finding.passage) == ("discrimination", "because of my age")
    assert finding.alternative == ""
    assert "employment-rights adviser" in finding.advice and finding.why
    others = check_tone("Why did you reject me?", lexicon)
    assert others and all(f.advice == "" and f.alternative for f in others)


def test_telegram_shows_the_advice_in_place_of_a_gentler_line(guide: Guide, lexicon: ToneLexicon) -> None:
    text = "I think I was turned down because of my age. Why did you reject me?"
    [message] = tonecheck.render_findings(text, check_tone(text, lexicon), guide.catalog("en"))
    assert isinstance(message, Text)
    advice = next(c.advice for c in lexicon.categories if c.advice)
    discrimination, confrontational = message.html.split("\n\n")[1:3]
    assert discrimination.startswith("1. <b>Possible discrimination</b>")
    assert discrimination.endswith(esc(advice)) and "Try" not in discrimination
    assert "<i>Try instead:</i>" in confrontational


def test_a_stream_of_single_exclamation_marks_is_a_form_note(lexicon: ToneLexicon) -> None:
    assert EXCLAMATIONS not in categories("Thanks so much! I enjoyed it! Best wishes.", lexicon)
    [note] = [f for f in check_tone("Hi! Thanks! Really! Bye.", lexicon) if f.category == EXCLAMATIONS]
    assert note.passage == "Hi! … Thanks! … Really!"


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("(thanks?( you)?|(really )?appreciate) it", {"thank", "thanks", "really", "appreciate"}),
        ("job[- ]?hunting", {"job", "jobhunting"}),
        ("(?<=[a-z] )x(?= ?$)", {"x"}),
        (r"(\w+ )?reject", None),  # any word may come first
        ("[:;]-?[)(]", None),  # starts with a symbol
        ("discriminat\\w*", None),
    ],
)
def test_first_words_of_a_pattern(pattern: str, words: set[str] | None) -> None:
    assert first_words(pattern) == (None if words is None else frozenset(words))
    assert first_words(compile_pattern(pattern).pattern) == first_words(pattern)  # as wrapped


def test_the_word_index_finds_exactly_what_a_full_scan_finds(lexicon: ToneLexicon) -> None:
    def scanning(entry: ToneEntry) -> ToneEntry:
        copy = ToneEntry(entry.id, entry.patterns, entry.alternative)
        object.__setattr__(copy, "first_words", tuple(None for _ in copy.compiled))
        return copy

    def scanning_cue(cue: Cue) -> Cue:
        copy = Cue(cue.id, cue.weight, cue.patterns, cue.category)
        object.__setattr__(copy, "first_words", tuple(None for _ in copy.compiled))
        return copy

    assert lexicon.cues is not None
    cues = dataclasses.replace(lexicon.cues, cues=tuple(scanning_cue(c) for c in lexicon.cues.cues))
    scanned = ToneLexicon(
        lexicon.language,
        lexicon.version,
        tuple(
            ToneCategory(c.id, c.label, c.why, tuple(scanning(e) for e in c.entries), c.advice)
            for c in lexicon.categories
        ),
        lexicon.form_checks,
        lexicon.negations,
        cues,
    )
    texts = [draft["text"] for drafts in EVERY_SET for draft in drafts]
    assert sum(bool(check_tone(text, lexicon)) for text in texts) > 90
    assert [check_tone(text, lexicon) for text in texts] == [check_tone(text, scanned) for text in texts]


def test_word_forms_cover_regular_and_irregular_inflections() -> None:
    assert set(word_forms("consult")) == {"consult", "consults", "consulted", "consulting"}
    assert {"escalates", "escalated", "escalating"} <= set(word_forms("escalate"))
    assert {"stopped", "stopping"} <= set(word_forms("stop"))
    assert {"replies", "replied", "replying"} <= set(word_forms("reply"))
    assert {"took", "taken", "taking"} <= set(word_forms("take", {"take": ["took", "taken"]}))


def test_expanded_patterns_name_sets_and_forms() -> None:
    regex = expand_pattern("{be} ~ask", {"be": ["is", "was"]}, {})
    assert re.fullmatch(regex, "was asking") and re.fullmatch(regex, "is asked")
    with pytest.raises(PatternError) as caught:
        expand_pattern("{nope} x", {}, {})
    assert caught.value.name == "nope"


# ---- round 2: meanings by structure, and the polite sentences that resemble them --------


@pytest.mark.parametrize(
    ("text", "category", "passage"),
    [
        (
            "Frankly, your recruiters behaved appallingly.",
            "confrontational",
            "your recruiters behaved appallingly",
        ),
        (
            "The interview process felt completely disorganised.",
            "confrontational",
            "The interview process felt completely disorganised",
        ),
        ("You strung me along for a month.", "confrontational", "You strung me along"),
        ("What exactly went wrong in the final round?", "confrontational", "What exactly"),
        ("How on earth was that decided?", "confrontational", "How on earth"),
        ("Did the panel even read my portfolio?", "confrontational", "Did the panel even read"),
        (
            "This outcome is impossible to reconcile with the feedback on the day.",
            "confrontational",
            "This outcome is impossible to reconcile",
        ),
        ("I need you to send the scores.", "entitled", "I need you to"),
        ("I'd like an answer within 48 hours.", "entitled", "I'd like an answer within 48 hours"),
        ("I expect to hear from you by Wednesday.", "entitled", "I expect to hear from you by Wednesday"),
        (
            "I trust you will give me the same chance as internal applicants.",
            "entitled",
            "I trust you will give me",
        ),
        ("This is a perfectly reasonable request.", "entitled", "is a perfectly reasonable request"),
        (
            "I was far and away the strongest applicant.",
            "entitled",
            "I was far and away the strongest applicant",
        ),
        ("I would point out that I led the migration myself.", "arguing", "I would point out that I led"),
        ("That is leadership by any definition.", "arguing", "That is leadership by any definition"),
        (
            "You should weigh the written test more heavily than the chat.",
            "arguing",
            "You should weigh the written test more heavily",
        ),
        (
            "I scored 95 on the assessment, the top mark of the cohort.",
            "arguing",
            "I scored 95 on the assessment, the top mark",
        ),
        ("I was a better fit than whoever you chose.", "comparing", "better fit than whoever"),
        ("What experience did they have compared with mine?", "comparing", "compared with mine"),
        ("Just give me one chance.", "desperate", "Just give me one chance"),
        ("I'll work harder than anyone on the team.", "desperate", "work harder than anyone"),
        ("Anything at all would help.", "desperate", "Anything at all would help"),
        ("My dad has been in hospital since March.", "oversharing", "My dad has been in hospital"),
        ("My partner and I split up last month.", "oversharing", "My partner and I split up"),
        ("I'm behind on rent.", "oversharing", "behind on rent"),
        ("Thanks for the three weeks of silence.", "sarcastic", "Thanks for the three weeks of silence"),
        ("Thanks a bunch for ghosting me.", "sarcastic", "Thanks a bunch for ghosting"),
        ("I appreciate you finally replying.", "sarcastic", "appreciate you finally"),
        ("The email came, only a month after the interview.", "sarcastic", "only a month after"),
        ("I had to pay for a nanny for the day.", "guilt_tripping", "I had to pay for"),
        (
            "I turned down two other interviews to keep your dates free.",
            "guilt_tripping",
            "to keep your dates free",
        ),
        (
            "What this process asked of my family was a lot.",
            "guilt_tripping",
            "What this process asked of my family",
        ),
        (
            "I'm in final talks with one of your competitors.",
            "pressure",
            "talks with one of your competitors",
        ),
        ("If you want to reconsider, now would be the time.", "pressure", "now would be the time"),
        ("I'll be sharing my story with a journalist.", "pressure", "sharing my story with a journalist"),
        (
            "Should I not hear back, I'll be raising this with the ombudsman.",
            "pressure",
            "raising this with the ombudsman",
        ),
        (
            "If this is not resolved, we will be writing a review of the whole process.",
            "pressure",
            "If this is not resolved, we will be writing a review",
        ),
        (
            "Could you talk to the hiring manager and persuade him to look again?",
            "misusing_contact",
            "talk to the hiring manager and persuade him to look again",
        ),
        ("Maybe they could bring me back in for another round?", "misusing_contact", "bring me back in"),
        ("Could you quietly find out who got it?", "misusing_contact", "you quietly find out"),
        ("lemme know if u hear anything", "over_familiar", "lemme"),
        ("Nobody on the panel even listened.", "confrontational", "Nobody on the panel even listened"),
        ("She kept cutting me off.", "confrontational", "kept cutting me off"),
        (
            "How could anyone call that a fair interview?",
            "confrontational",
            "How could anyone call that a fair interview",
        ),
        (
            "Saying I lack drive is not a fair reflection of my record.",
            "arguing",
            "is not a fair reflection of my",
        ),
        ("I'd urge the committee to look again.", "arguing", "urge the committee to look again"),
        (
            "How did the successful candidate score on the test?",
            "comparing",
            "the successful candidate score",
        ),
        (
            "Is there any way I could still join in some capacity?",
            "desperate",
            "Is there any way I could still join",
        ),
        ("I'd shadow the team unpaid.", "desperate", "shadow the team unpaid"),
        ("All that for a form letter.", "sarcastic", "for a form letter"),
        (
            "I rearranged my entire summer around your interviews.",
            "guilt_tripping",
            "rearranged my entire summer around",
        ),
        (
            "I missed my daughter's sports day for the final round.",
            "guilt_tripping",
            "missed my daughter's sports day",
        ),
        (
            "I worked through the weekend on your take-home task.",
            "guilt_tripping",
            "worked through the weekend on your take-home",
        ),
        (
            "My offer from the other firm expires on Monday.",
            "pressure",
            "offer from the other firm expires on",
        ),
        ("I'm writing directly to your chairman.", "pressure", "writing directly to your chairman"),
        (
            "Could you have a word with Priya and push my case?",
            "misusing_contact",
            "word with Priya and push my case",
        ),
        ("You've got more clout with them than me.", "misusing_contact", "more clout with them"),
        ("Could you have a nose around and see who they hired?", "misusing_contact", "have a nose around"),
    ],
)
def test_signals_hold_across_wordings(text: str, category: str, passage: str, lexicon: ToneLexicon) -> None:
    """One structural signal each (the reader with a word that blames, a deadline set for the
    reader, thanks for a grievance, "if … not …, I will" with a consequence, …), in wordings
    no labelled set uses."""
    assert (category, passage) in {(f.category, f.passage) for f in check_tone(text, lexicon)}


@pytest.mark.parametrize(
    "text",
    [
        "I'd appreciate any feedback you're able to share.",
        "I understand the decision is final.",
        "Thank you for letting me know.",
        "I'm not asking you to change your decision.",
        "Thank you for your patience during the long wait for my references.",
        "You handled a difficult conversation kindly.",
        "I know I answered the last question poorly.",
        "You asked a great question that I answered poorly.",
        "The panel was kind even though I was nervous and spoke badly.",
        "I expect I'll be finishing my course in June.",
        "I would like to send the portfolio by Friday, if that suits.",
        "I'd like the chance to reapply in a few months.",
        "I assume you will be busy with the new hire.",
        "I trust you will give the new hire a warm welcome.",
        "I think it's a perfectly fair decision.",
        "I should point out that I'm moving to Leeds in the spring.",
        "By any measure, it was a great experience.",
        "What tipped the balance for me was the team.",
        "I'd welcome anything at all you're able to share.",
        "Caring for a child with additional needs taught me patience, which I hope came across.",
        "Only a week after our interview, I completed the certification you mentioned.",
        "I know the team is very busy, so I'll keep this short.",
        "It really made me feel valued when Ana called me personally.",
        "I'm sorry I had to miss the end of your presentation.",
        "I had to find a quiet room for the video call, so thank you for your patience.",
        "I want you to know how much I enjoyed meeting everyone.",
        "I just want you to know how grateful I am for the feedback.",
        "I need you to know how much I appreciated your candour.",
        "Now would be the time to say thank you for everything.",
        "I won't be available for long periods in August, but I could interview remotely.",
        "I'd be happy to speak to someone more senior about future roles.",
        "I'll share my portfolio on LinkedIn so it's easy to find.",
        "If I don't hear back, I'll assume the role has been filled.",
        "If there's no news by spring, I will write again to ask about openings.",
        "If it's no trouble, I'll contact you next month about the graduate scheme.",
        "Could you mention to him that I'm still interested?",
        "Any advice coming from you would mean a lot.",
        "You know the hiring manager well, so I'd value your view on how to approach future openings.",
        "I'll quietly get on with improving my portfolio.",
        "What was said in the debrief was really helpful, thank you.",
        "What exactly does the role involve day to day?",
        "It was hard to reconcile my schedule with the interview dates.",
        "I expected more from myself in the final round.",
        "I'd be grateful for the same consideration for future roles.",
        "Your team was lovely, and the process was clear and well run.",
        "The interviewers were friendly and I never felt rushed.",
        "I didn't feel the process was unfair in any way.",
        "Thank you for the swift reply, even though the news wasn't what I hoped.",
        "I'm glad I finally got to meet the team in person.",
        "Glad to finally meet you at the open day.",
        "I appreciate you taking the time to explain the decision.",
        "I'm in touch with a few other companies, but I'd love to stay in touch with yours.",
        "I'm not going to contact anyone else about this.",
        "I'd like your view on whether to reapply next year.",
        "I don't need a detailed answer, just a pointer if you have one.",
        "I'm not expecting a reply, so please don't feel obliged.",
        "If you're not able to share feedback, I completely understand.",
        "If I'm not the right fit now, I'll keep building my skills and apply again.",
        "I travelled down for the day and enjoyed seeing the office.",
        "My father passed on his love of engineering to me, which is why I applied.",
        "My mum was thrilled I got to the final round.",
        "Please give me a call whenever suits you.",
        "If you give me the chance to reapply, I'll be ready.",
        "I can prove my progress with the new portfolio whenever useful.",
        "Thanks so much for the detailed two-page feedback.",
        "I'd love the opportunity to get my foot in the door in a future role.",
        "Your feedback contradicted nothing I'd heard from my mentor, which was reassuring.",
        "I scored lower than I hoped on the test, and I'm working on it.",
        "Compared with my last interview, this one felt much calmer.",
        "How exactly should I prepare if a similar role opens?",
        "No one I met cared more about quality than your team.",
        "I appreciated that nobody interrupted me, even when I rambled.",
        "I consider this a fair process, and I'm grateful for it.",
        "The interview wasn't a true reflection of my nerves on the day, but I learned a lot.",
        "I'll revisit the feedback over the weekend.",
        "The new hire did brilliantly, I'm sure.",
        "Is there any way I could get a line of feedback?",
        "I really, really enjoyed meeting the team.",
        "Congratulations on a remarkable product launch this spring.",
        "I'll definitely tell my friends about the graduate scheme.",
        "I was impressed by how seriously you take accessibility.",
        "I hope you find your perfect candidate soon.",
        "I hope the new hire is everything you hoped for.",
        "It's clear the team has such high standards, which is why I applied.",
        "It's reassuring to know the role may reopen in spring.",
        "I'm happy to arrange my week around your availability.",
        "I'm used to working through the night on launches.",
        "I appreciate how much goes into organising interviews.",
        "As a loyal customer for years, I was excited to apply.",
        "I'll check the file before I send it.",
        "Let me know if I should send it over.",
        "I'd love to speak with you about future openings.",
        "I'd be glad to connect on LinkedIn and follow the team's work.",
        "I don't think the process was unfair at all.",
    ],
)
def test_polite_sentences_that_resemble_a_signal_are_not_flagged(text: str, lexicon: ToneLexicon) -> None:
    """The near misses of the round-2 signals: thanks, expectations, deadlines, travel,
    family, LinkedIn and questions, written politely, and negated."""
    assert check_tone(text, lexicon) == []


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


def test_sets_forms_negations_and_advice_load(tmp_path: Path) -> None:
    text = MINIMAL.replace("      - why did you reject me\n", "      - why did you ~reject {whom}\n")
    text = text.replace(
        "    why: It puts them on the defensive.\n",
        "    why: It puts them on the defensive.\n    advice: Ask an adviser.\n",
    )
    text = text.replace("    alternative: Thank you for letting me know.\n", "")
    text = text.replace(
        "entries:\n",
        "sets:\n  whom: [me, us]\nforms:\n  reject: [rejectified]\nnegations:\n  - not asking\nentries:\n",
    )
    lexicon = load_tone_lexicon(write(tmp_path, text))
    [finding] = check_tone("Why did you rejectified us?", lexicon)
    assert (finding.advice, finding.alternative) == ("Ask an adviser.", "")
    assert check_tone("I am not asking why did you reject me", lexicon) == []


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "    why: It puts",
            "    wy: It puts",
            6,
            "unknown key 'wy' in category 'confrontational'; did you mean 'why'?",
        ),
        (
            "    why: It puts them on the defensive.\n",
            "",
            5,
            "category 'confrontational' is missing the key 'why'",
        ),
        (
            "    alternative: Thank you for letting me know.\n",
            "",
            8,
            "entry 'why_rejected' is missing the key 'alternative'",
        ),
        ("      - why did you reject me\n", "      []\n", 11, "entry 'why_rejected' has no patterns"),
        (
            "    patterns:\n      - why did you reject me",
            "    patterns: []",
            10,
            "entry 'why_rejected' has no patterns",
        ),
        ("      - why did you reject me", "      - ''", 11, "empty pattern in entry 'why_rejected'"),
        (
            "      - why did you reject me",
            "      - why (did you reject me",
            11,
            "pattern 'why (did you reject me' in entry 'why_rejected' is not a valid regex: "
            "missing ), unterminated subpattern at position 4",
        ),
        ("      - why did you reject me", "      - a)|(b", 11, "is not a valid regex"),
        (
            "      - why did you reject me",
            "      - (why)?",
            11,
            "pattern '(why)?' in entry 'why_rejected' matches empty text",
        ),
        (
            "    category: confrontational",
            "    category: confrontationl",
            9,
            "unknown category 'confrontationl' in entry 'why_rejected'; did you mean 'confrontational'?",
        ),
        ("version: 1", "version: 2", 1, "version must be 1"),
        ("language: en", "language: de", 2, "language 'de' does not match the file name; expected 'en'"),
        ("version: 1\n", "version: 1\ncolour: blue\n", 2, "unknown key 'colour' in the lexicon"),
        ("entries:\n", "form:\n  shouting: {}\nentries:\n", 8, "unknown key 'shouting' in form"),
        (
            "entries:\n",
            "form:\n  too_long:\n    label: Long\n    why: Long.\n    alternative: Cut.\n"
            "    limit: 200\n    note: words\nentries:\n",
            13,
            "note 'words' must use exactly one placeholder, {count}",
        ),
        (
            "entries:\n",
            "form:\n  exclamations:\n    label: Marks\n    why: Loud.\nentries:\n",
            9,
            "form check 'exclamations' is missing the key 'alternative'",
        ),
        (
            "entries:\n",
            "form:\n  exclamations:\n    label: Marks\n    why: Loud.\n    alternative: Calm."
            "\n    limit: 0\nentries:\n",
            12,
            "limit must be a whole number, 1 or more",
        ),
        (
            "      - why did you reject me",
            "      - why did you {rejcet}",
            11,
            "pattern 'why did you {rejcet}' in entry 'why_rejected' names the unknown word set "
            "{rejcet}; declare it under `sets`",
        ),
        (
            "      - why did you reject me",
            "      - why did you ~ reject",
            11,
            "~ must be followed by a lower-case word, as in ~consult",
        ),
        (
            "entries:\n",
            "sets:\n  Reject: [reject]\nentries:\n",
            8,
            "word set name 'Reject' must be lower_case_with_underscores",
        ),
        (
            "entries:\n",
            "sets:\n  reject: [reject, 'turn(ed down']\nentries:\n",
            8,
            "pattern 'turn(ed down' in word set 'reject' is not a valid regex",
        ),
        (
            "entries:\n",
            "forms:\n  take: [took, Taken!]\nentries:\n",
            8,
            "forms of 'take' must be lower-case words; got 'Taken!'",
        ),
        (
            "entries:\n",
            "negations:\n  - not (asking\nentries:\n",
            8,
            "pattern 'not (asking' in negations is not a valid regex",
        ),
        ("entries:\n", "negations: not asking\nentries:\n", 7, "patterns of negations must be a list"),
        (
            "    why: It puts them on the defensive.\n",
            "    why: It puts them on the defensive.\n    advice: See an adviser.\n",
            13,
            "entry 'why_rejected' is in the category 'confrontational', which gives its advice instead "
            "of a gentler line; remove `alternative`",
        ),
        (
            "    why: It puts them on the defensive.\n",
            "    why: It puts them on the defensive.\n    advise: See an adviser.\n",
            7,
            "unknown key 'advise' in category 'confrontational'; did you mean 'advice'?",
        ),
    ],
)
def test_each_mistake_names_file_line_and_what_is_wrong(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    assert old in MINIMAL
    problems = problems_in(tmp_path, MINIMAL.replace(old, new))
    where = f"{tmp_path / 'en.yaml'}:{line}: "
    assert any(p.startswith(where) and message in p for p in problems), problems


def test_duplicate_entry_ids_name_the_second_one(tmp_path: Path) -> None:
    twice = MINIMAL + MINIMAL[MINIMAL.index("  - id:") :]
    assert problems_in(tmp_path, twice) == [
        f"{tmp_path / 'en.yaml'}:13: duplicate entry id 'why_rejected' (first on line 8); ids must be unique"
    ]


def test_a_category_without_entries_is_reported(tmp_path: Path) -> None:
    extra = MINIMAL.replace("entries:", "  pressure:\n    label: Pressure\n    why: Threats.\nentries:")
    assert problems_in(tmp_path, extra) == [
        f"{tmp_path / 'en.yaml'}:8: category 'pressure' has no entries; add one or remove it"
    ]


def test_python_tags_are_refused_not_run(tmp_path: Path) -> None:
    tagged = MINIMAL.replace(
        "label: Confrontational", "label: !!python/object/apply:os.system ['echo pwned']"
    )
    problems = problems_in(tmp_path, tagged)
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'en.yaml'}:5: tag ")
    assert "python/object/apply:os.system" in problems[0] and "not allowed" in problems[0]


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    [problem] = problems_in(
        tmp_path, MINIMAL.replace("    label: Confrontational", "    label: [Confrontational")
    )
    assert problem.startswith(f"{tmp_path / 'en.yaml'}:6: YAML syntax error")


def test_load_raises_content_error_with_every_problem(tmp_path: Path) -> None:
    broken = MINIMAL.replace("version: 1", "version: 3").replace("- why did you", "- why (did you")
    with pytest.raises(ContentError) as caught:
        load_tone_lexicon(write(tmp_path, broken))
    assert [problem.line for problem in caught.value.problems] == [1, 11]
    assert all(isinstance(problem, Problem) for problem in caught.value.problems)
    assert str(caught.value).splitlines()[0] == f"{tmp_path / 'en.yaml'}:1: version must be 1"


# ---- round 3: weak cues, weighed per sentence ---------------------------------------------

# New wordings, in no labelled set, that no strong pattern reads: only cues adding up in one
# sentence flag them (the test checks both halves).
CUE_CAUGHT = [
    ("Your recruiters strung this out for two months and then ghosted me completely.", "confrontational"),
    ("Since you play squash with the director, could you quietly nudge him my way?", "misusing_contact"),
    (
        "After the panel asked whether I had childcare sorted, I am worried that being a mother "
        "counted against me.",
        "discrimination",
    ),
    ("Have the hiring manager ring me by Friday.", "entitled"),
    ("I would like to know how the chosen applicant stacked up against me.", "comparing"),
    ("Wow, a reply within a month, what a treat.", "sarcastic"),
]


@pytest.mark.parametrize(("text", "category"), CUE_CAUGHT)
def test_cues_that_add_up_in_a_sentence_flag_it(text: str, category: str, lexicon: ToneLexicon) -> None:
    without_cues = dataclasses.replace(lexicon, cues=None)
    assert category not in categories(text, without_cues)
    [finding] = [f for f in check_tone(text, lexicon) if f.category == category]
    assert finding.passage == text
    category_of = {c.id: c for c in lexicon.categories}[category]
    assert finding.why == category_of.why
    if category_of.advice:
        assert (finding.advice, finding.alternative) == (category_of.advice, "")
    else:
        assert lexicon.cues is not None
        assert finding.alternative == lexicon.cues.alternative(category) != ""


@pytest.mark.parametrize(
    "text",
    [
        "I hope the successful candidate really enjoys the role.",
        "Please give my thanks to the panel, I really enjoyed meeting everyone.",
        "I never expected to reach the final round, so I'm pleased with how far I got.",
        "I completely understand, and I'd be glad to hear about future openings.",
        "Could you tell me roughly when I might hear back about the next stage?",
        "My references are happy to speak with you if that would help.",
        "I travelled up on the train and enjoyed the chance to see the new office.",
        "It has been a busy year, and this process was a highlight of it.",
        "Why not stay in touch? I'd love to follow the team's progress on LinkedIn.",
        "I'd be grateful for a short call next week, if that's convenient.",
        "Honestly, the interview was the most enjoyable one I've had this year.",
        "I'm sure the team will do great things with the new platform.",
        "Congratulations on the launch, it looked like a huge amount of work.",
        "I'll keep an eye on your careers page and apply again when something fits.",
        "Your feedback on my presentation was fair and really useful.",
        "I was disappointed, of course, but I understand it was a close call.",
        "If there is ever an opening in the London office, I'd love to hear about it.",
        "I have five years in payroll and I'm keen to keep building on them elsewhere.",
        "Thank you for the quick reply, it's much appreciated.",
        "No need to reply to this, I just wanted to say thank you.",
        "I gave the case study a lot of thought and enjoyed working on it.",
        "Best of luck with the rest of the hiring, and thank you again.",
        "I really hoped it would work out, but I appreciate you letting me know.",
        "Please pass on my thanks to Diane and the rest of the panel.",
        "My partner and I are moving to Leeds in spring, so I'd be glad to hear of roles there.",
        "The team clearly cares about its customers, which I admired.",
        "I will be in Manchester next month and would be happy to meet for coffee if you're free.",
        "I have accepted another offer and wanted to let you know.",
        "I have since taken another offer, so please withdraw my application.",
        "I would very much like to be considered again, and I want to be clear about my interest.",
    ],
)
def test_polite_sentences_near_the_cues_are_not_flagged(text: str, lexicon: ToneLexicon) -> None:
    """Each holds a cue or two (a deadline, "never", "the successful candidate", travel,
    family, an offer) but reads as polite: its score stays under the threshold."""
    assert check_tone(text, lexicon) == []


CUED = (
    MINIMAL
    + """\
  - id: lawyer
    category: pressure
    patterns:
      - my lawyer will write
    alternative: I understand the decision.
negations:
  - not saying
cues:
  threshold: 3
  capitals: 1
  exclamation: 1
  alternatives:
    confrontational: Thank you for the update.
    pressure: I accept the decision.
  signals:
    - id: blame
      category: confrontational
      weight: 2
      patterns:
        - you (wasted|ignored)
        - you (lied|misled)
    - id: deadline
      category: pressure
      weight: 2.5
      patterns:
        - by friday
    - id: never
      weight: 1
      patterns:
        - never
    - id: polite
      weight: -2
      patterns:
        - I understand
"""
)
CUED = CUED.replace(
    "categories:\n", "categories:\n  pressure:\n    label: Pressure\n    why: It reads as a threat.\n", 1
)


@pytest.fixture(scope="module")
def cued(tmp_path_factory: pytest.TempPathFactory) -> ToneLexicon:
    return load_tone_lexicon(write(tmp_path_factory.mktemp("cued"), CUED))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("You wasted my time.", []),  # 2: one cue is not enough
        ("You wasted my time and never replied.", ["confrontational"]),  # 2 + 1
        ("You wasted my time. I never got a reply.", []),  # 2 and 1: sentences are scored apart
        ("You wasted my time and you wasted my money.", []),  # one sign repeated counts once
        ("You wasted my time and you misled me.", ["confrontational"]),  # two signs of a kind: 2 + 2
        ("I understand you wasted no time and never stopped.", []),  # 2 + 1 - 2
        ("I am not saying you wasted my time or never replied.", []),  # negated: 1
        ("You WASTED my time.", ["confrontational"]),  # 2 + 1 for the capitals
        ("You wasted my time!", ["confrontational"]),  # 2 + 1 for the "!"
        ("NEVER EVER NEVER!", []),  # 3, but no cue names a category
        ("You ignored me and never replied by Friday.", ["pressure"]),  # the heaviest cue names it
    ],
)
def test_cue_scores_add_up_per_sentence(text: str, found: list[str], cued: ToneLexicon) -> None:
    assert [finding.category for finding in check_tone(text, cued)] == found


def test_a_cue_finding_quotes_its_sentence_with_the_category_line(cued: ToneLexicon) -> None:
    text = "Hello Sam,\n\nYou wasted my time and never\nreplied.\n\nTom"
    [finding] = check_tone(text, cued)
    assert finding.passage == "You wasted my time and never\nreplied."
    assert text[finding.start : finding.end] == finding.passage
    assert (finding.category_label, finding.why) == ("Confrontational", "It puts them on the defensive.")
    assert finding.alternative == "Thank you for the update."


def test_a_sentence_a_pattern_flagged_is_not_flagged_again(cued: ToneLexicon) -> None:
    [finding] = check_tone("Why did you reject me when you wasted my time and never replied?", cued)
    assert (finding.category, finding.passage) == ("confrontational", "Why did you reject me")


def test_sentence_scores_show_each_sentence_and_its_cues(cued: ToneLexicon) -> None:
    scores = sentence_scores("Thanks. You ignored me and never replied by Friday! Bye.", cued)
    assert scores == [("You ignored me and never replied by Friday!", 6.5, ["deadline", "blame", "never"])]
    assert sentence_scores("Anything", dataclasses.replace(cued, cues=None)) == []


CUE_MISTAKES = [
    (
        "  threshold: 3\n",
        "  threshold: 0\n",
        "threshold: 0",
        "threshold must be above 0, or every sentence is flagged",
    ),
    (
        "  threshold: 3\n",
        "  threshold: three\n",
        "threshold: three",
        "threshold must be a number, such as 1 or -0.5; got 'three'",
    ),
    ("  capitals: 1\n", "  capitals: loud\n", "capitals: loud", "capitals must be a number"),
    (
        "  capitals: 1\n",
        "  capital: 1\n",
        "capital: 1",
        "unknown key 'capital' in cues; did you mean 'capitals'?",
    ),
    (
        "    pressure: I accept the decision.\n",
        "    pressur: I accept the decision.\n",
        "pressur: I accept",
        "unknown category 'pressur' in cues: alternatives; did you mean 'pressure'?",
    ),
    (
        "    pressure: I accept the decision.\n",
        "",
        "category: pressure\n      weight: 2.5",
        "cue 'deadline' names the category 'pressure', which has no line under cues: alternatives",
    ),
    (
        "      weight: 2.5\n",
        "      weight: 0\n",
        "weight: 0",
        "cue 'deadline' has weight 0, so it does nothing",
    ),
    ("      weight: 2.5\n", "      weight: yes\n", "weight: yes", "weight must be a number"),
    (
        "    - id: polite\n      weight: -2\n",
        "    - id: polite\n      category: pressure\n      weight: -2\n",
        "category: pressure\n      weight: -2",
        "cue 'polite' lowers the score, so it cannot name a category",
    ),
    (
        "      category: confrontational\n      weight: 2\n",
        "      category: confrontationl\n      weight: 2\n",
        "category: confrontationl",
        "unknown category 'confrontationl' in cue 'blame'",
    ),
    (
        "    - id: never\n",
        "    - id: blame\n",
        "id: blame\n      weight: 1",
        "duplicate cue id 'blame' (first on line",
    ),
    (
        "        - by friday\n",
        "        - by (friday\n",
        "by (friday",
        "pattern 'by (friday' in cue 'deadline' is not a valid regex",
    ),
    ("        - never\n", "        - '{nevr}'\n", "{nevr}", "names the unknown word set {nevr}"),
    (
        "      weight: 1\n",
        "      weight: 1\n      why: strong\n",
        "why: strong",
        "unknown key 'why' in cue 'never'",
    ),
]


@pytest.mark.parametrize(("old", "new", "marker", "message"), CUE_MISTAKES)
def test_each_cue_mistake_names_file_line_and_what_is_wrong(
    tmp_path: Path, old: str, new: str, marker: str, message: str
) -> None:
    assert CUED.count(old) == 1
    text = CUED.replace(old, new)
    line = text[: text.index(marker)].count("\n") + 1
    problems = problems_in(tmp_path, text)
    where = f"{tmp_path / 'en.yaml'}:{line}: "
    assert any(p.startswith(where) and message in p for p in problems), (line, problems)


def test_the_cued_lexicon_is_valid_and_a_lexicon_without_cues_still_loads(tmp_path: Path) -> None:
    assert problems_in(tmp_path, CUED) == []
    assert load_tone_lexicon(write(tmp_path, MINIMAL)).cues is None


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


def test_cli_exits_1_and_explains_each_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
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
    assert all(set(f) == {"passage", "category", "why", "alternative", "advice"} for f in findings)
    assert {f["category"] for f in findings} == {"sarcastic"}


def test_cli_shows_the_advice_for_suspected_discrimination(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = write(tmp_path, "I think I was turned down because of my age.", "draft.txt")
    code, out, _ = run([str(draft)], capsys)
    assert code == 1
    assert '1. discrimination: "because of my age"' in out
    assert "Instead: An employment-rights adviser" in out and "Try instead" not in out
    code, out, _ = run([str(draft), "--format", "json"], capsys)
    [finding] = json.loads(out)
    assert finding["alternative"] == "" and finding["advice"].startswith("An employment-rights")


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


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.txt"], "cannot read missing.txt: No such file or directory"),
        (["-", "--lang", "xx"], "no tone lexicon for language 'xx'"),
    ],
)
def test_cli_exits_2_with_a_clear_message(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("Thank you."))
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, "")
    assert err.startswith("reconsider-bot tone: ") and message in err
    assert "Traceback" not in err


def test_cli_exits_2_when_the_lexicon_is_broken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
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
        input="Please, please give me one more chance.",
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert {f["category"] for f in json.loads(result.stdout)} == {"desperate"}


def test_cli_explain_prints_each_sentence_score(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = write(
        tmp_path, "Hi Sam,\n\nYour team strung me along and then ghosted me completely.\n\nTom\n", "draft.txt"
    )
    code, out, _ = run([str(draft), "--explain"], capsys)
    assert code == 1
    assert '1. confrontational: "Your team strung me along"' in out
    assert "Cue scores per sentence (flagged from 2.5):" in out
    assert "+2.5 [done_to_me, absolute] Your team strung me along and then ghosted me completely." in out
