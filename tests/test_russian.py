"""Russian where the guide's own texts end: the Telegram and terminal words, the after-reply
flow within its Russian limits, and the Russian tone lexicon scored on its labelled set."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.flow_loader import load_guide
from bot.content.tone_lexicon import load_tone_lexicon
from bot.engine.decide import decide
from bot.engine.guide import Guide
from bot.engine.model import first_pick
from bot.engine.tone import ToneLexicon, check_tone, sentence_scores
from bot.terminal import render_plan
from tests.test_drafts import FLOWS
from tests.test_languages import english_words
from tests.test_tone import draft_scores, polite_flagged

RUSSIAN_REPLY_DETAILS = {
    "your_name": "Анна Смирнова",
    "recipient_name": "Мария Ивановна",
    "company": "Северная логистика",
    "role": "Руководитель клиентского сервиса",
    "strength": "восемь лет руковожу командами клиентской поддержки в трёх странах",
    "gap": "нехватка опыта работы с бюджетами больше миллиона",
    "times": "вторник с 10 до 12 или четверг после обеда",
    "other_role": "Аналитик операционного отдела",
}
LABELLED = yaml.safe_load((Path(__file__).parent / "data" / "tone_ru.yaml").read_text(encoding="utf-8"))
DRAFTS: list[dict[str, Any]] = LABELLED["drafts"]


@cache
def after_reply() -> Guide:
    return load_guide(FLOWS).followers["after_reply"]


@cache
def lexicon() -> ToneLexicon:
    return load_tone_lexicon(FLOWS / "tone" / "ru.yaml")


def test_every_interface_word_is_russian() -> None:
    catalog = after_reply().catalog("ru")
    assert catalog.language == "ru"
    ui = {key: text for key, text in catalog.texts.items() if key.startswith("ui.")}
    assert len(ui) > 150
    leaks = {key: text for key, text in ui.items() if english_words(text, {})}
    assert not leaks, leaks


def test_russian_dates_read_day_month_and_weekday_in_brackets() -> None:
    catalog = after_reply().catalog("ru")
    months = [name.strip() for name in catalog.text("ui.tg_months").split(",")]
    assert months[0] == "января" and months[11] == "декабря"  # the genitive after a day
    date = catalog.text("ui.tg_date", weekday="понедельник", day="7", month="декабря")
    assert date == "7 декабря (понедельник)"
    assert catalog.text("ui.tg_date_at", date=date, time="9:00") == "7 декабря (понедельник) в 9:00"


@pytest.mark.parametrize("reply", ["feedback", "no_again", "call", "keep_in_mind", "other_role", "silence"])
def test_the_after_reply_flow_speaks_russian_within_its_russian_limits(reply: str) -> None:
    guide = after_reply()
    catalog = guide.catalog("ru")
    for details in ({}, RUSSIAN_REPLY_DETAILS):
        plan = guide.plan_for({"reply": reply}, details, "ru")
        assert not english_words(render_plan(plan, catalog), details), render_plan(plan, catalog)
        for action, draft in plan.drafts:
            limit_id = first_pick(
                guide.flow.approaches[action.approach].limit, decide(guide.flow, plan.answers).facts
            )
            assert limit_id is not None
            limits = guide.flow.limits[limit_id].of("ru")
            assert limits is not guide.flow.limits[limit_id]  # Russian has its own
            assert limits.min_words <= len(draft.body.split()) <= limits.max_words, draft.body
            assert not check_tone(draft.body, lexicon()), draft.body
            opening, *_, closing = draft.body.split("\n\n")
            # a patronymic says the gender, so the formal salutation (bot/engine/details.py)
            assert opening == ("Уважаемая Мария Ивановна," if details else "Здравствуйте!")
            assert closing.startswith(("С уважением,", "Всего доброго,"))


def test_a_russian_draft_keeps_what_was_typed_and_never_guesses_a_gender() -> None:
    plan = after_reply().plan_for({"reply": "other_role"}, RUSSIAN_REPLY_DETAILS, "ru")
    [(_, draft)] = plan.drafts
    assert "«Аналитик операционного отдела»" in draft.body
    assert "восемь лет руковожу" in draft.body
    for gendered in (" рад ", " рада ", "благодарен", "благодарна", "признателен", "признательна"):
        assert gendered not in draft.body


@pytest.mark.parametrize("draft", DRAFTS, ids=[d["id"] for d in DRAFTS])
def test_the_russian_lexicon_reads_each_labelled_draft(draft: dict[str, Any]) -> None:
    found = {finding.category for finding in check_tone(draft["text"], lexicon())}
    assert found == set(draft["expect"]), [
        (f.category, f.passage) for f in check_tone(draft["text"], lexicon())
    ]


def test_the_russian_lexicon_scores_its_labelled_set() -> None:
    """Recall over every expected category, and no polite draft flagged at all."""
    polite = [d for d in DRAFTS if not d["expect"]]
    flagged = [d for d in DRAFTS if d["expect"]]
    assert len(DRAFTS) >= 18 and len(polite) >= 6
    expected = sum(len(d["expect"]) for d in flagged)
    caught = sum(
        len(set(d["expect"]) & {f.category for f in check_tone(d["text"], lexicon())}) for d in flagged
    )
    assert caught / expected >= 0.9
    assert [d["id"] for d in polite if check_tone(d["text"], lexicon())] == []


def test_the_labelled_set_covers_every_category_of_the_lexicon() -> None:
    categories = {category.id for category in lexicon().categories}
    forms = {check.id for check in lexicon().form_checks}
    expected = {category for draft in DRAFTS for category in draft["expect"]}
    assert categories | forms == expected


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Почему вы мне отказали?", True),
        ("Почему же всё-таки меня не взяли?", True),
        ("Я не требую объяснений.", False),  # the polite frame cancels it
        ("Требую ответа.", True),
        ("Требуемые навыки у меня есть.", False),  # «требу(ю|ем)» ends at the word's end
        ("Это несправедливо.", True),
        ("Несправедливое решение.", True),
        ("Ваш процесс был предвзятым.", True),
        ("Этот путь был долгим.", False),
    ],
)
def test_russian_patterns_catch_the_word_forms(text: str, flagged: bool) -> None:
    assert bool(check_tone(text, lexicon())) is flagged


def test_shouting_in_cyrillic_is_flagged_and_acronyms_are_not() -> None:
    shouted = check_tone("ПОЧЕМУ ВЫ МНЕ ОТКАЗАЛИ", lexicon())
    assert {f.category for f in shouted} == {"all_caps", "confrontational"}
    assert check_tone("Я окончила МГУ и работала в ООО «Вектор».", lexicon()) == []


def scores(name: str) -> tuple[float, float, list[str]]:
    """Recall and precision per whole draft, as tests/test_tone.py scores English, and the
    polite drafts flagged."""
    drafts = yaml.safe_load((Path(__file__).parent / "data" / name).read_text(encoding="utf-8"))["drafts"]
    precision, recall, _ = draft_scores(drafts, lexicon())
    return recall, precision, polite_flagged(drafts, lexicon())


@pytest.mark.parametrize(
    ("name", "floor_recall", "floor_precision"),
    [
        # tuned on: the lexicon and its cues were written against these
        ("tone_ru.yaml", 0.9, 1.0),
        ("tone_ru_fresh.yaml", 0.9, 1.0),
        ("tone_ru_second.yaml", 0.9, 1.0),
        ("tone_ru_dev.yaml", 0.9, 1.0),
        # locked, never tuned on: the figure measured when the cues were done (README)
        ("tone_ru_locked.yaml", 2 / 10, 2 / 3),
        ("tone_ru_locked2.yaml", 16 / 17, 16 / 17),
    ],
)
def test_each_russian_set_is_scored_and_no_polite_draft_is_flagged(
    name: str, floor_recall: float, floor_precision: float
) -> None:
    recall, precision, false_alarms = scores(name)
    print(f"\n{name}: precision {precision:.3f} / recall {recall:.3f}")  # pytest -s shows it
    assert false_alarms == []
    assert recall >= floor_recall and precision >= floor_precision


def test_the_second_locked_set_is_as_large_and_varied_as_the_issue_asks() -> None:
    path = Path(__file__).parent / "data" / "tone_ru_locked2.yaml"
    drafts = yaml.safe_load(path.read_text(encoding="utf-8"))["drafts"]
    categories = {category.id for category in lexicon().categories}
    assert len(drafts) >= 24 and sum(1 for d in drafts if not d["expect"]) >= 8
    assert categories <= {category for d in drafts for category in d["expect"]}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # each sentence's weak cues add up past the threshold (strong patterns may flag it too)
        ("Честно говоря, моё письмо никто даже не прочитал.", "confrontational"),
        ("Как минимум жду подробного объяснения до пятницы.", "entitled"),
        ("Я полностью соответствую требованиям вакансии.", "arguing"),
        ("Уверен, у выбранного кандидата опыта не больше, чем у меня.", "comparing"),
        ("Согласен на любую зарплату, дайте мне шанс.", "desperate"),
        ("У меня ипотека, и от меня зависят дети.", "oversharing"),
        ("Спасибо, что соизволили ответить.", "sarcastic"),
        ("Я взял отгул и за свой счёт купил билеты на самолёт.", "guilt_tripping"),
        ("У меня другой оффер, так что поторопитесь.", "pressure"),
        ("Приветик, облом конечно 😘", "over_familiar"),
        ("Спроси у неё, что со мной не так, и попроси пересмотреть.", "misusing_contact"),
        ("Думаю, меня отсеяли из-за пола.", "discrimination"),
    ],
)
def test_weak_cues_add_up_to_each_category(text: str, category: str) -> None:
    [(_, score, _)] = sentence_scores(text, lexicon())
    assert score >= 2.5
    assert {finding.category for finding in check_tone(text, lexicon())} == {category}


@pytest.mark.parametrize(
    "text",
    [
        "Поздравляю выбранного кандидата, уверена, он отлично справится.",
        "Спасибо, что так оперативно ответили.",
        "Никаких объяснений не прошу, просто хотел поблагодарить.",
        "С понедельника я свободна для любых новых проектов.",
        "Мы с семьёй переезжаем в Москву в марте, так что я могу выйти, когда Вам удобно.",
        "Понимаю Ваше решение и благодарю за время.",
    ],
)
def test_russian_polite_near_misses_stay_clean(text: str) -> None:
    assert check_tone(text, lexicon()) == []


@pytest.mark.parametrize("conjunction", ["но", "и"])
def test_no_and_i_end_the_clause_a_negation_reaches(conjunction: str) -> None:
    assert check_tone("Я не требую ответа.", lexicon()) == []
    found = check_tone(f"Я не спорю {conjunction} требую ответа.", lexicon())
    assert [finding.category for finding in found] == ["entitled"]
