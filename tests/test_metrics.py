"""The funnel counters follow engine turns: a start, each question answered once, a completed
guide and its approach; changing an answer from the result or going back counts nothing."""

from __future__ import annotations

from bot import metrics
from bot.engine import Answer, Back, ChangeAnswer, Event, Guide, Proceed, Restart, Revise, Session, SkipDetail

FINAL = {
    "stage": "final",
    "role_status": "unknown",
    "time_since": "recent",
    "feedback": "vague",
    "new_material": "none",
    "contact": "strong",
    "goal": "this_role",
}


def value(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def counts(guide: Guide) -> dict[str, float]:
    figures = {
        "started": value("reconsider_guides_started_total"),
        "completed": value("reconsider_guides_completed_total"),
        "approach": value(
            "reconsider_approaches_recommended_total", approach=guide.plan_for(FINAL, {}, "en").primary
        ),
    }
    for question in guide.flow.questions:
        figures[question.id] = value("reconsider_questions_answered_total", question=question.id)
    return figures


def step(guide: Guide, session: Session, event: Event) -> Session:
    moved = guide.handle(session, event).session
    metrics.guide_moved(guide, session, moved, event)
    return moved


def test_a_guide_counts_into_the_funnel_once(guide: Guide) -> None:
    before = counts(guide)
    session = guide.start("en").session
    metrics.guide_moved(guide, None, session, None)
    first = guide.flow.questions[0].id
    session = step(guide, session, Answer(FINAL[first]))
    session = step(guide, session, Back())  # back, then the same answer again
    while guide.flow.has_question(session.state):
        session = step(guide, session, Answer(FINAL[session.state]))
    if session.state == "recommend":
        session = step(guide, session, Proceed())
    while session.state.startswith("detail:"):
        session = step(guide, session, SkipDetail())
    assert session.state == "result"
    session = step(guide, session, ChangeAnswer())  # change one answer from the result
    session = step(guide, session, Revise(first))
    session = step(guide, session, Answer(FINAL[first]))
    assert session.state == "result"
    after = counts(guide)
    grew = {name: after[name] - before[name] for name in after}
    assert grew["started"] == 1 and grew["completed"] == 1 and grew["approach"] == 1
    assert grew[first] == 2  # answered, went back, answered again: two answers, not three
    for question in guide.flow.questions[1:]:
        assert grew[question.id] == (1 if question.id in FINAL else 0)

    restarted = step(guide, session, Restart())
    assert counts(guide)["started"] == after["started"] + 1 and restarted.run == session.run + 1


def test_no_label_is_personal() -> None:
    for family in metrics.REGISTRY.collect():
        for sample in family.samples:
            assert set(sample.labels) <= {
                "kind",
                "outcome",
                "method",
                "reason",
                "question",
                "approach",
                "event",
                "le",
                "generation",
                "implementation",
                "major",
                "minor",
                "patchlevel",
                "version",
            }, sample
