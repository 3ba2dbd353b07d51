"""The flow as plain, validated data: questions, details, approaches, rules and texts.

The loader in bot.content builds these from YAML; the engine only reads them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

END = "end"
"""The `next` target that closes the questions and moves on to the recommendation."""

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Match:
    """One clause of a condition: the fact's value is (or, negated, is not) one of `values`."""

    values: frozenset[str]
    negate: bool = False

    def test(self, value: str | None) -> bool:
        if value is None:
            return False
        return (value in self.values) != self.negate


@dataclass(frozen=True)
class Condition:
    """All clauses must hold. Facts are the answers plus `primary` once it is chosen."""

    clauses: tuple[tuple[str, Match], ...] = ()

    def holds(self, facts: Mapping[str, str]) -> bool:
        return all(match.test(facts.get(key)) for key, match in self.clauses)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.clauses)


ALWAYS = Condition()


@dataclass(frozen=True)
class Question:
    id: str
    options: tuple[str, ...]
    next_by_value: Mapping[str, str]
    next_default: str

    def next_for(self, value: str) -> str:
        return self.next_by_value.get(value, self.next_default)


@dataclass(frozen=True)
class DetailSpec:
    id: str
    max_length: int


@dataclass(frozen=True)
class Pick:
    """A conditional choice: the first `Pick` whose condition holds gives the value."""

    when: Condition
    value: str


def first_pick(picks: tuple[Pick, ...], facts: Mapping[str, str]) -> str | None:
    return next((pick.value for pick in picks if pick.when.holds(facts)), None)


@dataclass(frozen=True)
class Placement:
    """Where a draft goes: a reply in their thread, a new email, a LinkedIn note, a message."""

    id: str
    channel: str  # "email", "message" or "linkedin"
    subject: bool  # only a draft that opens a new conversation has a subject line


@dataclass(frozen=True)
class Approach:
    id: str
    channel: str | None  # "email", "message", "linkedin" or None when there is nothing to send
    asks_question: bool
    placement: tuple[Pick, ...] = ()
    limit: tuple[Pick, ...] = ()
    when_by: str | None = None
    """A question whose answer picks the "when to send" text (approaches.<id>.when.<value>)."""


@dataclass(frozen=True)
class Rule:
    id: str
    when: Condition
    primary: str
    because: tuple[str, ...] = ()
    """Questions named in the "why this" trace; by default the ones `when` tests."""

    @property
    def explained_by(self) -> tuple[str, ...]:
        return self.because or self.when.keys


@dataclass(frozen=True)
class Forbid:
    id: str
    when: Condition
    approaches: frozenset[str]


@dataclass(frozen=True)
class Secondary:
    id: str
    when: Condition
    approach: str


@dataclass(frozen=True)
class Tip:
    id: str
    when: Condition


@dataclass(frozen=True)
class WordLimits:
    """A draft body's length: words for emails and messages, characters for a LinkedIn note."""

    min_words: int
    max_words: int
    max_chars: int | None = None
    by_language: Mapping[str, WordLimits] = field(default_factory=dict)
    """Limits of a language whose sentences run longer (Spanish words, Russian characters)."""

    def of(self, language: str) -> WordLimits:
        """The limits a draft in `language` is held to."""
        return self.by_language.get(language, self)

    def fits(self, body: str) -> bool:
        words = len(body.split())
        if self.max_chars is not None and len(body) > self.max_chars:
            return False
        return words <= self.max_words


@dataclass(frozen=True)
class FollowUp:
    """The reminder offered by default when `when` holds (a key of bot.engine.followup.DELAYS)."""

    when: Condition
    delay: str


@dataclass(frozen=True)
class Flow:
    id: str
    version: int
    languages: tuple[str, ...]
    questions: tuple[Question, ...]
    details: tuple[DetailSpec, ...]
    approaches: Mapping[str, Approach]
    rules: tuple[Rule, ...]
    never: tuple[Forbid, ...]
    secondary: tuple[Secondary, ...]
    tips: tuple[Tip, ...]
    limits: Mapping[str, WordLimits]
    placements: Mapping[str, Placement] = field(default_factory=dict)
    expectations: tuple[Tip, ...] = ()
    next_steps: tuple[Tip, ...] = ()
    follow_up: tuple[FollowUp, ...] = ()
    follows: str | None = None
    """The flow whose result this one answers (None for a flow that starts from nothing)."""
    carry: tuple[str, ...] = ()
    """Details taken over from that result when given there, so they are not asked again."""

    @property
    def start(self) -> str:
        return self.questions[0].id

    def question(self, question_id: str) -> Question:
        return self._questions_by_id[question_id]

    def has_question(self, question_id: str) -> bool:
        return question_id in self._questions_by_id

    @property
    def _questions_by_id(self) -> dict[str, Question]:
        cache = self.__dict__.get("_qcache")
        if cache is None:
            cache = {question.id: question for question in self.questions}
            object.__setattr__(self, "_qcache", cache)
        return cache


@dataclass(frozen=True)
class Piece:
    """One sentence or line of a draft: the first alternative whose placeholders are all
    known is used; if none is, the piece is left out. `when` limits it to some answers."""

    alternatives: tuple[str, ...]
    when: Condition = ALWAYS

    def placeholders(self) -> set[str]:
        return {name for text in self.alternatives for name in PLACEHOLDER.findall(text)}


@dataclass(frozen=True)
class DraftTemplate:
    subject: Piece | None
    paragraphs: tuple[tuple[Piece, ...], ...]

    def pieces(self) -> list[Piece]:
        found = [piece for paragraph in self.paragraphs for piece in paragraph]
        return ([self.subject] if self.subject else []) + found


@dataclass(frozen=True)
class Catalog:
    """Every user-facing word in one language: flat dotted keys, plus draft templates."""

    language: str
    texts: Mapping[str, str]
    drafts: Mapping[str, DraftTemplate] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        return self.texts.get(key)

    def text(self, key: str, **values: object) -> str:
        """The text for `key` with `{name}` filled from values (substituted once, never re-read)."""
        template = self.texts[key]
        if not values:
            return template
        return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)
