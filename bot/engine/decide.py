"""The choice of approach: first matching rule wins, "never" rules override, extras added."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.engine.model import END, Flow, Forbid, Rule, first_pick


@dataclass(frozen=True)
class Decision:
    primary: str
    rule: Rule
    downgrades: tuple[Forbid, ...]
    """"Never" rules that set aside an earlier matching rule."""
    secondary: tuple[str, ...]
    tips: tuple[str, ...]
    facts: Mapping[str, str]
    """The answers on the person's path, plus the derived facts of DERIVED_FACTS."""
    expectations: tuple[str, ...] = ()
    next_steps: tuple[str, ...] = ()
    follow_up: str | None = None

    @property
    def approaches(self) -> tuple[str, ...]:
        return (self.primary, *self.secondary)


DERIVED_FACTS = ("primary", "primary_asks_question", "primary_placement", "sends")
"""Facts the conditions may test besides the answers (`sends`: is any draft to be sent)."""


def path_answers(flow: Flow, answers: Mapping[str, str]) -> dict[str, str]:
    """The answers the flow actually asks for, walking from the start; others do not count.

    (After `stage=automated`, say, the other six answers cannot change anything.)
    """
    relevant: dict[str, str] = {}
    current = flow.start
    while current != END and current in answers and flow.has_question(current):
        value = answers[current]
        relevant[current] = value
        current = flow.question(current).next_for(value)
    return relevant


def decide(flow: Flow, answers: Mapping[str, str]) -> Decision:
    facts: dict[str, str] = path_answers(flow, answers)
    forbidden: set[str] = set()
    active_never = [never for never in flow.never if never.when.holds(facts)]
    for never in active_never:
        forbidden |= never.approaches
    downgrades: list[Forbid] = []
    chosen: Rule | None = None
    for rule in flow.rules:
        if not rule.when.holds(facts):
            continue
        if rule.primary in forbidden:
            downgrades.extend(n for n in active_never if rule.primary in n.approaches)
            continue
        chosen = rule
        break
    if chosen is None:  # the loader guarantees an unconditional, never-forbidden last rule
        raise ValueError("no rule matched: the flow's last rule must have no conditions")
    facts["primary"] = chosen.primary
    primary = flow.approaches[chosen.primary]
    facts["primary_asks_question"] = "yes" if primary.asks_question else "no"
    facts["primary_placement"] = first_pick(primary.placement, facts) or "none"
    secondary: list[str] = []
    for extra in flow.secondary:
        if (
            extra.when.holds(facts)
            and extra.approach not in forbidden
            and extra.approach != chosen.primary
            and extra.approach not in secondary
        ):
            secondary.append(extra.approach)
    sends = any(flow.approaches[a].channel for a in (chosen.primary, *secondary))
    facts["sends"] = "yes" if sends else "no"
    tips = tuple(tip.id for tip in flow.tips if tip.when.holds(facts))
    expectations = tuple(e.id for e in flow.expectations if e.when.holds(facts))
    next_steps = tuple(step.id for step in flow.next_steps if step.when.holds(facts))
    follow_up = next((f.delay for f in flow.follow_up if f.when.holds(facts)), None)
    unique_downgrades = tuple(dict.fromkeys(downgrades))
    return Decision(
        chosen.primary,
        chosen,
        unique_downgrades,
        tuple(secondary),
        tips,
        facts,
        expectations,
        next_steps,
        follow_up,
    )
