"""Load and validate a tone lexicon, flows/tone/<language>.yaml, into a `ToneLexicon`.

`validate_tone_lexicon(path)` returns every problem found (for `reconsider-bot check`);
`load_tone_lexicon(path)` raises ContentError unless there are none. Patterns are regex
text with two additions, expanded here: `{name}` for a word set of the file's `sets`, and
`~word` for every form of a word (irregular ones from the file's `forms`).
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.errors import ContentError, Problem
from bot.content.located import Located, read_yaml
from bot.engine.tone import (
    ALL_CAPS,
    COUNT_PLACEHOLDER,
    EXCLAMATIONS,
    FORM_CHECK_IDS,
    SEVERAL_QUESTIONS,
    TOO_LONG,
    WORD_FORMS,
    Cue,
    CueScoring,
    FormCheck,
    PatternError,
    ToneCategory,
    ToneEntry,
    ToneLexicon,
    compile_pattern,
    expand_pattern,
)

LEXICON_VERSION = 1
_ID = re.compile(r"[a-z][a-z0-9_]*")
_FORM_KEYS: dict[str, tuple[set[str], set[str]]] = {  # form check -> (required, optional)
    TOO_LONG: ({"label", "why", "alternative", "limit", "note"}, set()),
    SEVERAL_QUESTIONS: ({"label", "why", "alternative", "limit", "note"}, set()),
    ALL_CAPS: ({"label", "why", "alternative"}, {"allow"}),
    EXCLAMATIONS: ({"label", "why", "alternative"}, {"limit"}),
}
_WORD = re.compile(r"[a-z]+")


def validate_tone_lexicon(path: Path | str) -> list[Problem]:
    """Every problem in the lexicon file, each naming file and line; empty when it is valid."""
    return _read(Path(path))[1]


def load_tone_lexicon(path: Path | str) -> ToneLexicon:
    """The lexicon, ready for `check_tone`; raises ContentError listing every problem."""
    lexicon, problems = _read(Path(path))
    if problems or lexicon is None:
        raise ContentError(problems)
    return lexicon


def load_tone_lexicons(flows_dir: Path | str, languages: Iterable[str]) -> dict[str, ToneLexicon]:
    """The lexicon of each language, from `<flows_dir>/tone/<language>.yaml`; raises
    ContentError listing every problem (a missing file is one)."""
    lexicons: dict[str, ToneLexicon] = {}
    problems: list[Problem] = []
    for language in languages:
        path = Path(flows_dir) / "tone" / f"{language}.yaml"
        if not path.is_file():
            problems.append(Problem(str(path), 0, f"no tone lexicon for the language {language!r}"))
            continue
        lexicon, found = _read(path)
        problems += found
        if lexicon is not None and not found:
            lexicons[language] = lexicon
    if problems:
        raise ContentError(problems)
    return lexicons


def _read(path: Path) -> tuple[ToneLexicon | None, list[Problem]]:
    try:
        root = read_yaml(path)
    except ContentError as error:
        return None, error.problems
    reader = _Reader()
    lexicon = reader.lexicon(root, expected_language=path.stem)
    return (None if reader.problems else lexicon), reader.problems


@dataclass(frozen=True)
class _Head:
    """A category as declared, before its entries are attached."""

    label: str
    why: str
    advice: str
    where: Located


@dataclass
class _Reader:
    """Turns Located YAML into lexicon values, collecting problems instead of stopping."""

    problems: list[Problem] = field(default_factory=list)
    referenced: set[str] = field(default_factory=set)  # categories named by any entry
    sets: dict[str, list[str]] = field(default_factory=dict)
    forms: dict[str, list[str]] = field(default_factory=dict)

    def report(self, where: Located, message: str) -> None:
        self.problems.append(where.problem(message))

    # --- the file ---------------------------------------------------------------------

    def lexicon(self, root: Located, expected_language: str) -> ToneLexicon:
        top = self.mapping(
            root,
            "the lexicon",
            {"version", "language", "categories", "entries"},
            {"form", "sets", "forms", "negations", "cues"},
        )
        version = LEXICON_VERSION
        found = top["version"].value if "version" in top else LEXICON_VERSION
        if isinstance(found, bool) or found != LEXICON_VERSION:
            self.report(top["version"], f"version must be {LEXICON_VERSION}")
        language = expected_language
        if "language" in top:
            language = self.text(top["language"], "language") or language
            if language != expected_language:
                self.report(
                    top["language"],
                    f"language {language!r} does not match the file name; expected {expected_language!r}",
                )
        heads = self.categories(top["categories"]) if "categories" in top else {}
        form = self.form(top["form"]) if "form" in top else ()
        if "forms" in top:
            self.forms = self.irregular_forms(top["forms"])
        if "sets" in top:
            self.sets = self.word_sets(top["sets"])
        negations = tuple(self.patterns(top["negations"], "negations")) if "negations" in top else ()
        entries = self.entries(top["entries"], heads) if "entries" in top else {}
        for check in form:
            if check.id in heads:
                self.report(
                    top["categories"].value[check.id],
                    f"category {check.id!r} clashes with the form check of that name",
                )
        categories = []
        for category_id, head in heads.items():
            if category_id not in self.referenced:
                self.report(head.where, f"category {category_id!r} has no entries; add one or remove it")
            categories.append(
                ToneCategory(
                    category_id, head.label, head.why, tuple(entries.get(category_id, [])), head.advice
                )
            )
        cues = self.cues(top["cues"], heads) if "cues" in top else None
        return ToneLexicon(language, version, tuple(categories), form, negations, cues)

    def cues(self, node: Located, heads: dict[str, _Head]) -> CueScoring | None:
        """The `cues` section: weak signs weighed per sentence (see `CueScoring`)."""
        fields = self.mapping(
            node, "cues", {"threshold", "alternatives", "signals"}, {"capitals", "exclamation"}
        )
        threshold = self.weight(fields["threshold"], "threshold") if "threshold" in fields else None
        if threshold is not None and threshold <= 0:
            self.report(fields["threshold"], "threshold must be above 0, or every sentence is flagged")
            threshold = None
        capitals = self.weight(fields["capitals"], "capitals") if "capitals" in fields else 0.0
        exclamation = self.weight(fields["exclamation"], "exclamation") if "exclamation" in fields else 0.0
        alternatives: dict[str, str] = {}
        if "alternatives" in fields:
            for category_id, body in self.mapping(fields["alternatives"], "cues: alternatives").items():
                line = self.text(body, f"the alternative for {category_id!r}")
                if category_id not in heads:
                    self.report(
                        body,
                        f"unknown category {category_id!r} in cues: alternatives; "
                        f"{self.known(category_id, heads)}",
                    )
                elif heads[category_id].advice:
                    self.report(
                        body,
                        f"category {category_id!r} gives its advice instead of a "
                        "gentler line; remove it from cues: alternatives",
                    )
                elif line is not None:
                    alternatives[category_id] = line
        signals = self.signals(fields["signals"], heads, alternatives) if "signals" in fields else []
        if threshold is None or capitals is None or exclamation is None or not signals:
            return None
        return CueScoring(threshold, tuple(signals), tuple(alternatives.items()), capitals, exclamation)

    def signals(self, node: Located, heads: dict[str, _Head], alternatives: dict[str, str]) -> list[Cue]:
        found: list[Cue] = []
        first_seen: dict[str, int] = {}
        for item in self.sequence(node, "cues: signals"):
            named = item.value.get("id") if isinstance(item.value, dict) else None
            what = f"cue {named.value!r}" if named and isinstance(named.value, str) else "a cue"
            fields = self.mapping(item, what, {"id", "weight", "patterns"}, {"category"})
            cue_id = self.text(fields["id"], "id") if "id" in fields else None
            if cue_id is not None:
                if not _ID.fullmatch(cue_id):
                    self.report(fields["id"], f"cue id {cue_id!r} must be lower_case_with_underscores")
                if cue_id in first_seen:
                    self.report(
                        fields["id"],
                        f"duplicate cue id {cue_id!r} (first on line "
                        f"{first_seen[cue_id]}); ids must be unique",
                    )
                    cue_id = None
                else:
                    first_seen[cue_id] = fields["id"].line
            weight = self.weight(fields["weight"], "weight") if "weight" in fields else None
            if weight == 0:
                self.report(fields["weight"], f"{what} has weight 0, so it does nothing; remove it")
                weight = None
            category = ""
            if "category" in fields:
                category = self.text(fields["category"], "category") or ""
                if category and category not in heads:
                    self.report(
                        fields["category"],
                        f"unknown category {category!r} in {what}; {self.known(category, heads)}",
                    )
                    category = ""
                elif category and weight is not None and weight < 0:
                    self.report(
                        fields["category"],
                        f"{what} lowers the score, so it cannot name a category; remove `category`",
                    )
                    category = ""
                elif category and not heads[category].advice and category not in alternatives:
                    self.report(
                        fields["category"],
                        f"{what} names the category {category!r}, which has no line under cues: alternatives",
                    )
                    category = ""
            patterns = self.patterns(fields["patterns"], what) if "patterns" in fields else []
            if cue_id and weight is not None and patterns:
                found.append(Cue(cue_id, weight, tuple(patterns), category))
        return found

    def weight(self, node: Located, what: str) -> float | None:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.report(node, f"{what} must be a number, such as 1 or -0.5; got {value!r}")
            return None
        return float(value)

    def categories(self, node: Located) -> dict[str, _Head]:
        heads: dict[str, _Head] = {}
        for category_id, body in self.mapping(node, "categories").items():
            if not _ID.fullmatch(category_id):
                self.report(body, f"category id {category_id!r} must be lower_case_with_underscores")
            fields = self.mapping(body, f"category {category_id!r}", {"label", "why"}, {"advice"})
            label = self.text(fields["label"], "label") if "label" in fields else None
            why = self.text(fields["why"], "why") if "why" in fields else None
            advice = self.text(fields["advice"], "advice") if "advice" in fields else None
            heads[category_id] = _Head(label or "", why or "", advice or "", body)
        return heads

    def word_sets(self, node: Located) -> dict[str, list[str]]:
        sets: dict[str, list[str]] = {}
        for name, body in self.mapping(node, "sets").items():
            if not _ID.fullmatch(name):
                self.report(body, f"word set name {name!r} must be lower_case_with_underscores")
                continue
            items = self.patterns(body, f"word set {name!r}", expand=False)
            if items:
                sets[name] = items
        return sets

    def irregular_forms(self, node: Located) -> dict[str, list[str]]:
        forms: dict[str, list[str]] = {}
        for word, body in self.mapping(node, "forms").items():
            found = []
            for item in self.sequence(body, f"forms of {word!r}"):
                if isinstance(item.value, str) and _WORD.fullmatch(item.value):
                    found.append(item.value)
                else:
                    self.report(item, f"forms of {word!r} must be lower-case words; got {item.value!r}")
            if not _WORD.fullmatch(word):
                self.report(body, f"{word!r} in forms must be one lower-case word")
            elif found:
                forms[word] = found
        return forms

    def entries(self, node: Located, heads: dict[str, _Head]) -> dict[str, list[ToneEntry]]:
        by_category: dict[str, list[ToneEntry]] = {}
        first_seen: dict[str, int] = {}
        for item in self.sequence(node, "entries"):
            named = item.value.get("id") if isinstance(item.value, dict) else None
            what = f"entry {named.value!r}" if named and isinstance(named.value, str) else "an entry"
            category_node = item.value.get("category") if isinstance(item.value, dict) else None
            named_category = category_node.value if category_node is not None else None
            head = heads.get(named_category) if isinstance(named_category, str) else None
            gives_advice = head is not None and bool(head.advice)
            fields = self.mapping(item, what, {"id", "category", "patterns"}, {"alternative"})
            if gives_advice and "alternative" in fields:
                self.report(
                    fields.pop("alternative"),
                    f"{what} is in the category {named_category!r}, which gives its "
                    "advice instead of a gentler line; remove `alternative`",
                )
            elif not gives_advice and "alternative" not in fields and isinstance(item.value, dict):
                self.report(item, f"{what} is missing the key 'alternative'")
            entry_id = self.text(fields["id"], "id") if "id" in fields else None
            if entry_id is not None:
                if not _ID.fullmatch(entry_id):
                    self.report(fields["id"], f"entry id {entry_id!r} must be lower_case_with_underscores")
                if entry_id in first_seen:
                    self.report(
                        fields["id"],
                        f"duplicate entry id {entry_id!r} (first on line "
                        f"{first_seen[entry_id]}); ids must be unique",
                    )
                else:
                    first_seen[entry_id] = fields["id"].line
            category_id = self.text(fields["category"], "category") if "category" in fields else None
            if category_id is not None:
                self.referenced.add(category_id)
            if category_id is not None and category_id not in heads:
                self.report(
                    fields["category"],
                    f"unknown category {category_id!r} in {what}; {self.known(category_id, heads)}",
                )
                category_id = None
            patterns = self.patterns(fields["patterns"], what) if "patterns" in fields else []
            alternative = (
                self.text(fields["alternative"], f"alternative of {what}")
                if "alternative" in fields
                else ("" if gives_advice else None)
            )
            if entry_id and category_id and patterns and alternative is not None:
                by_category.setdefault(category_id, []).append(
                    ToneEntry(entry_id, tuple(patterns), alternative)
                )
        return by_category

    def patterns(self, node: Located, what: str, expand: bool = True) -> list[str]:
        """The valid patterns of a list, as plain regex (`expand`: sets and forms filled in)."""
        items = self.sequence(node, f"patterns of {what}")
        if isinstance(node.value, list) and not items:
            self.report(node, f"{what} has no patterns; add at least one")
        valid = []
        for item in items:
            pattern = item.value
            if not isinstance(pattern, str) or not pattern.strip():
                self.report(item, f"empty pattern in {what}; write a regex or remove the line")
                continue
            if pattern.count("~") != len(WORD_FORMS.findall(pattern)):
                self.report(
                    item,
                    f"pattern {pattern!r} in {what}: ~ must be followed by a lower-case word, as in ~consult",
                )
                continue
            try:
                regex = expand_pattern(pattern, self.sets, self.forms) if expand else pattern
                compiled = compile_pattern(regex)
            except PatternError as error:
                hint = self.known(error.name, self.sets) if self.sets else "declare it under `sets`"
                self.report(
                    item, f"pattern {pattern!r} in {what} names the unknown word set {{{error.name}}}; {hint}"
                )
                continue
            except re.error as error:
                self.report(item, f"pattern {pattern!r} in {what} is not a valid regex: {error}")
                continue
            if compiled.search("") is not None:
                self.report(
                    item,
                    f"pattern {pattern!r} in {what} matches empty text, so it "
                    "would flag every draft; make at least one word required",
                )
                continue
            valid.append(regex)
        return valid

    def form(self, node: Located) -> tuple[FormCheck, ...]:
        checks = []
        for check_id, body in self.mapping(node, "form", set(), set(FORM_CHECK_IDS)).items():
            if check_id not in _FORM_KEYS:
                continue
            required, optional = _FORM_KEYS[check_id]
            fields = self.mapping(body, f"form check {check_id!r}", required, optional)
            if not required <= fields.keys():
                continue
            label = self.text(fields["label"], "label")
            why = self.text(fields["why"], "why")
            alternative = self.text(fields["alternative"], "alternative")
            limit = self.limit(fields["limit"]) if "limit" in fields else 0
            note = self.note(fields["note"]) if "note" in fields else ""
            allow = frozenset(self.words(fields["allow"])) if "allow" in fields else frozenset()
            if label and why and alternative and limit is not None and note is not None:
                checks.append(FormCheck(check_id, label, why, alternative, limit, note, allow))
        return tuple(checks)

    def limit(self, node: Located) -> int | None:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.report(node, "limit must be a whole number, 1 or more")
            return None
        return value

    def note(self, node: Located) -> str | None:
        note = self.text(node, "note")
        if note is None:
            return None
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(note) if name is not None}
        except ValueError as error:
            self.report(node, f"note {note!r} has a broken placeholder: {error}")
            return None
        if fields != {COUNT_PLACEHOLDER.strip("{}")}:
            self.report(node, f"note {note!r} must use exactly one placeholder, {COUNT_PLACEHOLDER}")
            return None
        return note

    def words(self, node: Located) -> list[str]:
        found = []
        for item in self.sequence(node, "allow"):
            if isinstance(item.value, str) and item.value.strip():
                found.append(item.value.strip())
            else:
                self.report(item, f"allow must list words; got {item.value!r}")
        return found

    # --- shapes -----------------------------------------------------------------------

    def mapping(
        self,
        node: Located,
        what: str,
        required: set[str] | None = None,
        optional: set[str] | None = None,
    ) -> dict[str, Located]:
        """The mapping's keys; with `required`, unknown and missing keys are reported."""
        if not isinstance(node.value, dict):
            self.report(node, f"{what} must be a mapping of `key: value` lines")
            return {}
        if required is None:
            return dict(node.value)
        allowed = required | (optional or set())
        for key, value in node.value.items():
            if key not in allowed:
                self.report(value, f"unknown key {key!r} in {what}; {self.known(key, allowed)}")
        for key in sorted(required - node.value.keys()):
            self.report(node, f"{what} is missing the key {key!r}")
        return {key: value for key, value in node.value.items() if key in allowed}

    def sequence(self, node: Located, what: str) -> list[Located]:
        if not isinstance(node.value, list):
            self.report(node, f"{what} must be a list (lines starting with '- ')")
            return []
        return list(node.value)

    def text(self, node: Located, what: str) -> str | None:
        if not isinstance(node.value, str) or not node.value.strip():
            self.report(node, f"{what} must be non-empty text (quote it if in doubt)")
            return None
        return node.value.strip()

    @staticmethod
    def known(name: str, choices: Iterable[str]) -> str:
        names = sorted(choices)
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"{hint}expected one of: {', '.join(names)}"
