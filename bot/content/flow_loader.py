"""Load and validate the flows: every flows/*.yaml plus its words in flows/texts/.

Each `flows/<name>.yaml` is one flow (guide.yaml, after_reply.yaml, ...). Its words come from
`texts/<language>.yaml` and `texts/<language>/*.yaml`: a text file's `ui:` section is shared
by every flow, its other sections belong to the flow named by its `flow:` key.

`validate(flows_dir)` returns every problem found (for `reconsider-bot check`);
`load_guides(flows_dir)` (and `load_guide`, the flow people start with) raise ContentError
unless there are none, so the bot refuses to start with a broken flow instead of failing
mid-conversation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.errors import ContentError, Problem
from bot.content.located import Located, read_yaml
from bot.content.ui_keys import UI_KEYS
from bot.engine.decide import DERIVED_FACTS
from bot.engine.details import DERIVED
from bot.engine.followup import DELAYS
from bot.engine.guide import Guide
from bot.engine.ids import MAX_ID_BYTES
from bot.engine.model import (
    END,
    PLACEHOLDER,
    Approach,
    Catalog,
    Condition,
    DetailSpec,
    DraftTemplate,
    Flow,
    FollowUp,
    Forbid,
    Match,
    Pick,
    Piece,
    Placement,
    Question,
    Rule,
    Secondary,
    Tip,
    WordLimits,
)

FLOW_FILE = "guide.yaml"
"""The flow people start with; any other flows/*.yaml answers a flow's result (`follows`)."""
TEXTS_DIR = "texts"
CHANNELS = ("email", "message", "linkedin", "none")


@dataclass
class _Reader:
    """Collects problems while turning Located values into model objects."""

    problems: list[Problem] = field(default_factory=list)

    def report(self, where: Located, message: str) -> None:
        self.problems.append(where.problem(message))

    def mapping(
        self,
        node: Located,
        what: str,
        required: Iterable[str] = (),
        optional: Iterable[str] = (),
        named: bool = False,
    ) -> dict[str, Located] | None:
        """`named`: the keys are ids the file defines, so any key is allowed."""
        if not isinstance(node.value, dict):
            self.report(node, f"{what} must be a mapping of `key: value` lines")
            return None
        allowed = set(required) | set(optional)
        for key, value in node.value.items():
            if not named and key not in allowed:
                hint = ", ".join(sorted(allowed))
                self.report(value, f"unknown key {key!r} in {what}; expected one of: {hint}")
        for key in required:
            if key not in node.value:
                self.report(node, f"{what} is missing the key {key!r}")
        return dict(node.value)

    def text(self, node: Located, what: str) -> str | None:
        if not isinstance(node.value, str) or not node.value.strip():
            self.report(node, f"{what} must be non-empty text (quote it if in doubt)")
            return None
        return node.value

    def integer(self, node: Located, what: str, low: int, high: int) -> int | None:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.report(node, f"{what} must be a whole number from {low} to {high}")
            return None
        return value

    def sequence(self, node: Located, what: str) -> list[Located]:
        if not isinstance(node.value, list):
            self.report(node, f"{what} must be a list (lines starting with '- ')")
            return []
        return list(node.value)

    def strings(self, node: Located, what: str) -> list[str]:
        found = []
        for item in self.sequence(node, what):
            if isinstance(item.value, str):
                found.append(item.value)
            else:
                self.report(
                    item,
                    f"{what} must hold quoted text; got {item.value!r} "
                    f"(write '{str(item.value).lower()}' in quotes)",
                )
        return found


# ---- the flow -----------------------------------------------------------------------------


def _condition(reader: _Reader, node: Located, what: str, facts: dict[str, set[str]]) -> Condition:
    """`{question: [values]}` or `{question: {not: [values]}}`, every value known."""
    clauses = []
    mapping = reader.mapping(node, what, optional=facts)
    for key, value_node in (mapping or {}).items():
        if key not in facts:
            continue
        negate = False
        values_node = value_node
        if isinstance(value_node.value, dict):
            inner = reader.mapping(value_node, f"{what}.{key}", required=["not"])
            if not inner or "not" not in inner:
                continue
            negate, values_node = True, inner["not"]
        values = reader.strings(values_node, f"{what}.{key}")
        if not values:
            reader.report(values_node, f"{what}.{key} needs at least one value")
        for value in values:
            if value not in facts[key]:
                allowed = ", ".join(sorted(facts[key]))
                reader.report(values_node, f"{value!r} is not a value of {key}; use one of: {allowed}")
        clauses.append((key, Match(frozenset(values), negate)))
    return Condition(tuple(clauses))


def _questions(reader: _Reader, node: Located) -> list[Question]:
    questions: list[Question] = []
    seen: dict[str, Located] = {}
    for item in reader.sequence(node, "questions"):
        fields = reader.mapping(item, "a question", required=["id", "options"], optional=["next"])
        if not fields or "id" not in fields or "options" not in fields:
            continue
        qid = reader.text(fields["id"], "a question id")
        if qid is None:
            continue
        if qid in seen:
            reader.report(fields["id"], f"duplicate question id {qid!r} (first on line {seen[qid].line})")
            continue
        seen[qid] = fields["id"]
        options = reader.strings(fields["options"], f"{qid}.options")
        if not options:
            reader.report(fields["options"], f"{qid} needs at least one option")
        if len(set(options)) != len(options):
            reader.report(fields["options"], f"{qid} lists an option twice")
        by_value: dict[str, str] = {}
        default: str | None = None
        if "next" in fields:
            next_map = reader.mapping(fields["next"], f"{qid}.next", optional=[*options, "default"])
            for key, target_node in (next_map or {}).items():
                target = reader.text(target_node, f"{qid}.next.{key}")
                if target is None or (key not in options and key != "default"):
                    continue
                if key == "default":
                    default = target
                else:
                    by_value[key] = target
        questions.append(Question(qid, tuple(options), by_value, default or ""))
    # An unset default means "the next question in the list" (or the end after the last).
    finished = []
    for index, question in enumerate(questions):
        default = question.next_default or (questions[index + 1].id if index + 1 < len(questions) else END)
        finished.append(Question(question.id, question.options, question.next_by_value, default))
    return finished


def _check_graph(reader: _Reader, questions: list[Question], where: dict[str, Located]) -> None:
    ids = {question.id for question in questions}
    for question in questions:
        for target in {*question.next_by_value.values(), question.next_default}:
            if target != END and target not in ids:
                reader.report(
                    where[question.id],
                    f"{question.id}.next points to {target!r}, which is "
                    f"not a question; use a question id or 'end'",
                )
    if not questions:
        return
    graph = {
        q.id: {t for t in {*q.next_by_value.values(), q.next_default} if t == END or t in ids}
        for q in questions
    }
    reachable, frontier = {questions[0].id}, [questions[0].id]
    while frontier:
        for target in graph[frontier.pop()]:
            if target != END and target not in reachable:
                reachable.add(target)
                frontier.append(target)
    for question in questions:
        if question.id not in reachable:
            reader.report(
                where[question.id],
                f"question {question.id!r} is unreachable: no answer leads to it from {questions[0].id!r}",
            )
    finishing = {END}
    changed = True
    while changed:
        changed = False
        for qid, targets in graph.items():
            if qid not in finishing and targets & finishing:
                finishing.add(qid)
                changed = True
    for question in questions:
        if question.id in reachable and question.id not in finishing:
            reader.report(
                where[question.id],
                f"question {question.id!r} is a dead end: no path from it reaches 'end' (a loop?)",
            )


def _flow(reader: _Reader, root: Located) -> Flow | None:
    top = reader.mapping(
        root,
        "the flow",
        required=[
            "flow",
            "version",
            "languages",
            "questions",
            "details",
            "approaches",
            "placements",
            "limits",
            "rules",
            "never",
            "secondary",
            "tips",
            "expectations",
            "next_steps",
            "follow_up",
        ],
        optional=["follows", "carry"],
    )
    if top is None or any(key not in top for key in ("flow", "version", "languages", "questions")):
        return None
    flow_id = reader.text(top["flow"], "flow") or "flow"
    version = reader.integer(top["version"], "version", 1, 10**6) or 1
    languages = reader.strings(top["languages"], "languages")
    if not languages:
        reader.report(top["languages"], "languages needs at least one language code, e.g. ['en']")
    questions = _questions(reader, top["questions"])
    where: dict[str, Located] = {}
    for item in top["questions"].value if isinstance(top["questions"].value, list) else []:
        if isinstance(item.value, dict) and "id" in item.value:
            where.setdefault(item.value["id"].value, item)
    _check_graph(reader, questions, where)

    details: list[DetailSpec] = []
    for item in reader.sequence(top.get("details", root), "details"):
        fields = reader.mapping(item, "a detail", required=["id", "max_length"])
        if not fields or "id" not in fields or "max_length" not in fields:
            continue
        detail_id = reader.text(fields["id"], "a detail id")
        if detail_id is None:
            continue
        if any(existing.id == detail_id for existing in details):
            reader.report(fields["id"], f"duplicate detail id {detail_id!r}")
        elif detail_id in DERIVED:
            reader.report(fields["id"], f"{detail_id!r} is computed by the engine; pick another id")
        else:
            limit = reader.integer(fields["max_length"], f"{detail_id}.max_length", 1, 1000)
            details.append(DetailSpec(detail_id, limit or 1))

    answer_facts = {question.id: set(question.options) for question in questions}

    placements: dict[str, Placement] = {}
    placement_nodes = reader.mapping(top.get("placements", root), "placements", named=True) or {}
    for placement_id, node in placement_nodes.items():
        fields = reader.mapping(node, f"placements.{placement_id}", required=["channel", "subject"])
        if not fields or "channel" not in fields or "subject" not in fields:
            continue
        channel = fields["channel"].value
        if channel not in CHANNELS[:-1]:
            reader.report(fields["channel"], f"channel must be one of: {', '.join(CHANNELS[:-1])}")
            continue
        if not isinstance(fields["subject"].value, bool):
            reader.report(fields["subject"], "subject must be true or false")
        placements[str(placement_id)] = Placement(str(placement_id), channel, fields["subject"].value is True)

    limits: dict[str, WordLimits] = {}
    for limit_id, node in (reader.mapping(top.get("limits", root), "limits", named=True) or {}).items():
        fields = reader.mapping(
            node,
            f"limits.{limit_id}",
            required=["min_words", "max_words"],
            optional=["max_chars", "languages"],
        )
        base = _word_limits(reader, fields) if fields else None
        if fields is None or base is None:
            continue
        by_language: dict[str, WordLimits] = {}
        own_limits = (
            reader.mapping(fields["languages"], f"limits.{limit_id}.languages", named=True)
            if "languages" in fields
            else None
        )
        for code, sub in (own_limits or {}).items():
            if str(code) not in languages:
                reader.report(
                    sub,
                    f"limits.{limit_id}.languages: {code!r} is not a declared language "
                    f"({', '.join(languages)})",
                )
                continue
            own = reader.mapping(
                sub,
                f"limits.{limit_id}.languages.{code}",
                required=["min_words", "max_words"],
                optional=["max_chars"],
            )
            found = _word_limits(reader, own) if own else None
            if found is not None:
                by_language[str(code)] = found
        limits[str(limit_id)] = WordLimits(base.min_words, base.max_words, base.max_chars, by_language)

    derived_values: dict[str, set[str]] = {
        "primary": set(),  # filled in below, once the approaches are known
        "primary_asks_question": {"yes", "no"},
        "primary_placement": {*placements, "none"},
        "sends": {"yes", "no"},
    }
    all_facts: dict[str, set[str]] = {**answer_facts, **{key: derived_values[key] for key in DERIVED_FACTS}}

    def picks(node: Located, what: str, known: Iterable[str]) -> tuple[Pick, ...]:
        """`name`, or a list of `{when: {...}, use: name}` (the first that holds)."""
        names = set(known)
        items: list[tuple[Condition, Located]] = []
        if isinstance(node.value, str):
            items.append((Condition(), node))
        else:
            for item in reader.sequence(node, what):
                fields = reader.mapping(item, f"an entry of {what}", required=["use"], optional=["when"])
                if fields and "use" in fields:
                    when = (
                        _condition(reader, fields["when"], f"{what}.when", answer_facts)
                        if "when" in fields
                        else Condition()
                    )
                    items.append((when, fields["use"]))
        found = []
        for when, name_node in items:
            name = reader.text(name_node, what)
            if name is not None and name not in names:
                reader.report(
                    name_node, f"{what} {name!r} is not defined; use one of: " + ", ".join(sorted(names))
                )
            elif name is not None:
                found.append(Pick(when, name))
        if found and found[-1].when.clauses:
            reader.report(node, f"the last entry of {what} needs no `when`, so every path has one")
        return tuple(found)

    approaches: dict[str, Approach] = {}
    approach_nodes = reader.mapping(top.get("approaches", root), "approaches", named=True) or {}
    for approach_id, node in approach_nodes.items():
        fields = reader.mapping(
            node,
            f"approaches.{approach_id}",
            required=["channel", "asks_question"],
            optional=["placement", "limit", "when_by"],
        )
        if not fields or "channel" not in fields:
            continue
        channel = fields["channel"].value
        if channel not in CHANNELS:
            reader.report(fields["channel"], f"channel must be one of: {', '.join(CHANNELS)}")
            continue
        asks = fields.get("asks_question")
        if asks is not None and not isinstance(asks.value, bool):
            reader.report(asks, "asks_question must be true or false")
        placement: tuple[Pick, ...] = ()
        length: tuple[Pick, ...] = ()
        if channel != "none":
            for key in ("placement", "limit"):
                if key not in fields:
                    reader.report(node, f"approaches.{approach_id} sends a draft, so it needs `{key}:`")
            if "placement" in fields:
                placement = picks(fields["placement"], f"approaches.{approach_id}.placement", placements)
                for pick in placement:
                    if placements[pick.value].channel != channel:
                        reader.report(
                            fields["placement"], f"placement {pick.value!r} is not a {channel} placement"
                        )
            if "limit" in fields:
                length = picks(fields["limit"], f"approaches.{approach_id}.limit", limits)
        when_by = None
        if "when_by" in fields:
            when_by = reader.text(fields["when_by"], "when_by")
            if when_by is not None and when_by not in answer_facts:
                reader.report(fields["when_by"], f"when_by {when_by!r} is not a question")
                when_by = None
        approaches[str(approach_id)] = Approach(
            str(approach_id),
            None if channel == "none" else channel,
            bool(asks and asks.value is True),
            placement,
            length,
            when_by,
        )
    derived_values["primary"] |= set(approaches)

    def entries(
        key: str, extra: list[str], optional: Iterable[str] = ()
    ) -> list[tuple[str, Located, dict[str, Located]]]:
        found: list[tuple[str, Located, dict[str, Located]]] = []
        seen: set[str] = set()
        for item in reader.sequence(top.get(key, root), key):
            fields = reader.mapping(
                item, f"an entry of {key}", required=["id", "when", *extra], optional=optional
            )
            if not fields or any(k not in fields for k in ("id", "when", *extra)):
                continue
            entry_id = reader.text(fields["id"], f"{key} id")
            if entry_id is None:
                continue
            if entry_id in seen:
                reader.report(fields["id"], f"duplicate id {entry_id!r} in {key}")
                continue
            seen.add(entry_id)
            found.append((entry_id, item, fields))
        return found

    def approach_ref(node: Located, what: str) -> str | None:
        name = reader.text(node, what)
        if name is not None and name not in approaches:
            reader.report(node, f"{what} {name!r} is not an approach; use one of: " + ", ".join(approaches))
            return None
        return name

    rules = []
    last_rule: Located = top.get("rules", root)
    for rule_id, item, fields in entries("rules", ["primary"], ["because"]):
        last_rule = item
        primary = approach_ref(fields["primary"], "primary")
        when = _condition(reader, fields["when"], f"rules.{rule_id}.when", answer_facts)
        because = reader.strings(fields["because"], f"rules.{rule_id}.because") if "because" in fields else []
        for key in because:
            if key not in answer_facts:
                reader.report(fields["because"], f"{key!r} in rules.{rule_id}.because is not a question")
        if not because and not when.keys:
            reader.report(
                item,
                f"rule {rule_id} tests no answer, so add `because: [...]` naming "
                f"the questions its 'why this' should cite",
            )
        if primary:
            rules.append(Rule(rule_id, when, primary, tuple(because)))
    never = []
    for never_id, item, fields in entries("never", ["forbid"]):
        when = _condition(reader, fields["when"], f"never.{never_id}.when", answer_facts)
        forbidden = [
            approach_ref(Located(name, item.file, fields["forbid"].line), "forbid")
            for name in reader.strings(fields["forbid"], f"never.{never_id}.forbid")
        ]
        never.append(Forbid(never_id, when, frozenset(name for name in forbidden if name)))
    secondary = []
    for extra_id, _item, fields in entries("secondary", ["add"]):
        when = _condition(reader, fields["when"], f"secondary.{extra_id}.when", all_facts)
        added = approach_ref(fields["add"], "add")
        if added:
            secondary.append(Secondary(extra_id, when, added))
    tips = [
        Tip(tip_id, _condition(reader, fields["when"], f"tips.{tip_id}.when", all_facts))
        for tip_id, _item, fields in entries("tips", [])
    ]
    expectations = [
        Tip(key, _condition(reader, fields["when"], f"expectations.{key}.when", all_facts))
        for key, _item, fields in entries("expectations", [])
    ]
    next_steps = [
        Tip(key, _condition(reader, fields["when"], f"next_steps.{key}.when", all_facts))
        for key, _item, fields in entries("next_steps", [])
    ]
    follow_up = []
    for key, _item, fields in entries("follow_up", ["delay"]):
        delay = reader.text(fields["delay"], f"follow_up.{key}.delay")
        if delay is not None and delay not in DELAYS:
            reader.report(fields["delay"], f"delay {delay!r} is not one of: {', '.join(DELAYS)}")
        elif delay is not None:
            follow_up.append(
                FollowUp(_condition(reader, fields["when"], f"follow_up.{key}.when", all_facts), delay)
            )
    if rules and rules[-1].when.clauses:
        reader.report(
            last_rule,
            "the last rule must have `when: {}` so every path gets a "
            "recommendation (otherwise some answers are a dead end)",
        )
    if rules and any(rules[-1].primary in n.approaches for n in never):
        reader.report(
            last_rule,
            "the last rule's approach can be forbidden by a `never` rule; "
            "some answers would get no recommendation",
        )
    follows = reader.text(top["follows"], "follows") if "follows" in top else None
    carry = reader.strings(top["carry"], "carry") if "carry" in top else []
    for name in carry:
        if name not in {detail.id for detail in details}:
            reader.report(top["carry"], f"carry names {name!r}, which is not a detail of this flow")
    return Flow(
        id=flow_id,
        version=version,
        languages=tuple(languages),
        questions=tuple(questions),
        details=tuple(details),
        approaches=approaches,
        rules=tuple(rules),
        never=tuple(never),
        secondary=tuple(secondary),
        tips=tuple(tips),
        limits=limits,
        placements=placements,
        expectations=tuple(expectations),
        next_steps=tuple(next_steps),
        follow_up=tuple(follow_up),
        follows=follows,
        carry=tuple(carry),
    )


# ---- the catalogs -------------------------------------------------------------------------


def _expected_texts(flow: Flow, interface: Mapping[str, frozenset[str]] | None) -> dict[str, frozenset[str]]:
    """Every text key the flow and the interface need, with the placeholders each may use."""
    none: frozenset[str] = frozenset()
    texts = {**UI_KEYS, **(interface or {})}
    keys: dict[str, frozenset[str]] = {f"ui.{key}": allowed for key, allowed in texts.items()}
    for question in flow.questions:
        keys[f"questions.{question.id}.text"] = none
        keys[f"questions.{question.id}.short"] = none
        for value in question.options:
            keys[f"questions.{question.id}.options.{value}"] = none
            keys[f"reasons.{question.id}.{value}"] = none
    for detail in flow.details:
        keys[f"details.{detail.id}.prompt"] = none
    for approach in flow.approaches.values():
        for part in ("title", "why", "expect"):
            keys[f"approaches.{approach.id}.{part}"] = none
        if approach.when_by is None:
            keys[f"approaches.{approach.id}.when"] = none
        else:
            for value in flow.question(approach.when_by).options:
                keys[f"approaches.{approach.id}.when.{value}"] = none
    for placement in flow.placements:
        keys[f"placements.{placement}"] = none
    for entry in flow.expectations:
        keys[f"expectations.{entry.id}"] = none
    for entry in flow.next_steps:
        keys[f"next_steps.{entry.id}"] = none
    for never in flow.never:
        keys[f"never.{never.id}"] = none
    for tip in flow.tips:
        keys[f"tips.{tip.id}"] = none
    return keys


OPTIONAL_TEXTS = ("questions.{}.hint", "details.{}.hint")


def _flatten(node: Located, prefix: str, out: dict[str, Located]) -> None:
    if isinstance(node.value, dict):
        for key, child in node.value.items():
            _flatten(child, f"{prefix}.{key}" if prefix else key, out)
    else:
        out[prefix] = node


def _piece(
    reader: _Reader, node: Located, what: str, facts: dict[str, set[str]], details: set[str]
) -> Piece | None:
    when = Condition()
    if isinstance(node.value, str):
        alternatives = [node.value]
        where = [node]
    else:
        fields = reader.mapping(node, what, optional=["alt", "text", "when"])
        if fields is None:
            return None
        if ("alt" in fields) == ("text" in fields):
            reader.report(node, f"{what} needs exactly one of `text:` or `alt: [...]`")
            return None
        if "when" in fields:
            when = _condition(reader, fields["when"], f"{what}.when", facts)
        if "text" in fields:
            where = [fields["text"]]
        else:
            where = reader.sequence(fields["alt"], f"{what}.alt")
            if not where:
                reader.report(fields["alt"], f"{what}.alt needs at least one text")
        alternatives = []
        for item in where:
            text = reader.text(item, what)
            if text is not None:
                alternatives.append(text)
    for item, text in zip(where, alternatives, strict=False):
        for name in PLACEHOLDER.findall(text):
            if name not in details:
                reader.report(
                    item,
                    f"unknown placeholder {{{name}}} in {what}; drafts may use: "
                    + ", ".join(sorted(details)),
                )
        stray = PLACEHOLDER.sub("", text)
        if "{" in stray or "}" in stray:
            reader.report(item, f"stray brace in {what}: placeholders look like {{company}}")
    return Piece(tuple(alternatives), when)


def _drafts(reader: _Reader, node: Located, flow: Flow) -> dict[str, DraftTemplate]:
    facts: dict[str, set[str]] = {q.id: set(q.options) for q in flow.questions}
    facts["primary"] = set(flow.approaches)
    facts["primary_asks_question"] = {"yes", "no"}
    facts["primary_placement"] = {*flow.placements, "none"}
    facts["sends"] = {"yes", "no"}
    details = {detail.id for detail in flow.details} | set(DERIVED)
    with_draft = [a.id for a in flow.approaches.values() if a.channel]
    templates: dict[str, DraftTemplate] = {}
    mapping = reader.mapping(node, "drafts", required=with_draft)
    for approach_id, template_node in (mapping or {}).items():
        if approach_id not in with_draft:
            continue
        placements = flow.approaches[approach_id].placement
        with_subject = any(flow.placements[pick.value].subject for pick in placements)
        required = ["subject", "body"] if with_subject else ["body"]
        fields = reader.mapping(template_node, f"drafts.{approach_id}", required=required)
        if not fields or "body" not in fields:
            continue
        subject = None
        if "subject" in fields:
            subject = _piece(reader, fields["subject"], f"drafts.{approach_id}.subject", facts, details)
        paragraphs = []
        for index, paragraph in enumerate(reader.sequence(fields["body"], f"drafts.{approach_id}.body")):
            what = f"drafts.{approach_id}.body[{index + 1}]"
            pieces = [_piece(reader, item, what, facts, details) for item in reader.sequence(paragraph, what)]
            paragraphs.append(tuple(piece for piece in pieces if piece))
        templates[approach_id] = DraftTemplate(subject, tuple(paragraphs))
    return templates


CATALOG_SECTIONS = (
    "ui",
    "questions",
    "details",
    "approaches",
    "placements",
    "reasons",
    "never",
    "tips",
    "expectations",
    "next_steps",
    "drafts",
)


def _word_limits(reader: _Reader, fields: Mapping[str, Located]) -> WordLimits | None:
    if "min_words" not in fields or "max_words" not in fields:
        return None
    low = reader.integer(fields["min_words"], "min_words", 1, 1000)
    high = reader.integer(fields["max_words"], "max_words", 1, 1000)
    chars = reader.integer(fields["max_chars"], "max_chars", 20, 10_000) if "max_chars" in fields else None
    return WordLimits(low, high, chars) if low and high else None


def catalog_files(flows_dir: Path, language: str) -> list[Path]:
    """`texts/<lang>.yaml` and any `texts/<lang>/*.yaml`: one language may span several files
    (say, the guide's words and the Telegram interface's), merged section by section."""
    single = flows_dir / TEXTS_DIR / f"{language}.yaml"
    folder = flows_dir / TEXTS_DIR / language
    return ([single] if single.is_file() else []) + sorted(folder.glob("*.yaml"))


def _catalog(
    reader: _Reader,
    flows_dir: Path,
    language: str,
    flow: Flow,
    flow_ids: set[str],
    interface: Mapping[str, frozenset[str]] | None,
    placeholders: dict[str, tuple[frozenset[str], Located]] | None = None,
) -> Catalog | None:
    flat: dict[str, Located] = {}
    drafts_nodes: list[Located] = []
    first: Located | None = None
    own_first: Located | None = None
    unreadable = False
    for path in catalog_files(flows_dir, language):
        try:
            root = read_yaml(path, _display(path, flows_dir))
        except ContentError as error:
            reader.problems.extend(error.problems)
            unreadable = True
            continue
        first = first or root
        top = reader.mapping(
            root, f"the {language} catalog", required=["language"], optional=["flow", *CATALOG_SECTIONS]
        )
        if top is None:
            continue
        if "language" in top and top["language"].value != language:
            reader.report(
                top["language"],
                f"language is {top['language'].value!r} but the file is for {language!r}; make them match",
            )
        owner = top["flow"].value if "flow" in top else None
        if owner is not None and owner not in flow_ids:
            reader.report(
                top["flow"], f"flow {owner!r} is not one of the flows here: " + ", ".join(sorted(flow_ids))
            )
        flow_words = [key for key in CATALOG_SECTIONS[1:] if key in top]
        if owner is None and flow_words:
            reader.report(
                root,
                f"say whose words these are: add `flow: <id>` (one of: "
                f"{', '.join(sorted(flow_ids))}); only `ui:` is shared by every flow",
            )
        own = owner == flow.id
        if own:
            own_first = own_first or root
        for section in CATALOG_SECTIONS[:-1]:
            if section in top and (own or section == "ui"):
                before = dict(flat)
                _flatten(top[section], section, flat)
                for key in before:
                    if flat[key] is not before[key]:
                        reader.report(
                            flat[key],
                            f"text {key!r} is also set in {before[key].file}:{before[key].line}; keep one",
                        )
        if "drafts" in top and own:
            drafts_nodes.append(top["drafts"])
    if first is None or unreadable:  # the syntax error is the problem to fix; spare the echoes
        return None
    if len(drafts_nodes) > 1:
        reader.report(drafts_nodes[1], "drafts are set in two files; keep them in one")
    root = own_first or first
    expected = _expected_texts(flow, interface)
    optional = {
        pattern.format(item)
        for pattern in OPTIONAL_TEXTS
        for item in [*(q.id for q in flow.questions), *(d.id for d in flow.details)]
    }
    texts: dict[str, str] = {}
    for key, node in flat.items():
        if key not in expected and key not in optional and not (interface is None and key.startswith("ui.")):
            reader.report(
                node,
                f"unknown text key {key!r}: no question, option, approach, rule or "
                f"tip of the flow uses it (a typo?)",
            )
            continue
        text = reader.text(node, key)
        if text is None:
            continue
        allowed = expected.get(key, frozenset())
        if placeholders is not None:
            placeholders[key] = (frozenset(PLACEHOLDER.findall(text)), node)
        for name in PLACEHOLDER.findall(text):
            if name not in allowed:
                hint = f"allowed here: {', '.join(sorted(allowed))}" if allowed else "none allowed here"
                reader.report(node, f"unknown placeholder {{{name}}} in {key}; {hint}")
        texts[key] = text
    for key in expected:
        if key not in flat:
            reader.report(
                root,
                f"missing text {key!r} in the {language} catalog of flow "
                f"{flow.id!r}; add it (the flow or the interface uses it)",
            )
    if not drafts_nodes:
        reader.report(root, f"the {language} catalog of flow {flow.id!r} has no `drafts:` section")
    drafts = _drafts(reader, drafts_nodes[0], flow) if drafts_nodes else {}
    return Catalog(language=language, texts=texts, drafts=drafts)


def _check_payloads(reader: _Reader, flow: Flow, where: Located) -> None:
    """Ids and option values travel in button payloads: each must fit `MAX_ID_BYTES`."""
    arguments = [value for q in flow.questions for value in q.options]
    arguments += [q.id for q in flow.questions]
    for argument in arguments:
        size = len(argument.encode("utf-8"))
        if size > MAX_ID_BYTES:
            reader.report(
                where,
                f"{argument!r} is {size} bytes long; ids and option values go into "
                f"buttons, which allow {MAX_ID_BYTES}: shorten it",
            )


# ---- entry points -------------------------------------------------------------------------


def flow_files(flows_dir: Path) -> list[Path]:
    """Every flow: guide.yaml (the one people start with) first, then the others by name."""
    others = sorted(p for p in flows_dir.glob("*.yaml") if p.name != FLOW_FILE)
    return [flows_dir / FLOW_FILE, *others]  # a missing guide.yaml is reported when read


def _load_all(
    flows_dir: Path, interface: Mapping[str, frozenset[str]] | None = None
) -> tuple[list[tuple[Flow, dict[str, Catalog]]], list[Problem]]:
    """Every flow with its catalogs, and the problems of all. `interface` adds the texts a
    transport needs (its commands' words, say), keyed without the catalog's "ui." prefix, with
    their placeholders; without it (the terminal, which knows no Telegram commands) extra `ui.`
    texts are let be. `check` and `run` pass the Telegram registry's, so there both a missing
    and a stray text fail."""
    reader = _Reader()
    parsed: list[tuple[Flow, Located]] = []
    for flow_path in flow_files(flows_dir):
        try:
            root = read_yaml(flow_path, _display(flow_path, flows_dir))
        except ContentError as error:
            reader.problems.extend(error.problems)
            continue
        flow = _flow(reader, root)
        if flow is None:
            continue
        if any(known.id == flow.id for known, _ in parsed):
            reader.report(root, f"flow {flow.id!r} is defined twice; give each file its own `flow:`")
            continue
        parsed.append((flow, root))
    flow_ids = {flow.id for flow, _ in parsed}
    loaded: list[tuple[Flow, dict[str, Catalog]]] = []
    for index, (flow, root) in enumerate(parsed):
        if (index == 0) != (flow.follows is None):
            reader.report(
                root,
                f"only {FLOW_FILE} starts from nothing; every other flow must say "
                f"which flow's result it answers (`follows: <id>`)",
            )
        elif flow.follows is not None and flow.follows not in flow_ids:
            reader.report(
                root,
                f"follows {flow.follows!r}, which is not a flow here; use one "
                f"of: {', '.join(sorted(flow_ids))}",
            )
        catalogs: dict[str, Catalog] = {}
        placeholders: dict[str, dict[str, tuple[frozenset[str], Located]]] = {}
        _check_payloads(reader, flow, root)
        for language in flow.languages:
            if not catalog_files(flows_dir, language):
                reader.report(
                    root,
                    f"language {language!r} is declared but {TEXTS_DIR}/"
                    f"{language}.yaml is missing; add the catalog or drop the "
                    f"language",
                )
                continue
            used: dict[str, tuple[frozenset[str], Located]] = {}
            catalog = _catalog(reader, flows_dir, language, flow, flow_ids, interface, used)
            if catalog is not None:
                catalogs[language] = catalog
                placeholders[language] = used
        _check_same_placeholders(reader, flow.languages, placeholders)
        loaded.append((flow, catalogs))
    # Shared files are read once per flow: report each of their problems once.
    return loaded, list(dict.fromkeys(reader.problems))


def _load(
    flows_dir: Path, interface: Mapping[str, frozenset[str]] | None = None
) -> tuple[Flow | None, dict[str, Catalog], list[Problem]]:
    """The flow people start with, its catalogs, and the problems of every flow."""
    loaded, problems = _load_all(Path(flows_dir), interface)
    if not loaded or loaded[0][0].follows is not None:
        return None, {}, problems
    return loaded[0][0], loaded[0][1], problems


def _check_same_placeholders(
    reader: _Reader,
    languages: Iterable[str],
    placeholders: Mapping[str, Mapping[str, tuple[frozenset[str], Located]]],
) -> None:
    """A translation fills in what the first language fills in: "{date}" dropped from one
    language's reminder would leave its reader without the date."""
    codes = [code for code in languages if code in placeholders]
    if len(codes) < 2:
        return
    first = placeholders[codes[0]]
    for code in codes[1:]:
        for key, (names, node) in placeholders[code].items():
            if key in first and names != first[key][0]:
                want = ", ".join(f"{{{name}}}" for name in sorted(first[key][0])) or "none"
                have = ", ".join(f"{{{name}}}" for name in sorted(names)) or "none"
                reader.report(
                    node,
                    f"{key} uses {have} in {code!r} but {want} in {codes[0]!r} "
                    f"({first[key][1].file}:{first[key][1].line}); use the same placeholders",
                )


def _display(path: Path, flows_dir: Path) -> str:
    try:
        return str(path.relative_to(flows_dir.parent))
    except ValueError:
        return str(path)


def validate(flows_dir: Path, interface: Mapping[str, frozenset[str]] | None = None) -> list[Problem]:
    return _load_all(Path(flows_dir), interface)[1]


def load_guides(flows_dir: Path, interface: Mapping[str, frozenset[str]] | None = None) -> dict[str, Guide]:
    """Every flow's guide by flow id, the one people start with first."""
    loaded, problems = _load_all(Path(flows_dir), interface)
    if problems or not loaded:
        raise ContentError(problems or [Problem(str(flows_dir), 0, "no flow found")])
    guides = {flow.id: Guide(flow, catalogs) for flow, catalogs in loaded}
    for guide in guides.values():
        if guide.flow.follows is not None:
            guides[guide.flow.follows].followers[guide.flow.id] = guide
    return guides


def load_guide(flows_dir: Path, interface: Mapping[str, frozenset[str]] | None = None) -> Guide:
    """The guide people start with (guide.yaml), with the flows that follow it as its
    `followers`; fails when any flow has a problem."""
    return next(iter(load_guides(flows_dir, interface).values()))
