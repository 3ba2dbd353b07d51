"""Every path of the guide in every language other than English: within that language's
limits, with no English left in it, and with the greetings and sign-offs of the language."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.content.flow_loader import load_guide
from bot.content.tone_lexicon import load_tone_lexicons
from bot.engine.decide import decide
from bot.engine.details import greeting, normalise
from bot.engine.guide import Guide
from bot.engine.model import first_pick
from bot.engine.tone import check_tone
from bot.engine.views import Plan
from bot.terminal import render_plan
from tests.test_drafts import FLOWS, all_paths
from tests.test_stories import OFF_PATH

# Words that appear in almost any English sentence and in no Spanish or Russian one. A
# translated text that still holds one of them was left in English (or half-translated).
ENGLISH_STOP_WORDS = frozenset(
    {
        "the",
        "and",
        "you",
        "your",
        "with",
        "for",
        "that",
        "this",
        "have",
        "would",
        "thank",
        "thanks",
        "please",
        "hello",
        "dear",
        "regards",
        "best",
        "wishes",
        "role",
        "team",
        "reply",
        "send",
        "email",  # "me" is Spanish too, so it is left out
        "what",
        "when",
        "why",
        "will",
        "it",
        "is",
        "are",
        "was",
        "of",
        "to",
        "in",
        "on",
        "not",
        "or",
        "be",
        "my",
        "we",
        "our",
        "if",
        "can",
        "about",
        "there",
        "here",
    }
)
SPANISH_DETAILS = {
    "your_name": "Lucía Fernández",
    "recipient_name": "Sra. Rivera",
    "company": "Logística del Norte",
    "role": "el puesto de Responsable de Experiencia de Cliente",
    "strength": "Ocho años dirigiendo equipos de atención al cliente en tres países",
    "topic": "sus planes para rediseñar la incorporación de clientes en la aplicación móvil",
    "material": "un caso práctico con un presupuesto para un equipo de cuarenta personas",
    "gap": "mi poca experiencia gestionando presupuestos de más de un millón de euros",
    "contact_name": "Javier",
    "commitment": "puedo trasladarme a Valencia en marzo y empezar cuando le venga bien al equipo",
    "fact": "ya tengo permiso de trabajo en la UE, así que no haría falta visado",
}
RUSSIAN_DETAILS = {
    "your_name": "Марина Соколова",
    "recipient_name": "Марина Сергеевна",
    "company": "Северная логистика",
    "role": "вакансия Руководитель направления клиентского опыта",
    "strength": "Восемь лет руководства службами поддержки клиентов в трёх странах",
    "topic": "планы по переработке онбординга клиентов в мобильном приложении",
    "material": "кейс с бюджетом и штатным расписанием для команды из сорока человек",
    "gap": "мало опыта управления бюджетами больше миллиона рублей",
    "contact_name": "Андрей",
    "commitment": "могу переехать в Казань к марту и выйти на работу в удобный для команды день",
    "fact": "у меня уже есть разрешение на работу в ЕС, так что виза не понадобится",
}
LANGUAGES = {"es": SPANISH_DETAILS, "ru": RUSSIAN_DETAILS}
AFTER_THE_FINAL_ROUND = {"stage": "final", **OFF_PATH}
"""A path whose first draft is a thank-you e-mail, for the greeting and sign-off checks."""


@cache
def guide() -> Guide:
    return load_guide(FLOWS)


@cache
def plans(language: str) -> tuple[Plan, ...]:
    found = []
    for answers in all_paths():
        for details in ({}, LANGUAGES[language]):
            found.append(guide().plan_for(answers, details, language))
    return tuple(found)


def english_words(text: str, details: dict[str, str]) -> set[str]:
    for value in details.values():
        text = text.replace(value, " ")
    text = re.sub(r"/\w+|\{\w+\}|\.eml|LinkedIn|Telegram|CV|UTC", " ", text)
    return {word for word in re.findall(r"[a-z]+", text.lower()) if word in ENGLISH_STOP_WORDS}


def test_every_language_is_declared_with_its_own_details_for_these_tests() -> None:
    assert set(guide().flow.languages) == {"en", *LANGUAGES}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_draft_fits_the_limits_of_its_language(language: str) -> None:
    bad = []
    for plan in plans(language):
        for action, draft in plan.drafts:
            approach = guide().flow.approaches[action.approach]
            limit_id = first_pick(approach.limit, decide(guide().flow, plan.answers).facts)
            assert limit_id is not None
            limits = guide().flow.limits[limit_id].of(language)
            words = len(draft.body.split())
            if not limits.min_words <= words <= limits.max_words or (
                limits.max_chars is not None and len(draft.body) > limits.max_chars
            ):
                bad.append(
                    f"{action.approach} {plan.answers}: {words} words, {len(draft.body)} chars\n{draft.body}"
                )
    assert not bad, f"{len(bad)} out of limits, first:\n" + "\n\n".join(bad[:3])


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_no_english_word_is_left_in_any_plan(language: str) -> None:
    catalog = guide().catalog(language)
    leaks: dict[str, str] = {}
    for plan in plans(language):
        text = render_plan(plan, catalog)
        for word in english_words(text, LANGUAGES[language]):
            leaks.setdefault(word, text)
    assert not leaks, f"English words {sorted(leaks)} in, e.g.:\n{next(iter(leaks.values()))}"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_no_english_word_is_left_in_the_catalog(language: str) -> None:
    catalog = guide().catalog(language)
    leaks = {key: text for key, text in catalog.texts.items() if english_words(text, {})}
    assert not leaks, leaks


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_plan_uses_the_same_sections_in_every_language(language: str) -> None:
    english = {tuple(plan.answers.items()): plan for plan in plans_in("en")}
    for plan in plans(language)[::2]:
        twin = english[tuple(plan.answers.items())]
        assert plan.primary == twin.primary
        assert [a.approach for a in plan.actions] == [a.approach for a in twin.actions]
        assert len(plan.tips) == len(twin.tips) and len(plan.next_steps) == len(twin.next_steps)


@cache
def plans_in(language: str) -> tuple[Plan, ...]:
    return tuple(guide().plan_for(answers, {}, language) for answers in all_paths())


def test_a_spanish_draft_greets_and_signs_off_as_spanish_mail_does() -> None:
    plan = guide().plan_for(AFTER_THE_FINAL_ROUND, SPANISH_DETAILS, "es")
    body = plan.drafts[0][1].body
    assert body.startswith("Estimada Sra. Rivera:\n")
    assert "puesto de Responsable de Experiencia de Cliente." in body  # "el puesto de" not doubled
    assert "ocho años dirigiendo" in body  # a common word's capital lowered mid-sentence
    assert body.endswith("Un cordial saludo,\nLucía Fernández")
    bare = guide().plan_for(AFTER_THE_FINAL_ROUND, {}, "es").drafts[0][1].body
    assert bare.startswith("Buenos días:\n")


@pytest.mark.parametrize(
    ("name", "language", "reads"),
    [
        ("Sam", "en", "Hi Sam,"),
        ("Ms Rivera", "en", "Dear Ms Rivera,"),
        ("Marta", "es", "Hola, Marta:"),
        ("Sra. Rivera", "es", "Estimada Sra. Rivera:"),
        ("Dr. Gil", "es", "Estimado Dr. Gil:"),
        ("Marta López", "es", "Buenos días, Marta López:"),
        ("Анна", "ru", "Здравствуйте, Анна!"),
        ("Марина Соколова", "ru", "Здравствуйте, Марина Соколова!"),
        ("Марина Сергеевна", "ru", "Уважаемая Марина Сергеевна,"),
        ("Олег Петрович", "ru", "Уважаемый Олег Петрович,"),
        ("Соколова Марина Сергеевна", "ru", "Уважаемая Соколова Марина Сергеевна,"),
        # "-ович" after a feminine first name is a surname, and "Никита" ends like one: no guess
        ("Ирина Абрамович", "ru", "Здравствуйте, Ирина Абрамович!"),
        ("Никита Сергеевич", "ru", "Здравствуйте, Никита Сергеевич!"),
    ],
)
def test_the_salutation_follows_the_language(name: str, language: str, reads: str) -> None:
    assert greeting(name, language) == reads


def test_english_article_rules_do_not_touch_spanish_titles() -> None:
    assert normalise("role", "a Senior Designer role", "en") == "Senior Designer"
    assert normalise("role", "Analista de datos", "es") == "Analista de datos"
    assert normalise("role", "The Data Analyst", "es") == "The Data Analyst"
    assert normalise("role", "el puesto de Analista", "es") == "Analista"


@pytest.mark.parametrize(
    ("detail", "typed", "reads"),
    [
        ("role", "«Аналитик данных»", "Аналитик данных"),  # the template adds the «ёлочки»
        ("role", "вакансия «Аналитик»", "Аналитик"),
        ("company", "Северная логистика", "«Северная логистика»"),
        ("company", '"Ромашка"', "«Ромашка»"),
        ("company", "ООО «Ромашка»", "ООО «Ромашка»"),
        ("company", "Google", "Google"),  # a Latin name is written bare in Russian
        ("strength", "Восемь лет руководства", "восемь лет руководства"),
        ("topic", "Ваши планы", "Ваши планы"),  # the reader's «Ваш» keeps its capital
    ],
)
def test_russian_titles_take_their_quotes_once_and_common_words_lose_a_capital(
    detail: str, typed: str, reads: str
) -> None:
    assert normalise(detail, typed, "ru") == reads


def test_check_fails_on_a_declared_language_without_a_tone_lexicon(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS, flows)
    (flows / "tone" / "es.yaml").unlink()
    assert main(["check", str(flows)]) == 1
    out = capsys.readouterr().out
    assert "flows/guide.yaml:1: no tone lexicon tone/es.yaml for the declared language 'es'" in out


def test_each_language_has_its_own_tone_lexicon_that_flags_its_own_words() -> None:
    lexicons = load_tone_lexicons(FLOWS, guide().flow.languages)
    assert set(lexicons) == set(guide().flow.languages)
    assert lexicons["es"].language == "es"


SPANISH_TONE = yaml.safe_load((Path(__file__).parent / "data" / "tone_es.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("draft", SPANISH_TONE["drafts"], ids=[d["id"] for d in SPANISH_TONE["drafts"]])
def test_the_spanish_lexicon_flags_its_labelled_set(draft: dict[str, Any]) -> None:
    lexicon = load_tone_lexicons(FLOWS, ["es"])["es"]
    found = {finding.category for finding in check_tone(draft["text"], lexicon)}
    assert found == set(draft["expect"]), draft["text"]


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_draft_of_the_guide_passes_the_tone_check_of_its_language(language: str) -> None:
    lexicon = load_tone_lexicons(FLOWS, [language])[language]
    flagged = {}
    for plan in plans(language):
        for _, draft in plan.drafts:
            findings = check_tone(draft.body, lexicon)
            if findings:
                flagged[draft.body] = [f.passage for f in findings]
    assert not flagged, next(iter(flagged.items()))


AFTER_REPLY_DETAILS = {
    "es": {
        **SPANISH_DETAILS,
        "times": "martes de 10 a 12 o jueves por la tarde",
        "other_role": "Analista de Operaciones",
        "gap": "más experiencia con presupuestos",
    },
    "ru": {
        **RUSSIAN_DETAILS,
        "times": "во вторник с 10 до 12 или в четверг после обеда",
        "other_role": "Аналитик операционного отдела",
        "gap": "больше опыта работы с бюджетами",
    },
}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_second_flow_speaks_the_language_within_its_limits(language: str) -> None:
    after_reply = guide().followers["after_reply"]
    assert language in after_reply.flow.languages
    catalog = after_reply.catalog(language)
    bad = []
    for reply in after_reply.flow.questions[0].options:
        for details in ({}, AFTER_REPLY_DETAILS[language]):
            plan = after_reply.plan_for({"reply": reply}, details, language)
            for word in english_words(render_plan(plan, catalog), details):
                bad.append(f"{reply}: English word {word!r}")
            for action, draft in plan.drafts:
                limit_id = first_pick(
                    after_reply.flow.approaches[action.approach].limit,
                    decide(after_reply.flow, plan.answers).facts,
                )
                assert limit_id is not None
                limits = after_reply.flow.limits[limit_id].of(language)
                if not limits.min_words <= len(draft.body.split()) <= limits.max_words:
                    bad.append(f"{reply}/{action.approach}: {len(draft.body.split())} words\n{draft.body}")
    assert not bad, "\n".join(bad[:5])


# ---- Russian: the register, the salutation, the writer's gender, ё and «ёлочки» ---------------

# «вы» in lower case is the plural or careless; a letter to one person writes «Вы», «Ваш».
LOWER_CASE_YOU = re.compile(r"(?<![\w-])(?:вы|вас|вам|вами|ваш\w*)(?![\w-])")
# A first person that tells the writer's gender («я подготовил», «рада», «благодарен»): a
# draft must suit whoever sends it, so it says «с удовольствием пришлю», «мне было приятно».
GENDERED_FIRST_PERSON = re.compile(
    r"(?<![\w-])(?:я\s+(?:\w+\s+){0,2}?\w+л(?:а|ся|ась)?|рада?|готова?|благодарна?|благодарен|"
    r"признательна?|признателен|заинтересована?|уверена?)(?![\w-])",
    re.IGNORECASE,
)
# Words a careful Russian writer spells with «ё»; their «е» spelling must not appear.
WITH_YO = (
    "ещё",
    "её",
    "пришёл",
    "своём",
    "моём",
    "обновлённое",
    "уделённое",
    "найдётся",
    "прочтёт",
    "тёплые",
    "трёх",
)


@cache
def russian_drafts() -> tuple[str, ...]:
    return tuple(dict.fromkeys(draft.body for plan in plans("ru") for _, draft in plan.drafts))


def test_a_russian_draft_greets_and_signs_off_as_russian_mail_does() -> None:
    body = guide().plan_for(AFTER_THE_FINAL_ROUND, RUSSIAN_DETAILS, "ru").drafts[0][1].body
    assert body.startswith("Уважаемая Марина Сергеевна,\n\nСпасибо")
    assert "по вакансии «Руководитель направления клиентского опыта»." in body  # «вакансия» not doubled
    assert "компания «Северная логистика»" in body  # a Russian company name in «ёлочки»
    assert "команде: восемь лет руководства" in body  # a common word's capital lowered after «:»
    assert body.endswith("С уважением,\nМарина Соколова")
    first_name = {**RUSSIAN_DETAILS, "recipient_name": "Марина"}
    by_first_name = guide().plan_for(AFTER_THE_FINAL_ROUND, first_name, "ru").drafts[0][1].body
    assert by_first_name.startswith("Здравствуйте, Марина!\n")
    bare = guide().plan_for(AFTER_THE_FINAL_ROUND, {}, "ru").drafts[0][1].body
    assert bare.startswith("Здравствуйте!\n") and bare.endswith("\n\nС уважением,")


def test_every_russian_draft_writes_a_capital_vy_and_never_tells_the_writers_gender() -> None:
    lower = {m.group(0): body for body in russian_drafts() for m in LOWER_CASE_YOU.finditer(body)}
    assert not lower, lower
    gendered = {m.group(0): body for body in russian_drafts() for m in GENDERED_FIRST_PERSON.finditer(body)}
    assert not gendered, gendered
    assert all(re.search(r"\b(?:Вы|Вас|Вам|Вами|Ваш\w*)\b", body) for body in russian_drafts())


@pytest.mark.parametrize("text", ["Я подготовил кейс.", "Буду рада помочь.", "Я очень благодарен."])
def test_the_gender_check_itself_catches_a_gendered_first_person(text: str) -> None:
    assert GENDERED_FIRST_PERSON.search(text)


def test_russian_is_written_with_yo_and_its_own_quotes() -> None:
    catalog = guide().catalog("ru")
    texts = [*catalog.texts.values(), *russian_drafts()]
    everything = "\n".join(texts)
    for word in WITH_YO:
        assert word in everything.lower(), f"{word} is no longer used: update WITH_YO"
        plain = re.compile(rf"(?<![\w-]){word.replace('ё', 'е')}(?![\w-])", re.IGNORECASE)
        assert not [text for text in texts if plain.search(text)], f"{word} written without ё"
    straight = [text for text in texts if '"' in text or "„" in text or "“" in text]
    assert not straight, straight[:3]
    assert all(text.count("«") == text.count("»") for text in texts)


def test_russian_limits_are_its_own_fewer_words_and_linkedins_characters() -> None:
    for limit_id, base in guide().flow.limits.items():
        russian = base.of("ru")
        assert russian is not base, limit_id
        assert russian.max_words < base.max_words and russian.min_words <= base.min_words
        assert russian.max_chars == base.max_chars  # LinkedIn's 200 characters are LinkedIn's own


def test_plan_and_chat_in_russian_from_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    answers = ["stage=final", "role_status=unknown", "time_since=recent", "feedback=vague"]
    answers += ["new_material=none", "contact=strong", "goal=this_role"]
    args = ["plan", *(f"--answer={a}" for a in answers), "--lang=ru", "--format=json"]
    assert main([*args, "--detail=recipient_name=Олег Петрович", "--detail=company=Ромашка"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["language"] == "ru" and data["primary"] == "reconsider_letter"
    letter = data["actions"][0]["draft"]["body"]
    assert letter.startswith("Уважаемый Олег Петрович,\n") and "компания «Ромашка»" in letter
    note = data["actions"][1]["draft"]["body"]
    assert note.startswith("Добрый день!\n") and note.endswith("Спасибо в любом случае.")
    # the whole chat through a pipe: seven answers, Enter past every detail, quit
    chat = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--lang", "ru"],
        cwd=FLOWS.parent,
        input="4\n2\n1\n2\n1\n3\n1\n" + "\n" * 8 + "q\n",
        capture_output=True,
        text=True,
    )
    assert chat.returncode == 0, chat.stderr
    assert guide().catalog("ru").text("questions.stage.text") in chat.stdout
    assert "С уважением," in chat.stdout and not english_words(chat.stdout, {})
    assert guide().catalog("ru").text("ui.terminal_unknown_result").split(".")[0] not in chat.stdout


RUSSIAN_TYPOGRAPHY = [
    (re.compile(r"  "), "a double space"),
    (re.compile(r" [,.;:?!»]|«\s"), "a space inside quotes or before punctuation"),
    (re.compile(r"[,;:]\s*[,.;:]|\.\.(?!\.)"), "doubled punctuation"),
    (re.compile(r"[ \t]\n|\n[ \t]"), "a space at a line edge"),
    (re.compile(r"\n\n\n"), "an empty paragraph"),
    (re.compile(r"««|»»"), "doubled quotes"),
    (re.compile(r"\s-\s"), "a hyphen where a dash «—» belongs"),
    (re.compile(r"(?<![\w-])(\w+) \1(?![\w-])", re.IGNORECASE), "a doubled word"),
]


def test_russian_drafts_ask_at_most_one_question_never_why_and_are_typeset() -> None:
    bad = []
    for plan in plans("ru"):
        for action, draft in plan.drafts:
            body = draft.body
            for value in RUSSIAN_DETAILS.values():
                body = body.replace(value, "…")
            questions = body.count("?")
            if not guide().flow.approaches[action.approach].asks_question and questions:
                bad.append(f"{action.approach} asks nothing, yet: {body}")
            if questions > 1 or re.search(r"(?<![\w-])почему(?![\w-])", body, re.IGNORECASE):
                bad.append(f"{action.approach}: more than one question, or «почему»: {body}")
            bad += [
                f"{name}: {draft.body}" for pattern, name in RUSSIAN_TYPOGRAPHY if pattern.search(draft.body)
            ]
    assert not bad, "\n\n".join(bad[:3])
