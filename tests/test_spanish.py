"""The Spanish tone lexicon scored on its sets: the tuned-on ones to a threshold, the locked
one to the figure it measured (a floor, so a regression fails), and the engine's Spanish
reading (accented capitals, «pero» ending a negation's clause)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml

from bot.content.tone_lexicon import load_tone_lexicon
from bot.engine.tone import ToneLexicon, check_tone, sentence_scores
from tests.test_drafts import FLOWS
from tests.test_tone import draft_scores, polite_flagged

DATA = Path(__file__).parent / "data"


@cache
def lexicon() -> ToneLexicon:
    return load_tone_lexicon(FLOWS / "tone" / "es.yaml")


def scores(name: str) -> tuple[float, float, list[str]]:
    """Recall and precision per whole draft, as tests/test_tone.py scores English, and the
    polite drafts flagged."""
    drafts = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["drafts"]
    precision, recall, _ = draft_scores(drafts, lexicon())
    return recall, precision, polite_flagged(drafts, lexicon())


@pytest.mark.parametrize(
    ("name", "floor_recall", "floor_precision"),
    [
        # tuned on: the cues were written against these
        ("tone_es.yaml", 0.9, 1.0),
        ("tone_es_dev.yaml", 0.9, 1.0),
        # locked, never tuned on: the figure measured when the cues were done (README)
        ("tone_es_locked.yaml", 17 / 17, 17 / 17),
    ],
)
def test_each_spanish_set_is_scored_and_no_polite_draft_is_flagged(
    name: str, floor_recall: float, floor_precision: float
) -> None:
    recall, precision, false_alarms = scores(name)
    print(f"\n{name}: precision {precision:.3f} / recall {recall:.3f}")  # pytest -s shows it
    assert false_alarms == []
    assert recall >= floor_recall and precision >= floor_precision


def test_the_locked_set_is_as_large_and_varied_as_the_issue_asks() -> None:
    drafts = yaml.safe_load((DATA / "tone_es_locked.yaml").read_text(encoding="utf-8"))["drafts"]
    categories = {category.id for category in lexicon().categories}
    assert len(drafts) >= 24 and sum(1 for d in drafts if not d["expect"]) >= 8
    assert categories <= {category for d in drafts for category in d["expect"]}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # each sentence's weak cues add up past the threshold (strong patterns may flag it too)
        ("Me da la impresión de que nadie revisó mi candidatura.", "confrontational"),
        ("Lo mínimo es una explicación por escrito.", "entitled"),
        ("Cumplo todos los requisitos de la oferta.", "arguing"),
        ("La persona elegida no sabe más que yo.", "comparing"),
        ("Acepto cualquier sueldo, denme una oportunidad.", "desperate"),
        ("Tengo una hipoteca y mis hijos dependen de mí.", "oversharing"),
        ("Gracias por dignarse a contestar.", "sarcastic"),
        ("Perdí dos días de vacaciones y pagué yo el billete de avión.", "guilt_tripping"),
        ("Tengo otra oferta, así que dense prisa.", "pressure"),
        ("Holaaa Bea, vaya palo 😘", "over_familiar"),
        ("Pregúntale a tu jefe qué pasó y pídele que lo reconsidere.", "misusing_contact"),
        ("Creo que me descartaron por tener 55 años.", "discrimination"),
    ],
)
def test_weak_cues_add_up_to_each_category(text: str, category: str) -> None:
    [(_, score, _)] = sentence_scores(text, lexicon())
    assert score >= 2.5
    assert {finding.category for finding in check_tone(text, lexicon())} == {category}


@pytest.mark.parametrize(
    "text",
    [
        "Enhorabuena a la persona seleccionada; seguro que lo hará muy bien.",
        "Ha sido muy amable al responderme tan pronto.",
        "No les pido ninguna explicación, solo quería darles las gracias.",
        "A partir del lunes estaré disponible para cualquier otra vacante.",
        "Mi familia y yo nos mudamos a Madrid en marzo, así que puedo incorporarme cuando lo necesiten.",
        "Entiendo perfectamente la decisión y le agradezco su tiempo.",
    ],
)
def test_polite_near_misses_stay_clean(text: str) -> None:
    assert check_tone(text, lexicon()) == []


def test_accented_capitals_shout_in_spanish_and_acronyms_do_not() -> None:
    shouted = check_tone("NADIE ME LLAMÓ NUNCA. ¿POR QUÉ?", lexicon())
    assert "all_caps" in {finding.category for finding in shouted}
    assert check_tone("Trabajé en la ONU y en RRHH de una PYME.", lexicon()) == []


def test_pero_ends_the_clause_a_negation_reaches() -> None:
    assert check_tone("No pido nada más.", lexicon()) == []
    found = check_tone("No pido nada pero exijo una explicación.", lexicon())
    assert [finding.category for finding in found] == ["entitled"]
