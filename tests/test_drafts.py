"""Every draft the guide can hand out, for every path through the questions.

Each path is rendered with no details, with long realistic ones, with every detail at its
maximum length, and with details full of markup and braces; the checks below hold for all
of them. The limits are CONTENT.md's, written out here rather than read from the flow.
Identical drafts are checked once, which keeps the module to a few seconds.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from bot.content.flow_loader import load_guide
from bot.content.tone_lexicon import load_tone_lexicon
from bot.engine.decide import path_answers
from bot.engine.details import normalise
from bot.engine.guide import Guide
from bot.engine.views import Draft

FLOWS = Path(__file__).resolve().parent.parent / "flows"
LANGUAGE = "en"

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
    "commitment": "I can relocate to Lyon by March and start on any date that suits the team",
    "fact": "I already hold an EU work permit, so no visa sponsorship would be needed",
}

# Markup and template syntax reach the draft as typed: never escaped, never filled in.
TRICKY_DETAILS = {
    "your_name": "Zoë O'Brien <b>&\"'",
    "recipient_name": "*Sam* _Lee_ <i>",
    "company": "{role} & Sons <b>",
    "role": "Lead [designer](x) <u>",
    "strength": "a knack for `code` & <script> {company}",
    "topic": 'the roadmap & "Q3" <goals>',
    "material": "a *sample* <report> & more",
    "gap": "{gap} experience & <b>budgets</b>",
    "contact_name": "Ana & 'Bo'",
    "commitment": "I can start on 1 <March> & {stay}",
    "fact": "I hold a {permit} & <visa>",
}

WORDS = ("steady", "careful", "practical", "reliable", "thoughtful", "patient", "curious", "focused")
FIRST_WORDS = (
    "amber",
    "birch",
    "cedar",
    "delta",
    "ember",
    "fjord",
    "grove",
    "harbor",
    "island",
    "juniper",
    "kestrel",
    "linden",
    "meadow",
)


@cache
def guide() -> Guide:
    return load_guide(FLOWS)


def at_max_length() -> dict[str, str]:
    """Every detail filled to its limit with ordinary words (a name too: a long one)."""
    found = {}
    for index, spec in enumerate(guide().flow.details):
        text = FIRST_WORDS[index % len(FIRST_WORDS)]
        for word in itertools.cycle(WORDS):
            if len(text) + len(word) + 1 > spec.max_length:
                break
            text = f"{text} {word}".strip()
        found[spec.id] = text.capitalize()
    return found


def detail_sets() -> dict[str, Mapping[str, str]]:
    return {"none": {}, "long": LONG_DETAILS, "max": at_max_length(), "tricky": TRICKY_DETAILS}


@dataclass(frozen=True)
class Case:
    approach: str
    detail_set: str
    draft: Draft
    answers: tuple[tuple[str, str], ...]  # one example that produced this draft

    def __str__(self) -> str:
        return f"{self.approach} ({self.detail_set} details) for {dict(self.answers)}\n{self.draft.body}"


def all_paths() -> Iterator[dict[str, str]]:
    """Each distinct path through the questions once (answers off the path do not count)."""
    flow = guide().flow
    seen: set[tuple[tuple[str, str], ...]] = set()
    for values in itertools.product(*(question.options for question in flow.questions)):
        answers = dict(zip((question.id for question in flow.questions), values, strict=True))
        path = tuple(path_answers(flow, answers).items())
        if path not in seen:
            seen.add(path)
            yield dict(path)


@cache
def cases() -> tuple[Case, ...]:
    found: dict[tuple[str, str, Draft], Case] = {}
    for answers in all_paths():
        for set_name, details in detail_sets().items():
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
    values = [normalise(key, value) for key, value in detail_sets()[case.detail_set].items()]
    for value in sorted(values, key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    return text


def report(bad: list[str]) -> str:
    return f"{len(bad)} failing, first:\n" + "\n\n".join(bad[:5])


def test_every_approach_with_a_draft_is_reached() -> None:
    approaches = {case.approach for case in cases()}
    with_channel = {a.id for a in guide().flow.approaches.values() if a.channel}
    assert approaches == with_channel


# ---- lengths (CONTENT.md v2) ----------------------------------------------------------------


def expected_limit(case: Case) -> tuple[int, int, int | None]:
    """(min words, max words, max characters) per CONTENT.md's "Lengths"."""
    answers = dict(case.answers)
    if case.approach == "wait_and_connect":
        return 1, 10_000, 200
    if case.approach in ("ask_introduction", "thank_panel"):
        return 1, 60, None
    if case.approach == "thank_and_stay_in_touch" and answers.get("goal") == "close":
        return 1, 60, None
    return 80, 150, None


def test_lengths_over_every_path_even_with_every_detail_at_its_maximum() -> None:
    bad = []
    for case in cases():
        low, high, chars = expected_limit(case)
        words = case.draft.words
        if not low <= words <= high or (chars is not None and len(case.draft.body) > chars):
            bad.append(f"{words} words, {len(case.draft.body)} characters: {case}")
    assert not bad, report(bad)


def test_a_detail_is_used_whole_or_not_at_all() -> None:
    """Fitting a limit picks shorter sentences; it never cuts a detail (or a word) short."""
    maximal = {key: normalise(key, value) for key, value in at_max_length().items()}
    bad = []
    for case in cases():
        if case.detail_set != "max":
            continue
        for text in texts(case):
            for value in maximal.values():
                if value[:25] in text and value not in text:
                    bad.append(f"{value[:25]!r} cut short in {case}")
    assert not bad, report(bad)


# ---- placement -------------------------------------------------------------------------------

PLACEMENT_CHANNEL = {
    "reply_in_thread": "email",
    "new_email": "email",
    "own_thread": "email",
    "linkedin_note": "linkedin",
    "contact_message": "message",
}


def test_only_a_new_conversation_has_a_subject_and_every_draft_says_where_it_goes() -> None:
    bad = []
    for case in cases():
        draft = case.draft
        if draft.placement not in PLACEMENT_CHANNEL or PLACEMENT_CHANNEL[draft.placement] != draft.channel:
            bad.append(f"placement {draft.placement!r}: {case}")
        if (draft.subject is not None) != (draft.placement == "new_email"):
            bad.append(f"subject {draft.subject!r} with {draft.placement}: {case}")
        if draft.subject is not None and len(draft.subject) > 100 and case.detail_set != "max":
            bad.append(f"a long subject: {case}")
        if not draft.label:
            bad.append(f"no label: {case}")
    assert not bad, report(bad)


def test_placements_fit_the_situation() -> None:
    for case in cases():
        answers = dict(case.answers)
        placement = case.draft.placement
        if case.approach in ("ask_introduction", "thank_panel"):
            assert placement == "contact_message", case
        elif case.approach == "wait_and_connect":
            assert placement == "linkedin_note", case
        elif case.approach == "reapply_reposted":
            assert placement == "new_email", case
        elif case.approach == "follow_up_nudge":
            assert placement == "own_thread", case
        elif answers.get("time_since") in ("recent", "weeks"):
            assert placement == "reply_in_thread", case


# ---- wording ---------------------------------------------------------------------------------


def test_no_template_syntax_leaks() -> None:
    bad = [
        str(case)
        for case in cases()
        for text in texts(case)
        if re.search(r"[{}]", without_user_values(text, case))
    ]
    assert not bad, report(bad)


def test_at_most_one_question_and_never_why() -> None:
    bad = []
    for case in cases():
        ours = without_user_values(case.draft.body, case)
        if ours.count("?") > 1 or re.search(r"\bwhy\b", ours, re.IGNORECASE):
            bad.append(str(case))
    assert not bad, report(bad)


TYPOGRAPHY = [
    (re.compile(r"(Dear|Hi) ,"), "an empty name"),
    (re.compile(r"  "), "a double space"),
    (re.compile(r" [,.;:?!]"), "a space before punctuation"),
    (re.compile(r"[,;:]\s*[,.;:]|\.\.(?!\.)"), "doubled punctuation"),
    (re.compile(r"[ \t]\n|\n[ \t]"), "a space at a line edge"),
    (re.compile(r"\n\n\n"), "an empty paragraph"),
    (re.compile(r"!!"), "a double exclamation mark"),
    (re.compile(r"\bthe (a|an|the) ", re.IGNORECASE), "an article clash"),
    (re.compile(r"\b(\w+) \1\b", re.IGNORECASE), "a doubled word"),
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
                    bad.append(f"{what} in {case}")
    assert not bad, report(bad)


def test_a_skipped_name_reads_naturally_and_a_given_one_sets_the_salutation() -> None:
    for case in cases():
        first_line = case.draft.body.split("\n", 1)[0]
        assert first_line.endswith(","), case
        if case.detail_set == "none":
            assert first_line in {"Hello,", "Hi,"}, case
        if case.detail_set == "long" and case.approach not in ("ask_introduction", "thank_panel"):
            assert first_line in {"Dear Priya Raman-Whitfield,", "Hello,"}, case


def test_details_reach_the_draft_normalised_but_otherwise_as_typed() -> None:
    """Every detail the engine asks for shows up (normalised), markup and braces untouched;
    only a draft at its length limit may leave one out, and never a commitment or a fact."""
    seen: set[str] = set()
    for answers in all_paths():
        plan = guide().plan_for(answers, TRICKY_DETAILS, LANGUAGE)
        rendered = "\n".join(f"{draft.subject or ''}\n{draft.body}" for _action, draft in plan.drafts)
        tight = any(
            draft.words >= 50
            and draft.channel == "message"
            or draft.words >= 125
            or draft.channel == "linkedin"
            for _action, draft in plan.drafts
        )
        session = guide().new_session()
        session.answers = dict(answers)
        for detail in guide().needed_details(session):
            if normalise(detail, TRICKY_DETAILS[detail]) in rendered:
                seen.add(detail)
            else:
                assert tight and detail not in ("commitment", "fact"), (detail, answers, rendered)
    assert seen == {spec.id for spec in guide().flow.details}


def test_literal_braces_in_a_detail_stay_literal() -> None:
    rendered = [case for case in cases() if case.detail_set == "tricky"]
    assert any("{role} & Sons <b>" in case.draft.body for case in rendered)
    assert any("{gap} experience & <b>budgets</b>" in case.draft.body for case in rendered)
    for case in rendered:
        assert "Lead [designer](x) <u> & Sons" not in case.draft.body, case


def test_the_tone_checker_finds_nothing() -> None:
    from bot.engine.tone import check_tone

    lexicon = load_tone_lexicon(FLOWS / "tone" / f"{LANGUAGE}.yaml")
    bad = [
        f"{finding.category}: {finding.passage!r} in {case}"
        for case in cases()
        if case.detail_set in ("none", "long")
        for text in texts(case)
        for finding in check_tone(text, lexicon)
    ]
    assert not bad, report(bad)


# ---- no words put in the person's mouth ------------------------------------------------------

CLAIMS = re.compile(
    r"first choice|relocat|start date|other offers?|fully commit|ready to commit|dream job|"
    r"perfect fit|best candidate|clearer picture|working on it since|i have improved|"
    r"already (?:hold|have)|sponsor|visa|permit",
    re.IGNORECASE,
)


def test_no_draft_claims_what_the_person_did_not_type() -> None:
    """Commitments and corrections come only from `commitment` and `fact`."""
    bad = []
    for case in cases():
        if case.detail_set == "tricky":
            continue
        details = detail_sets()[case.detail_set]
        ours = case.draft.body
        for key in ("commitment", "fact"):
            if key in details:
                ours = ours.replace(normalise(key, details[key]), " ")
        if CLAIMS.search(ours):
            bad.append(f"{CLAIMS.search(ours)!r} in {case}")
    assert not bad, report(bad)


def test_the_commitment_sentence_drops_when_skipped_and_is_theirs_when_given() -> None:
    motivation = [
        a
        for a in all_paths()
        if a.get("feedback") == "motivation"
        and a.get("time_since") in ("recent", "weeks")
        and a.get("goal") == "this_role"
        and a.get("role_status") != "filled"
    ]
    assert motivation
    for answers in motivation:
        given = guide().plan_for(answers, {"commitment": "I can move to Lyon by March."}, LANGUAGE)
        skipped = guide().plan_for(answers, {}, LANGUAGE)
        assert "I can move to Lyon by March." in given.drafts[0][1].body, answers
        assert "Lyon" not in skipped.drafts[0][1].body
        assert "plainly" not in skipped.drafts[0][1].body  # no lead-in to a missing sentence


# ---- what each approach must (not) say -------------------------------------------------------


def plans_where(**conditions: tuple[str, ...]) -> Iterator[tuple[dict[str, str], list[tuple[str, Draft]]]]:
    for answers in all_paths():
        if all(answers.get(key) in values for key, values in conditions.items()):
            plan = guide().plan_for(answers, {}, LANGUAGE)
            yield answers, [(action.approach, draft) for action, draft in plan.drafts]


def test_no_more_feedback_is_asked_for_once_given_and_the_email_thanks_for_it() -> None:
    for answers, drafts in plans_where(feedback=("fixable", "subjective")):
        for _approach, draft in drafts:
            assert "stronger candidate" not in draft.body, answers
        emails = [draft for _approach, draft in drafts if draft.channel == "email"]
        assert not emails or any("feedback" in draft.body for draft in emails), answers


def test_the_shortest_thank_you_for_goal_close() -> None:
    for answers, drafts in plans_where(goal=("close",), stage=("screen", "interview", "final")):
        if answers["feedback"] == "discrimination":
            continue
        approaches = [approach for approach, _draft in drafts]
        assert approaches[0] == "thank_and_stay_in_touch", answers
        assert set(approaches) <= {"thank_and_stay_in_touch", "thank_panel"}, answers
        body = drafts[0][1].body
        assert len(body.split()) <= 60 and "?" not in body, answers


def test_contact_notes_never_lobby_and_pass_interest_along_only_when_it_fits() -> None:
    bad = []
    for case in cases():
        if case.approach not in ("ask_introduction", "thank_panel"):
            continue
        answers = dict(case.answers)
        body = case.draft.body.lower()
        passes_along = "let the team know" in body
        should = (
            case.approach == "ask_introduction"
            and answers["contact"] == "strong"
            and answers.get("goal") == "this_role"
            and answers["stage"] != "automated"
            and answers.get("role_status") != "filled"
            and answers.get("feedback") != "subjective"
        )
        if passes_along != should:
            bad.append(f"pass-along={passes_along}: {case}")
        if case.approach == "thank_panel" and "?" in body:
            bad.append(f"a panel contact is asked something: {case}")
        if case.approach == "ask_introduction" and "no pressure" not in body:
            bad.append(f"no easy way out: {case}")
        for lobbying in ("good word", "change their mind", "convince", "find out why", "reconsider"):
            if lobbying in body:
                bad.append(f"{lobbying!r}: {case}")
        if answers["stage"] == "automated" and "when i apply again" not in body:
            bad.append(f"an automated no, yet not about the next application: {case}")
    assert not bad, report(bad)


def test_the_nudge_resurfaces_and_never_asks_again() -> None:
    for case in cases():
        if case.approach != "follow_up_nudge":
            continue
        body = case.draft.body.lower()
        assert "buried" in body and "won't follow up again" in body, case
        for again in ("once more", "reconsider", "keep me in mind", "considering me again"):
            assert again not in body, case


def test_clarify_fact_states_the_fact_once_without_asking_to_reverse() -> None:
    for answers, _drafts in plans_where(feedback=("misunderstanding",)):
        plan = guide().plan_for(answers, {"fact": "I already hold an EU work permit."}, LANGUAGE)
        if plan.primary != "clarify_fact":
            continue
        body = plan.drafts[0][1].body
        assert body.count("I already hold an EU work permit.") == 1
        assert "in case it changes the picture" in body
        assert "I respect your decision" in body and "reconsider" not in body.lower()


def test_material_and_topic_are_named_where_they_matter() -> None:
    details = {"material": "a sample onboarding plan", "topic": "the mobile roadmap"}
    for answers, _drafts in plans_where(new_material=("targeted",)):
        plan = guide().plan_for(answers, details, LANGUAGE)
        for action, draft in plan.drafts:
            if action.approach in ("reconsider_letter", "reapply_reposted", "offer_materials"):
                assert "a sample onboarding plan" in draft.body, (answers, action.approach)
    for answers, _drafts in plans_where(
        stage=("interview", "final"), feedback=("none", "vague"), time_since=("recent", "weeks")
    ):
        plan = guide().plan_for(answers, details, LANGUAGE)
        for action, draft in plan.drafts:
            thanks = action.approach in ("request_feedback", "thank_and_stay_in_touch")
            if thanks and answers["goal"] != "close":
                assert "the mobile roadmap" in draft.body, (answers, action.approach)


def test_strength_is_stated_not_defended() -> None:
    for case in cases():
        assert "has not changed" not in case.draft.body, case


def test_option_labels_fit_a_button() -> None:
    catalog = guide().catalog(LANGUAGE)
    for question in guide().flow.questions:
        for value in question.options:
            label = catalog.text(f"questions.{question.id}.options.{value}")
            assert len(label) <= 40, (question.id, value, label)


# ---- messy details ---------------------------------------------------------------------------

MESSY = [
    # (detail, typed, how it reads mid-sentence)
    ("role", "Senior Product Designer.", "Senior Product Designer"),
    ("role", "a Senior Product Designer", "Senior Product Designer"),
    ("role", "the Cloud Engineer role", "Cloud Engineer"),
    ("role", "Cloud Engineer Role..", "Cloud Engineer"),
    ("role", "SENIOR UX DESIGNER", "Senior UX Designer"),
    ("role", "HEAD OF PRODUCT", "Head of Product"),
    ("company", "IBM", "IBM"),
    ("company", "ACME LOGISTICS GROUP", "Acme Logistics Group"),
    ("company", "Smith & Sons <b>Ltd</b>", "Smith & Sons <b>Ltd</b>"),
    ("company", "{role} Corp", "{role} Corp"),
    ("strength", "Five years of leading support teams.", "five years of leading support teams"),
    ("strength", "AWS certification and 40% faster releases..", "AWS certification and 40% faster releases"),
    ("strength", "I led three launches", "I led three launches"),
    ("strength", "Python and Go", "Python and Go"),
    ("gap", "MY LIMITED EXPERIENCE WITH BUDGETS", "my limited experience with budgets"),
    ("topic", "  your   plans for the app 🙂 ", "your plans for the app"),
    ("topic", "שלום עולם", "\u2068שלום עולם\u2069"),
    ("your_name", "ZOË O'BRIEN-SMITH", "Zoë O'Brien-Smith"),
    ("your_name", "maya patel", "Maya Patel"),
    ("recipient_name", "McKenzie", "McKenzie"),
    ("commitment", "i can relocate to Lyon by March.", "I can relocate to Lyon by March"),
    ("fact", "I already hold an EU work permit!!", "I already hold an EU work permit"),
]


@pytest.mark.parametrize(("detail", "typed", "reads"), MESSY)
def test_messy_details_read_naturally(detail: str, typed: str, reads: str) -> None:
    assert normalise(detail, typed) == reads


@pytest.mark.parametrize(
    ("typed", "salutation"),
    [
        ("Sam", "Hi Sam,"),
        ("sam", "Hi Sam,"),
        ("Ms Rivera", "Dear Ms Rivera,"),
        ("Dr. Rivera", "Dear Dr. Rivera,"),
        ("Sam Rivera", "Dear Sam Rivera,"),
        ("  Sam. ", "Hi Sam,"),
    ],
)
def test_the_salutation_follows_what_was_typed(typed: str, salutation: str) -> None:
    answers = {
        "stage": "interview",
        "role_status": "unknown",
        "time_since": "recent",
        "feedback": "none",
        "new_material": "none",
        "contact": "none",
        "goal": "learn",
    }
    plan = guide().plan_for(answers, {"recipient_name": typed}, LANGUAGE)
    assert plan.drafts[0][1].body.startswith(salutation + "\n")


def test_messy_details_in_a_whole_draft() -> None:
    answers = {
        "stage": "final",
        "role_status": "open",
        "time_since": "recent",
        "feedback": "none",
        "new_material": "targeted",
        "contact": "none",
        "goal": "this_role",
    }
    typed = {
        "role": "the Cloud Engineer role.",
        "company": "ACME CLOUD SERVICES",
        "material": "A 40%.. faster deploy pipeline 🙂",
        "strength": "Five years of SRE work.",
    }
    body = guide().plan_for(answers, typed, LANGUAGE).drafts[0][1].body
    assert "the Cloud Engineer role." in body
    assert "Acme Cloud Services" in body
    assert "a 40%. faster deploy pipeline, which" in body
    assert "bring five years of SRE work to the team" in body
    assert "🙂" not in body and ".." not in body and "role role" not in body
