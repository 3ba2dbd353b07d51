"""The guide: one `transitions` machine per flow, and the turn that moves a session.

Each turn adds the session (wrapped in a cursor) as a model at its saved state, fires one
trigger, reads the new state and removes the model. No callback does I/O, and no callback
name ever comes from the flow files: every condition is a closure built here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from transitions import Machine, MachineError

from bot.engine.decide import Decision, decide, path_answers
from bot.engine.details import normalise_all
from bot.engine.drafts import details_used, render
from bot.engine.model import END, Catalog, Flow, first_pick
from bot.engine.session import Session
from bot.engine.views import (
    Action,
    Answer,
    Back,
    ChangeAnswer,
    ChangeView,
    Choice,
    DetailView,
    Event,
    GiveDetail,
    Plan,
    Proceed,
    QuestionView,
    RecommendView,
    Restart,
    ResultView,
    Revise,
    SkipDetail,
    View,
)

# transitions warns on every add_model about the is_<state> methods model_override skips:
# bot.libraries.quiet_libraries() turns that down where logging is configured.

RECOMMEND = "recommend"
CHANGE = "change"
RESULT = "result"
DETAIL_PREFIX = "detail:"
HISTORY_LIMIT = 64
DECISION_CACHE_LIMIT = 1_024
"""Decisions remembered per cache. A flow can have tens of thousands of answer paths; a turn
only needs its own path's decision a few times, so recent paths are enough, and the
process's memory stays flat however many people come (the oldest entry goes first)."""


K = TypeVar("K")
V = TypeVar("V")


def detail_state(detail_id: str) -> str:
    return DETAIL_PREFIX + detail_id


class InvalidMove(Exception):
    """The event does not fit where the session is (a stale button or a forged input)."""


@dataclass(frozen=True)
class Turn:
    session: Session
    view: View


class _Cursor:
    """The model the machine moves for one turn: the session plus memoised decisions."""

    state: str

    def __init__(self, guide: Guide, session: Session) -> None:
        self.guide = guide
        self.session = session
        self._needed: list[str] | None = None

    def trigger(self, trigger_name: str, *args: Any, **kwargs: Any) -> bool:
        raise AssertionError("replaced by the machine (model_override=True)")

    def needed_details(self) -> list[str]:
        if self._needed is None:
            self._needed = self.guide.needed_details(self.session)
        return self._needed


Condition = Callable[..., bool | None]


class Guide:
    """A flow plus its catalogs, with the machine built once at start-up."""

    def __init__(self, flow: Flow, catalogs: Mapping[str, Catalog]) -> None:
        self.flow = flow
        self.catalogs = dict(catalogs)
        self._details = {detail.id: detail for detail in flow.details}
        self._question_index = {q.id: i for i, q in enumerate(flow.questions)}
        self.machine = self._build_machine()
        self.followers: dict[str, Guide] = {}
        """Guides of the flows that answer this one's result (after_reply), by flow id."""
        self._decisions: dict[tuple[tuple[str, str], ...], Decision] = {}
        self._needed: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[str, ...]] = {}
        self.cache_limit = DECISION_CACHE_LIMIT

    # ---- the machine ------------------------------------------------------------------

    def states(self) -> list[str]:
        questions = [question.id for question in self.flow.questions]
        details = [detail_state(detail.id) for detail in self.flow.details]
        return [*questions, RECOMMEND, *details, CHANGE, RESULT]

    def _build_machine(self) -> Machine:
        machine = Machine(
            model=None,
            states=self.states(),
            initial=self.flow.start,
            auto_transitions=False,
            model_override=True,
            send_event=True,
        )
        for question in self.flow.questions:
            for value, target in question.next_by_value.items():
                self._add_answer(machine, question.id, target, _value_is(value))
            self._add_answer(machine, question.id, question.next_default, None)
        self._add_detail_chain(machine, "proceed", RECOMMEND)
        for detail in self.flow.details:
            self._add_detail_chain(machine, "detail_done", detail_state(detail.id))
        machine.add_transition("change", RESULT, CHANGE)
        for question in self.flow.questions:
            machine.add_transition("revise", CHANGE, question.id, conditions=[_revising(question.id)])
        return machine

    def _add_answer(self, machine: Machine, source: str, target: str, when: Condition | None) -> None:
        conditions: list[str | Condition] = [when] if when else []
        if target == END:
            # With something to send, show the recommendation first; otherwise the result.
            machine.add_transition("answer", source, RECOMMEND, conditions=[*conditions, _has_drafts])
            machine.add_transition("answer", source, RESULT, conditions=conditions)
        else:
            machine.add_transition("answer", source, target, conditions=conditions)

    def _add_detail_chain(self, machine: Machine, trigger: str, source: str) -> None:
        for detail in self.flow.details:
            ask = _should_ask(detail.id)
            machine.add_transition(trigger, source, detail_state(detail.id), conditions=[ask])
        machine.add_transition(trigger, source, RESULT)

    def _fire(self, session: Session, trigger: str, **kwargs: Any) -> None:
        cursor = _Cursor(self, session)
        self.machine.add_model(cursor, initial=session.state)
        try:
            moved = cursor.trigger(trigger, **kwargs)
        except MachineError as error:
            raise InvalidMove(f"{trigger} is not possible at {session.state}") from error
        finally:
            self.machine.remove_model(cursor)
        if not moved:
            raise InvalidMove(f"{trigger} led nowhere from {session.state}")
        session.history.append(session.state)
        del session.history[:-HISTORY_LIMIT]
        session.state = cursor.state

    # ---- turns ------------------------------------------------------------------------

    def catalog(self, language: str) -> Catalog:
        return self.catalogs.get(language) or self.catalogs[self.flow.languages[0]]

    def new_session(
        self,
        language: str | None = None,
        run: int = 1,
        step: int = 0,
        carried: Mapping[str, str] | None = None,
    ) -> Session:
        """A session at the first question. `carried`: details from the result this flow
        follows; those the flow's `carry` names are kept and not asked again."""
        if language not in self.catalogs:
            language = self.flow.languages[0]
        kept = {name: value for name, value in (carried or {}).items() if name in self.flow.carry and value}
        return Session(
            flow=self.flow.id,
            flow_version=self.flow.version,
            language=language,
            state=self.flow.start,
            run=run,
            step=step,
            details=kept,
            asked=[detail.id for detail in self.flow.details if detail.id in kept],
        )

    def start(self, language: str | None = None, carried: Mapping[str, str] | None = None) -> Turn:
        session = self.new_session(language, carried=carried)
        return Turn(session, self.view(session))

    def resume(self, session: Session) -> Session | None:
        """The session to continue, or None to start afresh (another flow, a broken state).

        A session from an older version of this flow keeps the answers and details whose ids
        and values still exist, continues at the first question still unanswered and says once
        that the guide was updated; its run changes, so its old buttons are stale.
        """
        if session.flow != self.flow.id:
            return None
        if session.flow_version == self.flow.version:
            return session if session.state in self.machine.states else None
        moved = self.new_session(session.language, run=session.run + 1, step=session.step + 1)
        moved.answers = {
            key: value
            for key, value in session.answers.items()
            if self.flow.has_question(key) and value in self.flow.question(key).options
        }
        moved.details = {k: v for k, v in session.details.items() if k in self._details}
        moved.asked = [k for k in session.asked if k in self._details]
        while self.flow.has_question(moved.state) and moved.state in moved.answers:
            self._fire(moved, "answer", value=moved.answers[moved.state])
        moved.updated = True
        return moved

    def handle(self, session: Session, event: Event) -> Turn:
        """Apply one event. Raises InvalidMove when it does not fit the current state."""
        if isinstance(event, Restart):
            fresh = self.new_session(
                session.language, run=session.run + 1, step=session.step + 1, carried=session.details
            )
            return Turn(fresh, self.view(fresh))
        if session.state not in self.machine.states:
            raise InvalidMove(f"unknown state {session.state!r} (flow changed?)")
        moved = session.copy()
        if isinstance(event, Back):
            self._back(moved)
        elif isinstance(event, Answer):
            self._answer(moved, event.value)
        elif isinstance(event, GiveDetail | SkipDetail):
            error = self._detail(moved, event)
            if error is not None:
                return Turn(session, self._detail_view(session, error=error))
        elif isinstance(event, Proceed):
            self._require(moved, RECOMMEND)
            self._fire(moved, "proceed")
        elif isinstance(event, ChangeAnswer):
            self._require(moved, RESULT)
            self._fire(moved, "change")
        elif isinstance(event, Revise):
            self._require(moved, CHANGE)
            if event.question not in path_answers(self.flow, moved.answers):
                raise InvalidMove(f"{event.question} was not answered")
            moved.revising = True
            self._fire(moved, "revise", question=event.question)
        else:  # pragma: no cover - the Event union is closed
            raise InvalidMove(f"unknown event {event!r}")
        moved.step += 1
        moved.updated = False
        return Turn(moved, self.view(moved))

    def _require(self, session: Session, state: str) -> None:
        if session.state != state:
            raise InvalidMove(f"expected {state}, at {session.state}")

    def _back(self, session: Session) -> None:
        if not session.history:
            raise InvalidMove("nothing to go back to")
        leaving = session.state
        session.state = session.history.pop()
        for state in (leaving, session.state):
            if state.startswith(DETAIL_PREFIX) and state[len(DETAIL_PREFIX) :] in session.asked:
                session.asked.remove(state[len(DETAIL_PREFIX) :])
        if session.state == RESULT or CHANGE not in session.history:
            session.revising = False

    def _answer(self, session: Session, value: str) -> None:
        if not self.flow.has_question(session.state):
            raise InvalidMove(f"no question at {session.state}")
        question = self.flow.question(session.state)
        if value not in question.options:
            raise InvalidMove(f"{value!r} is not an option of {question.id}")
        session.answers[question.id] = value
        self._fire(session, "answer", value=value)
        if session.revising:
            self._skip_to_what_is_missing(session)

    def _skip_to_what_is_missing(self, session: Session) -> None:
        """After a changed answer, go straight to what is still missing, else the result."""
        while True:
            state = session.state
            if self.flow.has_question(state) and state in session.answers:
                self._advance_silently(session, "answer", value=session.answers[state])
            elif state == RECOMMEND:
                self._advance_silently(session, "proceed")
            else:
                break
        if session.state == RESULT:
            session.revising = False

    def _advance_silently(self, session: Session, trigger: str, **kwargs: Any) -> None:
        before = len(session.history)
        self._fire(session, trigger, **kwargs)
        del session.history[before:]

    def _detail(self, session: Session, event: GiveDetail | SkipDetail) -> str | None:
        """Store or skip the asked detail; returns an error text for a kind re-prompt."""
        if not session.state.startswith(DETAIL_PREFIX):
            raise InvalidMove(f"no detail asked at {session.state}")
        detail_id = session.state[len(DETAIL_PREFIX) :]
        catalog = self.catalog(session.language)
        if isinstance(event, GiveDetail):
            value = _clean(event.text)
            limit = self._details[detail_id].max_length
            if not value:
                return catalog.text("ui.detail_empty")
            if "\n" in value:
                return catalog.text("ui.detail_one_line")
            if len(value) > limit:
                return catalog.text("ui.detail_too_long", max=limit, length=len(value))
            session.details[detail_id] = value
        else:
            session.details.pop(detail_id, None)
        if detail_id not in session.asked:
            session.asked.append(detail_id)
        self._fire(session, "detail_done")
        return None

    # ---- decisions and views ----------------------------------------------------------

    def decision(self, session: Session) -> Decision:
        return self._decide(_answers_key(self.flow, session.answers))

    def _decide(self, key: tuple[tuple[str, str], ...]) -> Decision:
        # Only the answers on the path matter, and there are a few thousand such paths:
        # remember each decision instead of recomputing it several times a turn.
        found = self._decisions.get(key)
        if found is None:
            found = decide(self.flow, dict(key))
            _remember(self._decisions, key, found, self.cache_limit)
        return found

    def needed_details(self, session: Session) -> list[str]:
        """The details the chosen drafts use, in the flow's order."""
        key = (session.language, _answers_key(self.flow, session.answers))
        found = self._needed.get(key)
        if found is None:
            decision = self._decide(key[1])
            catalog = self.catalog(session.language)
            used: set[str] = set()
            for approach in decision.approaches:
                template = catalog.drafts.get(approach)
                if template is not None and self.flow.approaches[approach].channel:
                    used |= details_used(template, decision.facts)
            found = tuple(detail.id for detail in self.flow.details if detail.id in used)
            _remember(self._needed, key, found, self.cache_limit)
        return list(found)

    def plan(self, session: Session) -> Plan:
        return self.plan_for(session.answers, session.details, session.language)

    def plan_for(self, answers: Mapping[str, str], details: Mapping[str, str], language: str) -> Plan:
        decision = self._decide(_answers_key(self.flow, answers))
        catalog = self.catalog(language)
        facts = decision.facts
        clean = normalise_all(details, catalog.language)
        actions = []
        for approach_id in decision.approaches:
            approach = self.flow.approaches[approach_id]
            template = catalog.drafts.get(approach_id)
            draft = None
            placement_id = first_pick(approach.placement, facts)
            if approach.channel and template is not None and placement_id is not None:
                limit_id = first_pick(approach.limit, facts)
                draft = render(
                    template,
                    self.flow.placements[placement_id],
                    facts,
                    clean,
                    self.flow.limits[limit_id].of(catalog.language) if limit_id else None,
                    label=catalog.text(f"placements.{placement_id}"),
                )
            when_key = f"approaches.{approach_id}.when"
            if approach.when_by is not None:  # a partial plan reads as if it were today's news
                options = self.flow.question(approach.when_by).options
                when_key += f".{facts.get(approach.when_by, options[0])}"
            actions.append(
                Action(
                    approach=approach_id,
                    title=catalog.text(f"approaches.{approach_id}.title"),
                    why=catalog.text(f"approaches.{approach_id}.why"),
                    when=catalog.text(when_key),
                    draft=draft,
                )
            )
        expectations = (
            catalog.text(f"approaches.{decision.primary}.expect"),
            *(catalog.text(f"expectations.{key}") for key in decision.expectations),
        )
        return Plan(
            flow=self.flow.id,
            flow_version=self.flow.version,
            language=catalog.language,
            answers=dict(answers),
            primary=decision.primary,
            rule=decision.rule.id,
            actions=tuple(actions),
            reasons=self._reasons(decision, catalog),
            tips=tuple(catalog.text(f"tips.{tip}") for tip in decision.tips),
            expectations=expectations,
            details=dict(details),
            next_steps=tuple(catalog.text(f"next_steps.{key}") for key in decision.next_steps),
            follow_up=decision.follow_up,
        )

    def _reasons(self, decision: Decision, catalog: Catalog) -> tuple[str, ...]:
        """The 'why this' trace: the answers that decided the primary, in plain words."""
        reasons = [
            catalog.text(f"reasons.{key}.{decision.facts[key]}")
            for key in decision.rule.explained_by
            if key in decision.facts and self.flow.has_question(key)
        ]
        reasons += [catalog.text(f"never.{never.id}") for never in decision.downgrades]
        return tuple(dict.fromkeys(reasons))

    def view(self, session: Session) -> View:
        catalog = self.catalog(session.language)
        state = session.state
        can_go_back = bool(session.history)
        if self.flow.has_question(state):
            question = self.flow.question(state)
            chosen = session.answers.get(state)
            return QuestionView(
                question=state,
                text=catalog.text(f"questions.{state}.text"),
                hint=catalog.get(f"questions.{state}.hint"),
                choices=tuple(
                    Choice(value, catalog.text(f"questions.{state}.options.{value}"), value == chosen)
                    for value in question.options
                ),
                position=self._question_index[state] + 1,
                total=len(self.flow.questions),
                can_go_back=can_go_back,
                revising=session.revising,
                notice=catalog.text("ui.guide_updated") if session.updated else None,
            )
        if state.startswith(DETAIL_PREFIX):
            return self._detail_view(session)
        if state == RECOMMEND:
            intro = catalog.text("ui.recommend_intro")
            if session.updated:
                intro = catalog.text("ui.guide_updated") + "\n\n" + intro
            return RecommendView(
                plan=self.plan(session),
                intro=intro,
                proceed_label=catalog.text("ui.proceed"),
                can_go_back=can_go_back,
            )
        if state == CHANGE:
            answered = path_answers(self.flow, session.answers)
            return ChangeView(
                text=catalog.text("ui.change_intro"),
                choices=tuple(
                    Choice(
                        question,
                        catalog.text(f"questions.{question}.short")
                        + ": "
                        + catalog.text(f"questions.{question}.options.{value}"),
                    )
                    for question, value in answered.items()
                ),
                can_go_back=can_go_back,
            )
        return ResultView(plan=self.plan(session), can_go_back=can_go_back)

    def _detail_view(self, session: Session, error: str | None = None) -> DetailView:
        catalog = self.catalog(session.language)
        detail_id = session.state[len(DETAIL_PREFIX) :]
        # Count within this pass through the details (a changed answer may ask just one):
        # the details already answered in a row before this one, then what is still to ask.
        done_in_pass = 0
        for state in reversed(session.history):
            if not state.startswith(DETAIL_PREFIX):
                break
            done_in_pass += 1
        still = [d for d in self.needed_details(session) if d not in session.asked and d != detail_id]
        position = done_in_pass + 1
        return DetailView(
            detail=detail_id,
            prompt=catalog.text(f"details.{detail_id}.prompt"),
            hint=catalog.get(f"details.{detail_id}.hint"),
            current=session.details.get(detail_id),
            max_length=self._details[detail_id].max_length,
            position=position,
            total=position + len(still),
            can_go_back=bool(session.history),
            error=error,
        )


def _remember(cache: dict[K, V], key: K, value: V, limit: int) -> None:
    """Keep `value` under `key`, dropping the oldest entries beyond `limit`."""
    while cache and len(cache) >= limit:
        del cache[next(iter(cache))]
    if limit > 0:
        cache[key] = value


def _answers_key(flow: Flow, answers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(path_answers(flow, answers).items())


_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""What str.splitlines() (and so an e-mail header) also takes for the end of a line."""


def _clean(text: str) -> str:
    """Trim; every kind of line break counts as one (the one-line rule then applies); drop
    other control characters (they break drafts); a lone surrogate (not a character, and not
    storable as UTF-8) becomes U+FFFD."""
    kept = []
    for ch in text:
        if ch in _LINE_BREAKS:
            kept.append("\n")
        elif "\ud800" <= ch <= "\udfff":
            kept.append("\ufffd")
        elif ch == "\n" or ch >= " " and ch != "\x7f":
            kept.append(ch)
    return "".join(kept).strip()


def _value_is(value: str) -> Condition:
    return lambda event: event.kwargs.get("value") == value


def _revising(question_id: str) -> Condition:
    return lambda event: event.kwargs.get("question") == question_id


def _has_drafts(event: Any) -> bool:
    cursor: _Cursor = event.model
    return bool(cursor.needed_details()) or any(
        cursor.guide.flow.approaches[a].channel for a in cursor.guide.decision(cursor.session).approaches
    )


def _should_ask(detail_id: str) -> Condition:
    def condition(event: Any) -> bool:
        cursor: _Cursor = event.model
        return detail_id not in cursor.session.asked and detail_id in cursor.needed_details()

    return condition
