"""Every draft the guide can hand out, for every combination of the seven answers.

Each combination is rendered with long, realistic details, with none at all, and with
details full of markup and braces; the checks below hold for all of them. Identical
drafts are checked once, which keeps the whole module to a few seconds.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.content.flow_loader import load_guide
from bot.content.tone_lexicon import load_tone_lexicon
from bot.engine.contract import QUESTIONS
from bot.engine.decide import decide
from bot.engine.drafts import details_used
from bot.engine.guide import Guide
from bot.engine.views import Draft

FLOWS = Path(__file__).resolve().parent.parent / "flows"
LANGUAGE = "en"

# Long but plausible answers: these set the upper bound of every word count.
LONG_DETAILS = {
    "your_name": "Alexandra Montgomery",
    "recipient_name": "Priya Raman-Whitfield",
    "company": "Northwind Logistics International",
    "role": "Senior Customer Experience Manager",
    "strength": "eight years of building and leading multilingual customer support teams "
    "across three continents and four time zones",
    "topic": "your plans to rebuild the onboarding flow for enterprise customers in the new "
    "mobile app next year",
    "material": "a detailed case study of a budget and staffing plan I built for a "
    "forty-person support organisation",
    "gap": "my limited hands-on experience with managing departmental budgets above one million dollars",
    "contact_name": "Jonathan",
}

# Markup, quotes, emoji and template syntax must reach the draft exactly as typed.
TRICKY_DETAILS = {
    "your_name": "Zoë O'Brien <b>&\"' 🙂",
    "recipient_name": "*Sam* _Lee_ <i>",
    "company": "{role} & Sons <b>",
    "role": "Lead [designer](x) 🙂",
    "strength": "a knack for `code` & <script> {company}",
    "topic": 'the 🙂 roadmap & "Q3" <goals>',
    "material": "a *sample* <report> & more",
    "gap": "{gap} experience & <b>budgets</b>",
    "contact_name": "Ana & 'Bo' 🙂",
}

DETAIL_SETS: dict[str, Mapping[str, str]] = {
    "long": LONG_DETAILS,
    "none": {},
    "tricky": TRICKY_DETAILS,
}


@dataclass(frozen=True)
class Case:
    approach: str
    detail_set: str
    draft: Draft
    answers: tuple[tuple[str, str], ...]  # one example that produced this draft

    def __str__(self) -> str:
        return f"{self.approach} ({self.detail_set} details) for {dict(self.answers)}"


@cache
def guide() -> Guide:
    return load_guide(FLOWS)


def all_answers() -> Iterator[dict[str, str]]:
    for values in itertools.product(*QUESTIONS.values()):
        yield dict(zip(QUESTIONS, values, strict=True))


@cache
def cases() -> tuple[Case, ...]:
    """Each distinct rendered draft once, with an example of answers that produce it."""
    found: dict[tuple[str, str, Draft], Case] = {}
    for answers in all_answers():
        for set_name, details in DETAIL_SETS.items():
            plan = guide().plan_for(answers, details, LANGUAGE)
            for action, draft in plan.drafts:
                key = (action.approach, set_name, draft)
                if key not in found:
                    found[key] = Case(action.approach, set_name, draft, tuple(answers.items()))
    return tuple(found.values())


def texts(case: Case) -> list[str]:
    return [case.draft.body] + ([case.draft.subject] if case.draft.subject else [])


def without_user_values(text: str, case: Case) -> str:
    """The text with the person's own details cut out: what remains is ours."""
    for value in sorted(DETAIL_SETS[case.detail_set].values(), key=len, reverse=True):
        text = text.replace(value, " ")
    return text


def failures(check: object) -> list[str]:
    return [str(case) for case in cases() if not check(case)]  # type: ignore[operator]


def test_every_combination_yields_drafts() -> None:
    approaches = {case.approach for case in cases()}
    with_channel = {a.id for a in guide().flow.approaches.values() if a.channel}
    assert approaches == with_channel


def test_word_counts_within_the_limits_of_the_channel() -> None:
    limits = guide().flow.limits

    def within(case: Case) -> bool:
        limit = limits[case.draft.channel]
        return limit.min_words <= case.draft.words <= limit.max_words

    bad = [f"{case.draft.words} words: {case}" for case in cases() if not within(case)]
    assert not bad, "\n".join(bad[:20])


def test_emails_have_a_subject_and_messages_none() -> None:
    def ok(case: Case) -> bool:
        subject = case.draft.subject
        if case.draft.channel == "email":
            return bool(subject and subject.strip())
        return subject is None

    bad = failures(ok)
    assert not bad, "\n".join(bad[:20])


def test_no_template_syntax_leaks() -> None:
    bad = [
        str(case)
        for case in cases()
        for text in texts(case)
        if re.search(r"[{}]", without_user_values(text, case))
    ]
    assert not bad, "\n".join(bad[:20])


def test_at_most_one_question_and_no_why() -> None:
    def ok(case: Case) -> bool:
        ours = without_user_values(case.draft.body, case)
        return ours.count("?") <= 1 and not re.search(r"\bwhy\b", ours, re.IGNORECASE)

    bad = failures(ok)
    assert not bad, "\n".join(bad[:20])


TYPOGRAPHY = [
    (re.compile(r"(Dear|Hi) ,"), "an empty name"),
    (re.compile(r"  "), "a double space"),
    (re.compile(r" [,.;:?!]"), "a space before punctuation"),
    (re.compile(r"[,;:]\s*[,.;:]|\.\.(?!\.)"), "doubled punctuation"),
    (re.compile(r"[ \t]\n|\n[ \t]"), "a space at a line edge"),
    (re.compile(r"\n\n\n"), "an empty paragraph"),
    (re.compile(r"!!"), "a double exclamation mark"),
]


def test_typography() -> None:
    bad = []
    for case in cases():
        if case.detail_set == "tricky":  # the person's own punctuation is theirs
            continue
        for text in texts(case):
            if text != text.strip():
                bad.append(f"surrounding whitespace in {case}")
            for pattern, what in TYPOGRAPHY:
                if pattern.search(text):
                    bad.append(f"{what} in {case}:\n{text}")
    assert not bad, "\n".join(bad[:10])


def test_a_skipped_name_reads_naturally() -> None:
    for case in cases():
        first_line = case.draft.body.split("\n", 1)[0]
        assert first_line.endswith(","), case
        if case.detail_set == "none":
            assert first_line in {"Hello,", "Hi,"}, case


def test_details_reach_the_draft_verbatim() -> None:
    """Every detail the engine would ask for shows up exactly as typed, braces and all."""
    flow = guide().flow
    catalog = guide().catalog(LANGUAGE)
    for answers in all_answers():
        decision = decide(flow, answers)
        asked: set[str] = set()
        for approach in decision.approaches:
            template = catalog.drafts.get(approach)
            if template is not None and flow.approaches[approach].channel:
                asked |= details_used(template, decision.facts)
        if not asked:
            continue
        plan = guide().plan_for(answers, TRICKY_DETAILS, LANGUAGE)
        rendered = "\n".join(f"{draft.subject or ''}\n{draft.body}" for _action, draft in plan.drafts)
        for detail in asked:
            assert TRICKY_DETAILS[detail] in rendered, (detail, answers)


def test_literal_braces_in_a_detail_stay_literal() -> None:
    rendered = [case for case in cases() if case.detail_set == "tricky"]
    assert any("{role} & Sons <b>" in case.draft.body for case in rendered)
    assert any("{gap} experience & <b>budgets</b>" in case.draft.body for case in rendered)
    for case in rendered:
        # A "{role}" typed inside the company name is never filled in with the role.
        assert "Lead [designer](x) 🙂 & Sons" not in case.draft.body, case


def test_the_tone_checker_finds_nothing() -> None:
    path = FLOWS / "tone" / f"{LANGUAGE}.yaml"
    assert path.exists(), "the tone lexicon ships with the flows"
    from bot.engine.tone import check_tone

    lexicon = load_tone_lexicon(path)
    bad = [
        f"{finding.category}: {finding.passage!r} in {case}"
        for case in cases()
        if case.detail_set != "tricky"
        for text in texts(case)
        for finding in check_tone(text, lexicon)
    ]
    assert not bad, "\n".join(bad[:20])


# ---- what each approach must (not) say, per ../shared/CONTENT.md ------------------------------


def plans_where(**conditions: tuple[str, ...]) -> Iterator[tuple[dict[str, str], list[Draft]]]:
    for answers in all_answers():
        if all(answers[key] in values for key, values in conditions.items()):
            plan = guide().plan_for(answers, {}, LANGUAGE)
            yield answers, [draft for _action, draft in plan.drafts]


def test_no_more_feedback_is_asked_for_once_given() -> None:
    given = plans_where(feedback=("fixable", "subjective"), stage=("screen", "interview", "final"))
    for answers, drafts in given:
        for draft in drafts:
            assert "stronger candidate" not in draft.body, answers
        # With no separate thank-you note, the primary email thanks them for the feedback.
        emails = [draft for draft in drafts if draft.channel == "email"]
        assert any("feedback" in draft.body for draft in emails), answers


def test_contacts_are_never_asked_to_lobby() -> None:
    for case in cases():
        if case.approach != "ask_introduction":
            continue
        answers = dict(case.answers)
        body = case.draft.body
        assert "No worries at all" in body, case
        if answers["contact"] == "weak" or answers["role_status"] == "filled":
            assert "pass along" not in body, case
        for lobbying in ("good word", "change their mind", "convince", "find out"):
            assert lobbying not in body.lower(), case


def test_motivation_doubts_are_answered_with_commitment() -> None:
    for answers, drafts in plans_where(
        feedback=("motivation",), stage=("interview", "final"), time_since=("recent", "weeks")
    ):
        if answers["role_status"] == "filled":
            continue
        assert any("first choice" in draft.body for draft in drafts), answers


def test_a_connection_note_fits_linkedin() -> None:
    """LinkedIn caps a connection note at 300 characters."""
    for case in cases():
        if case.approach == "wait_and_connect" and case.detail_set != "tricky":
            assert len(case.draft.body) <= 300, case


def test_option_labels_fit_a_button() -> None:
    catalog = guide().catalog(LANGUAGE)
    for question in guide().flow.questions:
        for value in question.options:
            label = catalog.text(f"questions.{question.id}.options.{value}")
            assert len(label) <= 40, (question.id, value, label)
