"""Turns through the engine: Back, restart, changing one answer, details, bad events."""

from __future__ import annotations

import json

import pytest

from bot.engine import (
    Answer,
    Back,
    ChangeAnswer,
    ChangeView,
    DetailView,
    GiveDetail,
    Guide,
    InvalidMove,
    Proceed,
    QuestionView,
    RecommendView,
    Restart,
    ResultView,
    Revise,
    Session,
    SkipDetail,
)

FINAL_BACKUP = ["final", "unknown", "recent", "vague", "none", "strong", "this_role"]


def answer_all(guide: Guide, values: list[str]) -> Session:
    session = guide.start().session
    for value in values:
        session = guide.handle(session, Answer(value)).session
    return session


def finish_details(guide: Guide, session: Session, text: str | None = "Acme") -> Session:
    session = guide.handle(session, Proceed()).session
    while session.state.startswith("detail:"):
        event = GiveDetail(text) if text is not None else SkipDetail()
        session = guide.handle(session, event).session
    return session


def test_a_whole_guide_from_start_to_drafts(guide: Guide) -> None:
    turn = guide.start()
    assert isinstance(turn.view, QuestionView)
    assert (turn.view.position, turn.view.total) == (1, len(guide.flow.questions))
    assert not turn.view.can_go_back
    session = answer_all(guide, FINAL_BACKUP)
    view = guide.view(session)
    assert isinstance(view, RecommendView)
    assert view.plan.primary == "reconsider_letter"
    session = finish_details(guide, session)
    result = guide.view(session)
    assert isinstance(result, ResultView)
    assert [a.approach for a in result.plan.actions] == ["reconsider_letter", "ask_introduction"]
    assert all(action.draft for action in result.plan.actions)


def test_back_follows_the_persons_own_path_not_the_declaration_order(guide: Guide) -> None:
    session = answer_all(guide, ["final", "unknown", "recent", "discrimination"])
    assert guide.view(session).kind == "result"
    back = guide.handle(session, Back()).session
    assert back.state == "feedback"
    view = guide.view(back)
    assert isinstance(view, QuestionView)
    assert [c.value for c in view.choices if c.selected] == ["discrimination"]
    assert guide.handle(back, Back()).session.state == "time_since"


def test_back_at_the_first_question_is_not_possible(guide: Guide) -> None:
    with pytest.raises(InvalidMove):
        guide.handle(guide.start().session, Back())


def test_restart_from_anywhere_starts_a_new_run(guide: Guide) -> None:
    session = answer_all(guide, FINAL_BACKUP[:4])
    fresh = guide.handle(session, Restart()).session
    assert fresh.state == guide.flow.start
    assert fresh.answers == {} and fresh.history == []
    assert fresh.run == session.run + 1
    assert fresh.step > session.step


def test_every_accepted_move_bumps_the_step(guide: Guide) -> None:
    first = guide.start().session
    second = guide.handle(first, Answer("final")).session
    assert second.step == first.step + 1
    assert first.answers == {}, "the engine never changes the session it was given"


def test_changing_one_answer_goes_straight_back_to_a_new_result(guide: Guide) -> None:
    session = finish_details(guide, answer_all(guide, FINAL_BACKUP))
    assert guide.view(session).plan.primary == "reconsider_letter"  # type: ignore[union-attr]
    menu = guide.handle(session, ChangeAnswer())
    assert isinstance(menu.view, ChangeView)
    assert [c.value for c in menu.view.choices] == list(session.answers)
    asked = guide.handle(menu.session, Revise("role_status"))
    assert isinstance(asked.view, QuestionView) and asked.view.revising
    done = guide.handle(asked.session, Answer("filled"))
    assert isinstance(done.view, ResultView), "the rest is not asked again"
    assert done.view.plan.primary == "request_feedback"
    assert done.session.answers["goal"] == "this_role"


def test_a_change_that_opens_new_questions_asks_only_those(guide: Guide) -> None:
    session = answer_all(guide, ["automated", "none", "close"])
    assert isinstance(guide.view(session), ResultView)
    menu = guide.handle(session, ChangeAnswer()).session
    asked = guide.handle(menu, Revise("stage")).session
    turn = guide.handle(asked, Answer("interview"))
    assert isinstance(turn.view, QuestionView) and turn.view.question == "role_status"


def test_a_change_that_needs_a_new_detail_asks_only_that_detail(guide: Guide) -> None:
    values = ["interview", "unknown", "recent", "vague", "none", "none", "learn"]
    session = finish_details(guide, answer_all(guide, values))
    assert "contact_name" not in session.asked
    session = guide.handle(guide.handle(session, ChangeAnswer()).session, Revise("contact")).session
    turn = guide.handle(session, Answer("strong"))
    assert isinstance(turn.view, DetailView) and turn.view.detail == "contact_name"
    done = guide.handle(turn.session, GiveDetail("Sam"))
    assert isinstance(done.view, ResultView)


def test_details_are_validated_kindly_and_nothing_is_lost(guide: Guide) -> None:
    session = guide.handle(answer_all(guide, FINAL_BACKUP), Proceed()).session
    detail = session.state
    for text, key in [("   ", "ui.detail_empty"), ("two\nlines", "ui.detail_one_line")]:
        turn = guide.handle(session, GiveDetail(text))
        assert turn.session is session
        assert isinstance(turn.view, DetailView) and turn.view.error == guide.catalog("en").text(key)
    too_long = guide.handle(session, GiveDetail("x" * 5000))
    assert isinstance(too_long.view, DetailView) and too_long.view.error
    assert str(too_long.view.max_length) in too_long.view.error
    assert too_long.session.state == detail


def test_user_text_is_data_never_a_template(guide: Guide) -> None:
    session = answer_all(guide, FINAL_BACKUP)
    session = finish_details(guide, session, text="{role} <b>&\"'")
    plan = guide.plan(session)
    bodies = " ".join(action.draft.body for action in plan.actions if action.draft)
    assert "{role} <b>&\"'" in bodies


def test_skipped_details_read_naturally(guide: Guide) -> None:
    session = finish_details(guide, answer_all(guide, FINAL_BACKUP), text=None)
    for action in guide.plan(session).actions:
        assert action.draft is not None
        assert "{" not in action.draft.body and "Dear ," not in action.draft.body


@pytest.mark.parametrize(
    ("at", "event"),
    [
        ("question", Proceed()),
        ("question", Answer("not-an-option")),
        ("question", GiveDetail("x")),
        ("question", ChangeAnswer()),
        ("question", Revise("stage")),
    ],
)
def test_events_that_do_not_fit_are_refused(guide: Guide, at: str, event: object) -> None:
    with pytest.raises(InvalidMove):
        guide.handle(guide.start().session, event)  # type: ignore[arg-type]


def test_a_session_from_an_unknown_state_is_refused(guide: Guide) -> None:
    session = guide.start().session
    session.state = "removed_question"
    with pytest.raises(InvalidMove):
        guide.handle(session, Answer("final"))


def test_sessions_survive_json(guide: Guide) -> None:
    session = finish_details(guide, answer_all(guide, FINAL_BACKUP))
    again = Session.from_dict(json.loads(json.dumps(session.to_dict())))
    assert again == session
    assert guide.view(again) == guide.view(session)


# ---- a session stored under the previous flow version ----------------------------------------


def v1_session(guide: Guide, answers: dict[str, str], state: str) -> Session:
    session = guide.new_session()
    session.flow_version = guide.flow.version - 1
    session.answers = dict(answers)
    session.details = {"company": "Acme", "retired_detail": "x"}
    session.asked = ["company", "retired_detail"]
    session.state = state
    session.run, session.step = 3, 17
    return session


def test_an_older_session_resumes_at_the_first_unanswered_question(guide: Guide) -> None:
    # v1 had no `misunderstanding`, and its `fixable` covered it; a value that no longer
    # exists is dropped, so the person is asked that question again.
    old = v1_session(
        guide,
        {"stage": "interview", "role_status": "open", "time_since": "recent", "feedback": "gone_value"},
        "new_material",
    )
    resumed = guide.resume(old)
    assert resumed is not None
    assert resumed.flow_version == guide.flow.version
    assert resumed.answers == {"stage": "interview", "role_status": "open", "time_since": "recent"}
    assert resumed.details == {"company": "Acme"} and resumed.asked == ["company"]
    assert resumed.state == "feedback"
    assert resumed.run != old.run  # the old run's buttons are stale
    view = guide.view(resumed)
    assert isinstance(view, QuestionView) and view.notice == guide.catalog("en").text("ui.guide_updated")
    turn = guide.handle(resumed, Answer("misunderstanding"))
    assert isinstance(turn.view, QuestionView) and turn.view.notice is None  # said once
    assert turn.view.question == "new_material"
    assert guide.handle(turn.session, Back()).session.state == "feedback"


def test_an_older_session_with_every_answer_goes_to_the_recommendation(guide: Guide) -> None:
    answers = dict(zip([q.id for q in guide.flow.questions], FINAL_BACKUP, strict=True))
    resumed = guide.resume(v1_session(guide, answers, "result"))
    assert resumed is not None
    view = guide.view(resumed)
    assert isinstance(view, RecommendView)
    assert view.intro.startswith(guide.catalog("en").text("ui.guide_updated"))


def test_a_session_of_another_flow_or_a_broken_state_starts_afresh(guide: Guide) -> None:
    other = guide.new_session()
    other.flow = "another"
    assert guide.resume(other) is None
    broken = guide.new_session()
    broken.state = "removed_question"
    assert guide.resume(broken) is None
    current = answer_all(guide, ["final", "open"])
    assert guide.resume(current) is current


def test_the_detail_counter_is_steady_when_an_answer_changes(guide: Guide) -> None:
    session = guide.handle(answer_all(guide, FINAL_BACKUP), Proceed()).session
    counters = []
    while session.state.startswith("detail:"):
        view = guide.view(session)
        assert isinstance(view, DetailView)
        counters.append((view.position, view.total))
        session = guide.handle(session, SkipDetail()).session
    total = counters[0][1]
    assert counters == [(index, total) for index in range(1, total + 1)]
    session = guide.handle(guide.handle(session, ChangeAnswer()).session, Revise("feedback")).session
    turn = guide.handle(session, Answer("motivation"))  # the letter now uses `commitment`
    assert isinstance(turn.view, DetailView) and turn.view.detail == "commitment"
    assert (turn.view.position, turn.view.total) == (1, 1), "only the new detail is left to ask"
