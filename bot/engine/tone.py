"""Tone check for the user's own draft: flags passages that can backfire and suggests gentler lines.

Pure and synchronous. The lexicon arrives as plain values (loaded and validated by
`bot.content.tone_lexicon`); this module never blocks or rewrites a draft, it only reports.
Matching is on meaning rather than exact strings: contractions are expanded before
matching ("I'm" reads as "I am"), lexicon patterns name word forms (`~consult` is consult,
consults, consulted, consulting) and shared word sets (`{be}`), and a phrase governed by a
negation from the lexicon ("I'm not asking you to reconsider") is not flagged.
On top of those strong patterns, weak cues are weighed per sentence (see `CueScoring`): a
sentence whose cues together pass a threshold is flagged even when no single pattern fits.
"""

from __future__ import annotations

import bisect
import functools
import importlib
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

# Form checks are implemented here; the lexicon supplies their wording and limits.
TOO_LONG = "too_long"
SEVERAL_QUESTIONS = "several_questions"
ALL_CAPS = "all_caps"
EXCLAMATIONS = "exclamations"
FORM_CHECK_IDS = (TOO_LONG, SEVERAL_QUESTIONS, ALL_CAPS, EXCLAMATIONS)

COUNT_PLACEHOLDER = "{count}"

# `{name}` in a pattern: one of the lexicon's word sets. `~word`: any form of the word.
SET_REFERENCE = re.compile(r"\{([a-z][a-z0-9_]*)\}")
WORD_FORMS = re.compile(r"~([a-z]+)")


class PatternError(ValueError):
    """A lexicon pattern names a word set that does not exist."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown word set {{{name}}}")
        self.name = name


@functools.cache  # the loader validates each pattern, then the lexicon compiles it: once
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a lexicon pattern to run on lower-cased text, ending at a word's end.

    The check lower-cases the draft and keeps only matches that start a word, instead of
    asking the regex engine for case-folding and a look-behind: either one stops it from
    skipping ahead to a pattern's first letters, which makes a long draft several times
    slower. The pattern is compiled on its own first, so that something like "a)|(b" is
    reported as the broken regex it is instead of being balanced by the wrapper.
    Raises `re.error`.
    """
    lowered = _lower_case(pattern)
    _parse(lowered)
    return re.compile(rf"(?:{lowered})(?!\w)")


@functools.lru_cache(maxsize=64)  # an entry's patterns are checked, then compiled, together
def _parse(pattern: str) -> list[tuple[Any, Any]] | None:
    """The standard library's parse of a regex, shared by the check in `compile_pattern`
    and by `first_words`; raises `re.error`. None where that parser (a private module)
    does not exist, after checking the pattern the public way."""
    try:
        parser = importlib.import_module("re._parser")
    except ImportError:
        re.compile(pattern)
        return None
    return list(parser.parse(pattern))


def matches_at_word_starts(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """The matches of a compiled pattern that start a word (or at a non-word character)."""
    position = 0
    search = pattern.search
    while (match := search(text, position)) is not None:
        start = match.start()
        if start and _is_word_char(text[start - 1]) and _is_word_char(text[start]):
            position = start + 1  # inside a word: look again from the next character
            continue
        if match.end() > start:
            yield match
        position = max(match.end(), start + 1)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _lower_case(pattern: str) -> str:
    """The pattern's letters in lower case, escapes such as \\W and \\S left alone."""
    return _ESCAPE_OR_CAPITAL.sub(lambda m: m.group() if len(m.group()) > 1 else m.group().lower(), pattern)


_ESCAPE_OR_CAPITAL = re.compile(r"\\.|[A-Z]")


def expand_pattern(
    pattern: str, sets: Mapping[str, Sequence[str]], forms: Mapping[str, Sequence[str]]
) -> str:
    """A lexicon pattern as plain regex: `{name}` becomes the alternation of that word set,
    then `~word` becomes every form of the word (see `word_forms`). Raises PatternError
    for an unknown set."""

    def one_set(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in sets:
            raise PatternError(name)
        return "(?:" + "|".join(sets[name]) + ")"

    expanded = SET_REFERENCE.sub(one_set, pattern)
    return WORD_FORMS.sub(lambda m: "(?:" + "|".join(word_forms(m.group(1), forms)) + ")", expanded)


def word_forms(word: str, irregular: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """The word and its regular inflections (-s, -ed, -ing; plural for nouns), plus any
    irregular forms the lexicon lists: "consult" gives consult, consults, consulted,
    consulting. A spelling rule that does not apply only adds a form nobody writes."""
    forms = [word]
    if word.endswith("ee"):
        forms += [word + "s", word + "d", word + "ing"]
    elif word.endswith("e"):
        forms += [word + "s", word + "d", word[:-1] + "ing"]
    elif len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        forms += [word[:-1] + "ies", word[:-1] + "ied", word + "ing"]
    elif word.endswith(("s", "x", "z", "ch", "sh")):
        forms += [word + "es", word + "ed", word + "ing"]
    else:
        forms += [word + "s", word + "ed", word + "ing"]
        if len(word) > 2 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou" and word[-3] not in "aeiou":
            forms += [word + word[-1] + "ed", word + word[-1] + "ing"]  # stop, stopped, stopping
    for form in (irregular or {}).get(word, ()):
        forms += [form]
    # Longest first, so the alternation never stops at a shorter prefix of the word.
    return sorted(dict.fromkeys(forms), key=len, reverse=True)


@dataclass(frozen=True)
class ToneEntry:
    """One meaning to flag (several regex variants of it) and the gentler line to offer."""

    id: str
    patterns: tuple[str, ...]
    alternative: str
    compiled: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)
    first_words: tuple[frozenset[str] | None, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Compiled once here: the bot checks many drafts against one lexicon.
        object.__setattr__(self, "compiled", tuple(compile_pattern(p) for p in self.patterns))
        words = tuple(first_words(_lower_case(p)) for p in self.patterns)
        object.__setattr__(self, "first_words", words)


_MAX_FIRST_WORDS = 512  # more variants than this, and a pattern is simply run over the text


def first_words(pattern: str) -> frozenset[str] | None:
    """Every word a match of `pattern` (in lower case) can begin with, or None when that is
    not a short list (it starts with \\w+, a symbol, or a long repeat).

    A pattern is then tried only where the draft has one of those words, instead of being
    run over the whole draft: most patterns have none of their first words in a draft, so
    this is what keeps a long draft fast. The list may hold words no match begins with,
    never the reverse. Uses the standard library's own regex parser (a private module: on
    a Python without it, every pattern is run over the whole text, which is slower only).
    """
    try:
        parsed = _parse(pattern)
    except re.error:
        return None
    if parsed is None:
        return None
    found: set[str] = set()
    pending: list[tuple[str, list[tuple[object, object]]]] = [("", parsed)]
    for _ in range(20 * _MAX_FIRST_WORDS):
        if not pending:
            return frozenset(found)
        prefix, items = pending.pop()
        if not items:
            if not prefix:
                return None
            found.add(prefix)
            continue
        (operation, argument), rest = items[0], items[1:]
        more = _first_word_steps(str(operation), argument, prefix, rest)
        if more is None:
            return None
        if isinstance(more, str):
            found.add(more)
        else:
            pending += more
        if len(found) > _MAX_FIRST_WORDS:
            return None
    return None


def _first_word_steps(
    operation: str, argument: Any, prefix: str, rest: list[tuple[object, object]]
) -> str | list[tuple[str, list[tuple[object, object]]]] | None:
    """One step of `first_words`: the word completed here, the ways to go on, or None to
    give up."""
    if operation == "LITERAL":
        char = chr(argument)
        if _is_word_char(char):
            return [(prefix + char, rest)]
        return prefix or None  # a symbol ends the first word; none may come before it
    if operation == "SUBPATTERN":
        return [(prefix, [*argument[-1], *rest])]
    if operation == "BRANCH":
        return [(prefix, [*branch, *rest]) for branch in argument[1]]
    if operation in ("MAX_REPEAT", "MIN_REPEAT") and argument[0] in (0, 1) and argument[1] == 1:
        once = [(prefix, [*argument[2], *rest])]
        return once + [(prefix, rest)] if argument[0] == 0 else once
    if operation == "IN" and all(str(kind) == "LITERAL" for kind, _ in argument):
        return [(prefix, [item, *rest]) for item in argument]
    if operation in ("AT", "ASSERT", "ASSERT_NOT"):  # zero-width: it only narrows matches
        return [(prefix, rest)]
    return None


@dataclass(frozen=True)
class ToneCategory:
    """A kind of passage that can backfire, e.g. "confrontational", with why it can.

    A category with `advice` (suspected discrimination) offers that pointer instead of a
    gentler line: such a passage is not a matter of tone.
    """

    id: str
    label: str
    why: str
    entries: tuple[ToneEntry, ...]
    advice: str = ""


@dataclass(frozen=True)
class FormCheck:
    """Wording and limits for one of the form checks in `FORM_CHECK_IDS`.

    `limit` is the most words (too_long), questions (several_questions) or single "!"
    (exclamations; none means only "!!" counts) that pass;
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
class Cue:
    """One weak sign, weighed per sentence: "you" as the subject of a judgement, a deadline,
    an absolute such as "never". A negative weight marks a sign of politeness ("I understand",
    "if possible"), which lowers the sentence's score. `category` names the kind of problem a
    sentence is flagged as when this is its heaviest categorised cue; a cue without one (an
    intensifier, a shouted word) only adds weight."""

    id: str
    weight: float
    patterns: tuple[str, ...]
    category: str = ""
    compiled: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)
    first_words: tuple[frozenset[str] | None, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", tuple(compile_pattern(p) for p in self.patterns))
        words = tuple(first_words(_lower_case(p)) for p in self.patterns)
        object.__setattr__(self, "first_words", words)


@dataclass(frozen=True)
class CueScoring:
    """Weak cues and how they add up. Each pattern of a cue counts once per sentence, however
    often it matches (two different signs of one kind add up, one sign repeated does not);
    `capitals` and `exclamation` weigh a shouted word (four or more capitals) and a sentence
    ending in "!". A sentence scoring `threshold` or more, with at least one
    categorised cue, is flagged with the category of its heaviest such cue (the first listed,
    on a tie) and that category's gentler line from `alternatives`."""

    threshold: float
    cues: tuple[Cue, ...]
    alternatives: tuple[tuple[str, str], ...] = ()  # (category id, gentler line)
    capitals: float = 0.0
    exclamation: float = 0.0

    def alternative(self, category: str) -> str:
        return dict(self.alternatives).get(category, "")


@dataclass(frozen=True)
class ToneLexicon:
    """Everything the check needs for one language.

    `negations` are regexes for what cancels a phrase that follows it in the same clause
    ("not asking you to", "no intention of"); up to `_NEGATION_REACH` words may stand
    between the two, counting the phrase's first word.
    """

    language: str
    version: int
    categories: tuple[ToneCategory, ...]
    form_checks: tuple[FormCheck, ...] = ()
    negations: tuple[str, ...] = ()
    cues: CueScoring | None = None
    negated: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        negated = None
        if self.negations:
            frames = "|".join(f"(?:{frame})" for frame in self.negations)
            negated = re.compile(rf"(?<!\w)(?:{_lower_case(frames)})(?:\s+[\w']+){{0,{_NEGATION_REACH}}}\s*$")
        object.__setattr__(self, "negated", negated)


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
    advice: str = ""  # instead of `alternative`, where a gentler line is not the answer


_NEGATION_REACH = 4  # words from a negation to the first word of the phrase it cancels
_NEGATION_WINDOW = 80  # characters before a phrase searched for a negation
# A negation reaches no further back than the clause the phrase is in.
_FIRST_WORD = re.compile(r"[\w']*")  # matches anywhere, if only the empty string
# "but", "and" and their Spanish and Russian counterparts start a clause of their own.
_CLAUSE_WORDS = "but|and|so|yet|though|although|however|pero|sino|aunque|но|и|а|однако"
_CLAUSE_BREAK = re.compile(rf".*(?:[.;:!?,()\"—]|\s(?:{_CLAUSE_WORDS})\s)", re.DOTALL)


def check_tone(text: str, lexicon: ToneLexicon) -> list[Finding]:
    """Return the findings for `text`, ordered by position; an empty list means clean."""
    draft = _read(text)
    phrases = list(_phrase_findings(draft, lexicon))
    findings = [
        *phrases,
        *_cue_findings(draft, lexicon, phrases),
        *_form_findings(text, lexicon.form_checks),
    ]
    return sorted(findings, key=lambda f: (f.start, f.end))


@dataclass(frozen=True)
class _Draft:
    """A draft as every pattern reads it, prepared once: `normalised` (see `_normalise`),
    with `offsets` back into `text`, lower-cased, and where each of its words starts."""

    text: str
    normalised: str
    offsets: list[int]
    lowered: str
    where: dict[str, list[int]]


def _read(text: str) -> _Draft:
    normalised, offsets = _normalise(text)
    lowered = _lower_text(normalised)
    where: dict[str, list[int]] = {}
    for word in _WORD_RUN.finditer(lowered):
        where.setdefault(word.group(), []).append(word.start())
    return _Draft(text, normalised, offsets, lowered, where)


def _matches(
    draft: _Draft, compiled: Sequence[re.Pattern[str]], first_words: Sequence[frozenset[str] | None]
) -> Iterator[tuple[int, re.Match[str]]]:
    """(which pattern, match) for the matches of each pattern, each tried only where the
    draft holds one of its first words (or over the whole draft when they are unknown)."""
    words = draft.where.keys()
    for variant, (pattern, first) in enumerate(zip(compiled, first_words, strict=True)):
        if first is None:
            matches: Iterable[re.Match[str]] = matches_at_word_starts(pattern, draft.lowered)
        elif first.isdisjoint(words):
            continue
        else:
            starts = sorted(start for word in first & words for start in draft.where[word])
            matches = _matches_from(pattern, draft.lowered, starts)
        for match in matches:
            yield variant, match


# --- phrases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    rank: int  # lexicon order, to break ties between equally long matches
    category: ToneCategory
    entry: ToneEntry


_STRAIGHT_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})
_ODD_SPACE = re.compile(r"\s{2,}|[^\S ]")  # whitespace other than one plain space

# Contractions, with or without the apostrophe, and what they stand for.
_WHOLE_CONTRACTIONS = {
    "won't": "will not",
    "wont": "will not",
    "can't": "cannot",
    "cant": "cannot",
    "shan't": "shall not",
    "ain't": "is not",
    "let's": "let us",
    "im": "I am",
    "ive": "I have",
    "youre": "you are",
    "youll": "you will",
    "youve": "you have",
    "theyre": "they are",
}
_SUFFIXES = {"n't": " not", "'m": " am", "'re": " are", "'ve": " have", "'ll": " will", "'d": " would"}
_CONTRACTION = re.compile(
    r"\b(?:won'?t|can'?t|shan'?t|ain'?t|let's|im|ive|youre|youll|youve|theyre)\b"
    r"|\b(?:do|does|did|is|are|was|were|has|have|had|could|would|should|must|need)nt\b"
    r"|\b(?:it|that|he|she|there|what|who|here|where|how|this|everything|nothing)'s\b"
    r"|(?<=[a-z])(?:n't|'m|'re|'ve|'ll|'d)\b",
    re.IGNORECASE,
)


def _meaning(written: str) -> str:
    """What a contraction matched by `_CONTRACTION` stands for."""
    lower = written.lower()
    if lower in _WHOLE_CONTRACTIONS:
        return _WHOLE_CONTRACTIONS[lower]
    if lower in _SUFFIXES:
        return _SUFFIXES[lower]
    if lower.endswith("'s"):
        return lower[:-2] + " is"
    return lower[:-2] + " not"  # "didnt"


def _normalise(text: str) -> tuple[str, list[int]]:
    """Collapse whitespace, straighten quotes and expand contractions, so patterns need
    not care: "I'm", "Im" and "I am" all read "I am", "didn't" and "didnt" "did not".

    Returns the normalised text and, for each of its characters (plus one past the end),
    the index of the original character, so findings point into the user's own text.
    """
    straight = text.translate(_STRAIGHT_QUOTES)
    pieces: list[str] = []
    offsets: list[int] = []
    last = 0
    for space in _ODD_SPACE.finditer(straight):
        pieces += [straight[last : space.start()], " "]
        offsets += range(last, space.start() + 1)
        last = space.end()
    pieces.append(straight[last:])
    offsets += range(last, len(text) + 1)
    plain = "".join(pieces)
    if "'" not in plain and not _CONTRACTION.search(plain):
        return plain, offsets
    expanded: list[str] = []
    mapped: list[int] = []
    last = 0
    for match in _CONTRACTION.finditer(plain):
        start, end = match.span()
        meaning = _meaning(match.group())
        expanded.append(plain[last:start])
        mapped += offsets[last:start]
        expanded.append(meaning)
        # Each character of the meaning points into the contraction, the last at its end,
        # so a passage ending in "won't" quotes all of it.
        width, length = end - start, len(meaning)
        mapped += [offsets[start + min(width - 1, k * width // length)] for k in range(length - 1)]
        mapped.append(offsets[end - 1])
        last = end
    expanded.append(plain[last:])
    mapped += offsets[last:]
    return "".join(expanded), mapped


def _phrase_matches(draft: _Draft, lexicon: ToneLexicon) -> Iterator[_Match]:
    rank = 0
    for category in lexicon.categories:
        for entry in category.entries:
            for _, match in _matches(draft, entry.compiled, entry.first_words):
                if not _negated(draft.lowered, match.start(), lexicon):
                    yield _Match(match.start(), match.end(), rank, category, entry)
            rank += 1


_WORD_RUN = re.compile(r"\w+")


def _matches_from(pattern: re.Pattern[str], text: str, starts: list[int]) -> Iterator[re.Match[str]]:
    """The matches of `pattern` that begin at one of `starts`, without overlaps (as a scan
    of the whole text would find them)."""
    covered = 0
    for start in starts:
        if start < covered:
            continue
        match = pattern.match(text, start)
        if match is not None and match.end() > start:
            covered = match.end()
            yield match


def _lower_text(text: str) -> str:
    """Lower case, character for character (a few letters lower-case to two characters;
    those stay as written, so offsets still line up)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


def _negated(lowered: str, start: int, lexicon: ToneLexicon) -> bool:
    """Whether a negation earlier in the same clause cancels the phrase at `start`.

    The phrase's first word is read with what comes before it, so that "not asking" cancels
    a phrase that starts with "asking".
    """
    if lexicon.negated is None:
        return False
    first_word = _FIRST_WORD.match(lowered, start)
    before = lowered[max(0, start - _NEGATION_WINDOW) : first_word.end() if first_word else start]
    clause = _CLAUSE_BREAK.match(before)
    if clause:
        before = before[clause.end() :]
    return lexicon.negated.search(before) is not None


def _phrase_findings(draft: _Draft, lexicon: ToneLexicon) -> Iterator[Finding]:
    """One finding per passage: overlapping matches are merged into their union.

    The longest match in a merged group names the category (the most specific reading
    wins); on a tie, the entry listed first in the lexicon.
    """
    matches = sorted(
        _phrase_matches(draft, lexicon),
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
            yield _merge(draft.text, draft.offsets, group)
        group = [match]
        group_end = match.end
    if group:
        yield _merge(draft.text, draft.offsets, group)


def _merge(text: str, offsets: list[int], group: list[_Match]) -> Finding:
    best = min(group, key=lambda m: (-(m.end - m.start), m.rank))
    start = offsets[group[0].start]
    end = _word_end(text, offsets[max(m.end for m in group) - 1] + 1)
    return Finding(
        passage=text[start:end],
        category=best.category.id,
        category_label=best.category.label,
        why=best.category.why,
        alternative="" if best.category.advice else best.entry.alternative,
        start=start,
        end=end,
        advice=best.category.advice,
    )


def _word_end(text: str, end: int) -> int:
    """`end`, moved to the end of the word it falls in: a match that stops inside an
    expanded contraction ("I promise I will" read from "I won't") quotes the whole word."""
    while end < len(text) and (
        _is_word_char(text[end])
        or (text[end] in "'\u2019" and end + 1 < len(text) and _is_word_char(text[end + 1]))
    ):
        end += 1
    return end


# --- weak cues, weighed per sentence -------------------------------------------------------

# A sentence ends at ".", "!" or "?" (a run of them) followed by a space or the end.
_SENTENCE_END = re.compile(r"[.!?]+(?= |$)")
_SHOUTED = re.compile(r"\b[A-ZÁÉÍÓÚÜÑА-ЯЁ]{4,}\b")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")


def sentence_scores(text: str, lexicon: ToneLexicon) -> list[tuple[str, float, list[str]]]:
    """Each sentence of `text` with its cue score and the ids of the cues found in it,
    heaviest first: for tuning the weights and for explaining a finding."""
    if lexicon.cues is None:
        return []
    draft = _read(text)
    return [
        (draft.normalised[start:end], score, [cue.id for cue in cues])
        for start, end, score, cues in _scored_sentences(draft, lexicon, lexicon.cues)
    ]


def _cue_findings(draft: _Draft, lexicon: ToneLexicon, phrases: list[Finding]) -> Iterator[Finding]:
    """A finding for each sentence whose cues pass the threshold and that no strong pattern
    has already flagged."""
    scoring = lexicon.cues
    if scoring is None:
        return
    by_id = {category.id: category for category in lexicon.categories}
    text, offsets = draft.text, draft.offsets
    for start, end, score, cues in _scored_sentences(draft, lexicon, scoring, phrases):
        named = [cue for cue in cues if cue.category and cue.weight > 0]
        if score < scoring.threshold or not named:
            continue
        first, last = offsets[start], _word_end(text, offsets[end - 1] + 1)
        category = by_id[named[0].category]
        yield Finding(
            passage=text[first:last],
            category=category.id,
            category_label=category.label,
            why=category.why,
            alternative="" if category.advice else scoring.alternative(category.id),
            start=first,
            end=last,
            advice=category.advice,
        )


def _scored_sentences(
    draft: _Draft, lexicon: ToneLexicon, scoring: CueScoring, flagged: Sequence[Finding] = ()
) -> Iterator[tuple[int, int, float, list[Cue]]]:
    """(start, end, score, cues heaviest first) for each sentence with a cue, leaving out
    the sentences that overlap a `flagged` passage (they are not even read)."""
    bounds = _sentences(draft)
    ends = [end for _, end in bounds]
    skipped = set()
    for index, (start, end) in enumerate(bounds):
        first, last = draft.offsets[start], draft.offsets[end - 1] + 1
        if any(f.start < last and first < f.end for f in flagged):
            skipped.add(index)
    if skipped:
        where = {
            word: kept
            for word, starts in draft.where.items()
            if (kept := [at for at in starts if bisect.bisect_right(ends, at) not in skipped])
        }
        draft = replace(draft, where=where)
    found: list[dict[tuple[str, int], Cue]] = [{} for _ in bounds]
    for cue in scoring.cues:
        # A sign of a problem governed by a negation is not one; politeness always counts.
        negatable = cue.weight > 0 and bool(cue.category)
        for variant, match in _matches(draft, cue.compiled, cue.first_words):
            at = match.start()
            if negatable and _negated(draft.lowered, at, lexicon):
                continue
            index = bisect.bisect_right(ends, at)
            if index < len(bounds) and index not in skipped:
                found[index][cue.id, variant] = cue
    for index, (start, end) in enumerate(bounds):
        sentence = draft.normalised[start:end]
        score = sum(cue.weight for cue in found[index].values())
        if scoring.capitals and _SHOUTED.search(sentence):
            score += scoring.capitals
        if scoring.exclamation and sentence.rstrip().endswith("!"):
            score += scoring.exclamation
        if found[index]:
            unique = {cue.id: cue for cue in found[index].values()}.values()
            cues = sorted(unique, key=lambda cue: -cue.weight)  # stable: lexicon order
            yield start, end, score, cues


def _sentences(draft: _Draft) -> list[tuple[int, int]]:
    """(start, end) in `normalised` of each sentence: it ends at ".", "!" or "?" or at a
    blank line of `text` (so a greeting or a signature stands apart)."""
    normalised, offsets = draft.normalised, draft.offsets
    breaks = [(m.start(), m.end()) for m in _SENTENCE_END.finditer(normalised)]
    blank_lines = [m.start() for m in _BLANK_LINE.finditer(draft.text)]
    if blank_lines:
        # The space a blank line was read as: the last character mapped to before it.
        breaks += [
            (i, i)
            for i in (bisect.bisect_right(offsets, at) - 1 for at in blank_lines)
            if 0 <= i < len(normalised) and normalised[i] == " "
        ]
        breaks.sort()
    bounds, start = [], 0
    for _, end in breaks:
        if end > start:
            bounds.append((start, end))
        start = max(start, end + 1)
    if start < len(normalised):
        bounds.append((start, len(normalised)))
    return bounds or [(0, len(normalised))]


# --- form ----------------------------------------------------------------------------------

_WORD = re.compile(r"\S*[^\W_]\S*")
_QUESTION = re.compile(r"\?+")
# Two or more "!" in one run of ! and ?, with the word they end: "now!!", "really?!!".
_EXCLAMATION = re.compile(r"\w*(?:[!?]*![!?]*){2,}")
# Any run with an "!", with the word it ends.
_ANY_EXCLAMATION = re.compile(r"\w*[!?]*![!?]*")
# Capitalised words: two or more capitals (an apostrophe-s allowed), or a lone "I".
# Latin (with Spanish accents) and Cyrillic capitals: "ПОЧЕМУ ВЫ МНЕ ОТКАЗАЛИ" and
# "NO ME LLAMARON AÚN" shout as loudly as "WHY".
_CAPS_WORD = re.compile(r"\b(?:[A-ZÁÉÍÓÚÜÑА-ЯЁ]{2,}(?:'S)?|I)\b")
_VOWELS = frozenset("AEIOUÁÉÍÓÚÜАЕЁИОУЫЭЮЯ")
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
    count = len(_WORD.findall(text))
    if count <= check.limit:
        return None
    first_over = next(itertools.islice(_WORD.finditer(text), check.limit, None))
    return _form_finding(check, _note(check, count), first_over.start(), len(text))


def _several_questions(text: str, check: FormCheck) -> Finding | None:
    marks = list(_QUESTION.finditer(text))
    if len(marks) <= check.limit:
        return None
    return _form_finding(check, _note(check, len(marks)), marks[check.limit].start(), marks[-1].end())


def _exclamations(text: str, check: FormCheck) -> Finding | None:
    """ "!!" anywhere; with a `limit`, also more single "!" than that in one draft."""
    doubled = [(m.start(), m.end()) for m in _EXCLAMATION.finditer(text)]
    if doubled or not check.limit:
        return _grouped(check, doubled, text)
    singles = [(m.start(), m.end()) for m in _ANY_EXCLAMATION.finditer(text)]
    return _grouped(check, singles if len(singles) > check.limit else [], text)


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
    return len(words) == 1 and len(words[0]) >= _MIN_SHOUTED_WORD and not _VOWELS.isdisjoint(words[0])


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
