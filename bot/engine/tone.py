"""Tone check for the user's own draft: flags passages that can backfire and suggests gentler lines.

Pure and synchronous. The lexicon arrives as plain values (loaded and validated by
`bot.content.tone_lexicon`); this module never blocks or rewrites a draft, it only reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

# Form checks are implemented here; the lexicon supplies their wording and limits.
TOO_LONG = "too_long"
SEVERAL_QUESTIONS = "several_questions"
ALL_CAPS = "all_caps"
EXCLAMATIONS = "exclamations"
FORM_CHECK_IDS = (TOO_LONG, SEVERAL_QUESTIONS, ALL_CAPS, EXCLAMATIONS)

COUNT_PLACEHOLDER = "{count}"


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a lexicon pattern: case-insensitive, matching whole words only.

    The pattern is compiled on its own first, so that something like "a)|(b" is reported
    as the broken regex it is instead of being balanced by the word-boundary wrapper.
    Raises `re.error`.
    """
    re.compile(pattern, re.IGNORECASE)
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class ToneEntry:
    """One meaning to flag (several regex variants of it) and the gentler line to offer."""

    id: str
    patterns: tuple[str, ...]
    alternative: str
    compiled: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Compiled once here: the bot checks many drafts against one lexicon.
        object.__setattr__(self, "compiled", tuple(compile_pattern(p) for p in self.patterns))


@dataclass(frozen=True)
class ToneCategory:
    """A kind of passage that can backfire, e.g. "confrontational", with why it can."""

    id: str
    label: str
    why: str
    entries: tuple[ToneEntry, ...]


@dataclass(frozen=True)
class FormCheck:
    """Wording and limits for one of the form checks in `FORM_CHECK_IDS`.

    `limit` is the most words (too_long) or questions (several_questions) that pass;
    `note` describes the problem with a `{count}` placeholder; `allow` lists capitalised
    words that are not shouting (acronyms such as NASA).
    """

    id: str
    label: str
    why: str
    alternative: str
    limit: int = 0
    note: str = ""
    allow: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ToneLexicon:
    language: str
    version: int
    categories: tuple[ToneCategory, ...]
    form_checks: tuple[FormCheck, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One flagged passage, or one form note.

    For phrases, `passage` is `text[start:end]`. For form notes it is the offending bits
    (shouted words, "!!") or a short description ("240 words"), and start/end cover the
    region concerned.
    """

    passage: str
    category: str
    category_label: str
    why: str
    alternative: str
    start: int
    end: int


def check_tone(text: str, lexicon: ToneLexicon) -> list[Finding]:
    """Return the findings for `text`, ordered by position; an empty list means clean."""
    normalised, offsets = _normalise(text)
    findings = [
        *_phrase_findings(text, normalised, offsets, lexicon.categories),
        *_form_findings(text, lexicon.form_checks),
    ]
    return sorted(findings, key=lambda f: (f.start, f.end))


# --- phrases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    rank: int  # lexicon order, to break ties between equally long matches
    category: ToneCategory
    entry: ToneEntry


def _normalise(text: str) -> tuple[str, list[int]]:
    """Collapse whitespace and straighten quotes so patterns need not care.

    Returns the normalised text and, for each of its characters (plus one past the end),
    the index of the original character, so findings point into the user's own text.
    """
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        if char.isspace():
            if chars and chars[-1] == " ":
                continue
            char = " "
        elif char in "\u2018\u2019\u02bc":
            char = "'"
        elif char in "\u201c\u201d":
            char = '"'
        chars.append(char)
        offsets.append(index)
    offsets.append(len(text))
    return "".join(chars), offsets


def _phrase_matches(normalised: str, categories: Iterable[ToneCategory]) -> Iterator[_Match]:
    rank = 0
    for category in categories:
        for entry in category.entries:
            for pattern in entry.compiled:
                for match in pattern.finditer(normalised):
                    if match.end() > match.start():
                        yield _Match(match.start(), match.end(), rank, category, entry)
            rank += 1


def _phrase_findings(
    text: str, normalised: str, offsets: list[int], categories: Iterable[ToneCategory]
) -> Iterator[Finding]:
    """One finding per passage: overlapping matches are merged into their union.

    The longest match in a merged group names the category (the most specific reading
    wins); on a tie, the entry listed first in the lexicon.
    """
    matches = sorted(
        _phrase_matches(normalised, categories),
        key=lambda m: (m.start, -(m.end - m.start), m.rank),
    )
    group: list[_Match] = []
    group_end = -1
    for match in matches:
        if match.start < group_end:
            group.append(match)
            group_end = max(group_end, match.end)
            continue
        if group:
            yield _merge(text, offsets, group)
        group = [match]
        group_end = match.end
    if group:
        yield _merge(text, offsets, group)


def _merge(text: str, offsets: list[int], group: list[_Match]) -> Finding:
    best = min(group, key=lambda m: (-(m.end - m.start), m.rank))
    start = offsets[group[0].start]
    end = offsets[max(m.end for m in group) - 1] + 1
    return Finding(
        passage=text[start:end],
        category=best.category.id,
        category_label=best.category.label,
        why=best.category.why,
        alternative=best.entry.alternative,
        start=start,
        end=end,
    )


# --- form ----------------------------------------------------------------------------------

_WORD = re.compile(r"\S*[^\W_]\S*")
_QUESTION = re.compile(r"\?+")
# Two or more "!" in one run of ! and ?, with the word they end: "now!!", "really?!!".
_EXCLAMATION = re.compile(r"\w*(?:[!?]*![!?]*){2,}")
# Capitalised words: two or more capitals (an apostrophe-s allowed), or a lone "I".
_CAPS_WORD = re.compile(r"\b(?:[A-Z]{2,}(?:'S)?|I)\b")
_VOWELS = frozenset("AEIOU")
_MIN_SHOUTED_WORD = 4  # a single capitalised word shorter than this reads as an acronym
_MIN_SHOUTED_PHRASE = 5  # letters in a phrase of capitalised words before it reads as shouting


def _form_findings(text: str, checks: Iterable[FormCheck]) -> Iterator[Finding]:
    for check in checks:
        finding = _FORM_RULES[check.id](text, check)
        if finding is not None:
            yield finding


def _form_finding(check: FormCheck, passage: str, start: int, end: int) -> Finding:
    return Finding(
        passage=passage,
        category=check.id,
        category_label=check.label,
        why=check.why,
        alternative=check.alternative,
        start=start,
        end=end,
    )


def _note(check: FormCheck, count: int) -> str:
    return check.note.replace(COUNT_PLACEHOLDER, str(count))


def _too_long(text: str, check: FormCheck) -> Finding | None:
    words = list(_WORD.finditer(text))
    if len(words) <= check.limit:
        return None
    return _form_finding(check, _note(check, len(words)), words[check.limit].start(), len(text))


def _several_questions(text: str, check: FormCheck) -> Finding | None:
    marks = list(_QUESTION.finditer(text))
    if len(marks) <= check.limit:
        return None
    return _form_finding(check, _note(check, len(marks)), marks[check.limit].start(), marks[-1].end())


def _exclamations(text: str, check: FormCheck) -> Finding | None:
    return _grouped(check, [(m.start(), m.end()) for m in _EXCLAMATION.finditer(text)], text)


def _all_caps(text: str, check: FormCheck) -> Finding | None:
    """Shouting: a phrase in capitals, or capitalised words used for emphasis.

    A lone capitalised word is often a name (IKEA) or an acronym, so single words count
    only when two different ones appear; a phrase of capitalised words always counts.
    """
    allowed = {word.upper() for word in check.allow}
    runs: list[list[re.Match[str]]] = []
    for match in _CAPS_WORD.finditer(text):
        if _strip_possessive(match.group()) in allowed:
            continue
        previous = runs[-1][-1] if runs else None
        if previous is not None and text[previous.end() : match.start()].isspace():
            runs[-1].append(match)
        else:
            runs.append([match])
    phrases = [run for run in runs if _is_shouted_phrase(run)]
    words = [run for run in runs if run not in phrases and _is_emphasis(run)]
    if len({_strip_possessive(run[0].group()) for run in words}) < 2:
        words = []
    shouted = sorted((run[0].start(), run[-1].end()) for run in [*phrases, *words])
    return _grouped(check, shouted, text)


def _strip_possessive(word: str) -> str:
    return word[:-2] if word.endswith("'S") else word


def _is_shouted_phrase(run: list[re.Match[str]]) -> bool:
    words = [_strip_possessive(m.group()) for m in run if len(m.group()) > 1]
    return len(words) >= 2 and sum(len(word) for word in words) >= _MIN_SHOUTED_PHRASE


def _is_emphasis(run: list[re.Match[str]]) -> bool:
    words = [_strip_possessive(m.group()) for m in run if len(m.group()) > 1]
    return (
        len(words) == 1
        and len(words[0]) >= _MIN_SHOUTED_WORD
        and not _VOWELS.isdisjoint(words[0])
    )


def _grouped(check: FormCheck, spans: list[tuple[int, int]], text: str) -> Finding | None:
    """One note for all occurrences, so a draft with five "!!" gets one reminder."""
    if not spans:
        return None
    passage = " … ".join(text[start:end] for start, end in spans)
    return _form_finding(check, passage, spans[0][0], spans[-1][1])


_FORM_RULES = {
    TOO_LONG: _too_long,
    SEVERAL_QUESTIONS: _several_questions,
    ALL_CAPS: _all_caps,
    EXCLAMATIONS: _exclamations,
}
