"""Typed details made to sit naturally mid-sentence, and the salutation they call for.

The person's words stay theirs: we trim, collapse spaces, drop the punctuation a template
adds itself, avoid "the a ... role role", lower a capital only where that is safe, soften
ALL CAPS and leave emoji out of phrases (names, companies and titles keep theirs).
Nothing is escaped or read as a template here; transports escape.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

NAMES = frozenset({"your_name", "recipient_name", "contact_name"})
TITLES = frozenset({"role", "company"})
SENTENCES = frozenset({"commitment", "fact"})
"""Details a template uses as a sentence of their own: the first letter is capitalised."""

DERIVED: Mapping[str, str] = {"greeting": "recipient_name"}
"""Placeholders computed from a detail: `{greeting}` is "Hi Sam," or "Dear Ms Rivera,"."""

DEFAULT_LANGUAGE = "en"

HONORIFICS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "professor",
        "sir",
        "madam",
        "dame",
    }
)
_TRAILING = re.compile(r"[\s.,;:!?…]+$")
# What a template already says around `{role}`, per language: "the {role} role" in English,
# "el puesto de {role}" in Spanish, "на должность «{role}»" in Russian.
_ROLE_PREFIX: Mapping[str, re.Pattern[str]] = {
    "en": re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE),
    "es": re.compile(r"^(?:(?:el|un)\s+)?(?:puesto|cargo)\s+de\s+(?:(?:la|el)\s+)?", re.IGNORECASE),
    "ru": re.compile(r"^(?:должность|вакансия|позиция)\s+", re.IGNORECASE),
}
_ROLE_SUFFIX: Mapping[str, re.Pattern[str]] = {
    "en": re.compile(r"\s+(?:role|position|job|post|vacancy)$", re.IGNORECASE),
}
_LOWER_SAFE_STARTS = frozenset(
    {
        "a",
        "an",
        "the",
        "my",
        "our",
        "your",
        "their",
        "his",
        "her",
        "its",
        "this",
        "that",
        "these",
        "those",
        "some",
        "several",
        "many",
        "more",
        "most",
        "over",
        "about",
        "around",
        "nearly",
        "almost",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "strong",
        "deep",
        "solid",
        "broad",
        "hands",
        "hands-on",
        "experience",
        "years",
        "how",
        "what",
        "why",
        "when",
        "where",
        "which",
        "with",
        "for",
        "from",
        "in",
        "on",
        "at",
        "by",
        "to",
        "of",
        "as",
        "and",
        "both",
        "all",
        "each",
        "every",
        "extensive",
        "proven",
        "practical",
        "new",
        "recent",
        "limited",
        "lack",
        "less",
        "little",
        "no",
        "not",
        "only",
        "also",
        "leading",
        "building",
        "managing",
        "running",
        "designing",
        "writing",
        "working",
        "using",
        "scaling",
        "shipping",
        "improving",
        "reducing",
        "growing",
        "mentoring",
        "teaching",
        "planning",
        "delivering",
        "creating",
        "developing",
    }
)
_DOUBLED = re.compile(r"([!?,;:])\1+|(?<!\.)\.\.(?!\.)")
_NAME_PART = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
_PLAIN_NAME = re.compile(r"[^\W\d_]+(?:[ .'’-]+[^\W\d_]+)*\.?", re.UNICODE)
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
FIRST_STRONG_ISOLATE, POP_ISOLATE = "\u2068", "\u2069"


def normalise(detail_id: str, text: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The typed `text` for `detail_id`, ready to sit in a template's sentence of `language`
    (the article and "role" rules, and the lowered capitals, are per language)."""
    value = text
    if detail_id not in NAMES and detail_id not in TITLES:  # a name is theirs, emoji and all
        value = "".join(ch for ch in value if not _is_emoji(ch))
    value = " ".join(value.split())
    value = _DOUBLED.sub(lambda m: m.group(1) or ".", value)
    value = _TRAILING.sub("", value)
    if not value:
        return ""
    if detail_id in NAMES:
        if _PLAIN_NAME.fullmatch(value) and (_shouts(value) or not any(ch.isupper() for ch in value)):
            value = _name_case(value)
    if detail_id == "role":
        for rules in (_ROLE_PREFIX, _ROLE_SUFFIX):
            if language in rules:
                value = rules[language].sub("", value) or value
    if language == "ru" and detail_id in TITLES:
        value = _russian_title_quotes(detail_id, value)
    if detail_id in TITLES:
        value = _soften_caps(value, title=True)
    elif detail_id not in NAMES:
        value = _soften_caps(value, title=False)
    if detail_id in SENTENCES:
        value = value[0].upper() + value[1:]
    elif detail_id not in NAMES and detail_id not in TITLES:
        value = _lower_first_if_safe(value, language)
    if _RTL.search(value):  # keep right-to-left text from dragging our punctuation along
        value = FIRST_STRONG_ISOLATE + value + POP_ISOLATE
    return value


def normalise_all(details: Mapping[str, str], language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Every given detail normalised, empty ones dropped, plus the derived placeholders."""
    clean = {key: normalise(key, value, language) for key, value in details.items()}
    clean = {key: value for key, value in clean.items() if value}
    if "recipient_name" in clean:
        clean["greeting"] = greeting(clean["recipient_name"], language)
    return clean


_QUOTED = re.compile(r'^(?:«(?P<a>[^«»]+)»|"(?P<b>[^"]+)"|“(?P<c>[^“”]+)”|„(?P<d>[^„“]+)“)$')
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _russian_title_quotes(detail_id: str, value: str) -> str:
    """Russian templates put a title in «ёлочки» themselves (вакансия «{role}»), and a Russian
    company name takes them too (компания «Северная логистика»; Google stays bare): quotes
    typed around the whole title are dropped so they never double."""
    found = _QUOTED.match(value)
    if found:
        value = next(part for part in found.groups() if part).strip() or value
    if detail_id == "company" and _CYRILLIC.search(value) and not re.search('[«»"“”„]', value):
        return f"«{value}»"
    return value


_ES_FEMININE = frozenset({"sra", "srta", "dra", "doña", "profa", "lic.ª"})
_ES_MASCULINE = frozenset({"sr", "dr", "don", "prof", "lic", "ing"})


def greeting(name: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The salutation each language's business mail uses for what was typed.

    English: a first name alone reads "Hi Sam,"; a title or a full name "Dear Ms Rivera,".
    Spanish: "Hola, Marta:" for a first name; "Estimada Sra. Rivera:" / "Estimado Sr. Gil:"
    when the title says which; otherwise the neutral "Buenos días, Marta López:".
    Russian: "Здравствуйте, Анна!" fits any form of address, without guessing gender;
    a patronymic says it: "Уважаемая Марина Сергеевна," / "Уважаемый Олег Петрович,".
    """
    words = name.replace(".", " ").split()
    first = words[0].lower() if words else ""
    if language == "es":
        if first in _ES_FEMININE:
            return f"Estimada {name}:"
        if first in _ES_MASCULINE:
            return f"Estimado {name}:"
        return f"Hola, {name}:" if len(words) == 1 else f"Buenos días, {name}:"
    if language == "ru":
        return _russian_greeting(name, words)
    if len(words) == 1 and first not in HONORIFICS:
        return f"Hi {name},"
    return f"Dear {name},"


# A patronymic names the gender; "-ович" alone may be a surname ("Анна Абрамович"), so a
# masculine one counts only when no other word looks like a feminine first name ("-а", "-я").
_RU_FEMININE_PATRONYMIC = re.compile(r"(?:овна|евна|ична|инична)$", re.IGNORECASE)
_RU_MASCULINE_PATRONYMIC = re.compile(r"(?:ович|евич|ьич)$", re.IGNORECASE)
_RU_FEMININE_ENDING = re.compile(r"[ая]$", re.IGNORECASE)


def _russian_greeting(name: str, words: list[str]) -> str:
    """ "Уважаемая Марина Сергеевна," when a patronymic shows the gender, else "Здравствуйте, …!"."""
    if len(words) >= 2:
        if any(_RU_FEMININE_PATRONYMIC.search(word) for word in words[1:]):
            return f"Уважаемая {name},"
        masculine = [word for word in words[1:] if _RU_MASCULINE_PATRONYMIC.search(word)]
        others = [word for word in words if word not in masculine]
        if masculine and not any(_RU_FEMININE_ENDING.search(word) for word in others):
            return f"Уважаемый {name},"
    return f"Здравствуйте, {name}!"


def _is_emoji(ch: str) -> bool:
    """Pictographs, their joiners and variation selectors: out of place in a formal note."""
    code = ord(ch)
    return (
        (unicodedata.category(ch) == "So" and code >= 0x2190)
        or code in (0x200D, 0xFE0F, 0xFE0E)
        or 0x1F3FB <= code <= 0x1F3FF
    )


def _shouts(value: str) -> bool:
    letters = [ch for ch in value if ch.isalpha()]
    return len(letters) >= 4 and all(unicodedata.category(ch) in ("Lu", "Lt") for ch in letters)


def _name_case(value: str) -> str:
    """ "ZOË O'BRIEN-SMITH" or "zoë o'brien-smith" → "Zoë O'Brien-Smith"."""
    return _NAME_PART.sub(lambda m: _cap_parts(m.group(0)), value)


def _cap_parts(word: str) -> str:
    return "".join(part[:1].upper() + part[1:].lower() for part in re.split(r"(?<=['’])", word))


_SHORT_COMMON = frozenset(
    {
        "a",
        "an",
        "the",
        "my",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "and",
        "or",
        "by",
        "as",
        "is",
        "was",
        "are",
        "be",
        "it",
        "its",
        "our",
        "we",
        "you",
        "me",
        "no",
        "not",
        "but",
        "so",
        "up",
        "per",
        "via",
        "all",
        "any",
        "new",
        "one",
        "two",
        "too",
        "can",
        "has",
        "had",
        "how",
        "who",
        "why",
        "own",
        "out",
        "off",
        "led",
        "ran",
        "got",
        "see",
        "use",
        "way",
        "lot",
        "few",
        "her",
        "his",
        "him",
        "she",
        "he",
        "us",
        "am",
        "do",
        "did",
        "get",
        "set",
        "big",
        "key",
        "top",
    }
)


def _soften_caps(value: str, title: bool) -> str:
    """ALL CAPS over several words reads as shouting; acronyms (AWS, UX) keep their capitals."""
    letters = [ch for ch in value if ch.isalpha()]
    words = value.split()
    if len(words) < 2 or len(letters) < 8 or not _shouts(value):
        return value

    def soften(word: str, first: bool) -> str:
        bare = word.strip(".,;:!?()\"'").lower()
        if len(bare) <= 3 and bare not in _SHORT_COMMON:
            return word  # an acronym: AWS, UX, HR
        if bare == "i":
            return word
        if title and (first or bare not in _SHORT_COMMON):
            return word.capitalize()
        return word.lower()

    softened = " ".join(soften(word, index == 0) for index, word in enumerate(words))
    return softened[0].upper() + softened[1:]


_LOWER_SAFE_STARTS_BY_LANGUAGE: Mapping[str, frozenset[str]] = {
    "en": _LOWER_SAFE_STARTS,
    "es": frozenset(
        {
            "un",
            "una",
            "unos",
            "unas",
            "el",
            "la",
            "los",
            "las",
            "mi",
            "mis",
            "su",
            "sus",
            "este",
            "esta",
            "estos",
            "estas",
            "dos",
            "tres",
            "cuatro",
            "cinco",
            "seis",
            "siete",
            "ocho",
            "nueve",
            "diez",
            "más",
            "casi",
            "experiencia",
            "años",
            "meses",
            "cómo",
            "qué",
            "con",
            "para",
            "por",
            "de",
            "en",
            "sobre",
            "poca",
            "poco",
            "mucha",
            "mucho",
            "amplia",
            "sólida",
            "nueva",
            "nuevo",
            "falta",
            "liderar",
            "dirigir",
            "gestionar",
            "diseñar",
        }
    ),
    "ru": frozenset(
        {
            "опыт",
            "мой",
            "моя",
            "мои",
            "мое",
            "моё",
            "наш",
            "наша",
            "два",
            "две",
            "три",
            "пять",
            "десять",
            "более",
            "около",
            "почти",
            "новый",
            "новая",
            "новое",
            "план",
            "как",
            "что",
            "недостаток",
            "нехватка",
            "небольшой",
            "небольшая",
            "руководство",
            "управление",
            "четыре",
            "шесть",
            "семь",
            "восемь",
            "девять",
            "пятнадцать",
            "двадцать",
            "несколько",
            "много",
            "мало",
            "годы",
            "лет",
            "глубокий",
            "глубокое",
            "глубокие",
            "знание",
            "знания",
            "умение",
            "навык",
            "навыки",
            "сильный",
            "сильная",
            "практический",
            "пример",
            "кейс",
            "планы",
            "отсутствие",
            "свой",
            "своя",
            "своё",
            "свои",
        }
    ),
}


def _lower_first_if_safe(value: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Lower a leading capital only on a common word of `language` ("Five years" → "five
    years", "Cinco años" → "cinco años"); names, acronyms and "I" keep theirs."""
    safe = _LOWER_SAFE_STARTS_BY_LANGUAGE.get(language, frozenset())
    first = value.split()[0]
    bare = first.strip("\"'(“‘")
    if not bare or not bare[0].isupper() or any(ch.isupper() for ch in bare[1:]):
        return value
    if bare.lower() not in safe:
        return value
    index = value.index(bare[0])
    return value[:index] + bare[0].lower() + value[index + 1 :]
