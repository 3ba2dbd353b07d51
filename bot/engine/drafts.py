"""Drafts from templates: each piece's first alternative whose details are known, then
shorter alternatives until the draft fits its length limit (never cutting a word).

User-supplied details are normalised (bot.engine.details), substituted once and never read
as a template, so a company called "{role}" stays "{role}".
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.engine.details import DERIVED, SENTENCES
from bot.engine.model import PLACEHOLDER, DraftTemplate, Piece, Placement, WordLimits
from bot.engine.views import Draft

Option = tuple[str | None, bool]
"""A text a piece may take (None: left out), and whether it carries the person's own
commitment or correction, which is the last thing to give up when a draft is too long."""


def _candidates(piece: Piece, details: Mapping[str, str]) -> list[Option]:
    """The texts this piece may take, in the order written; None means "leave it out",
    allowed only when every alternative needs a detail (the sentence made sense only with it)."""
    found: list[Option] = [
        (
            PLACEHOLDER.sub(lambda m: details[m.group(1)], text),
            bool(SENTENCES & set(PLACEHOLDER.findall(text))),
        )
        for text in piece.alternatives
        if all(details.get(name) for name in PLACEHOLDER.findall(text))
    ]
    if all(PLACEHOLDER.search(text) for text in piece.alternatives):
        found.append((None, False))
    return found


def _join(paragraphs: list[list[Option]]) -> str:
    kept = [" ".join(text for text, _own in paragraph if text) for paragraph in paragraphs]
    return "\n\n".join(text for text in kept if text)


def _fit(options: list[list[list[Option]]], limits: WordLimits | None) -> str:
    """Choose one text per piece: the first of each, then, while the body is too long, the
    next option of the piece whose current text is longest (the person's own commitment or
    correction last)."""
    chosen = [[0 for _ in paragraph] for paragraph in options]

    def body() -> str:
        return _join(
            [
                [opts[i] for opts, i in zip(paragraph, picks, strict=True)]
                for paragraph, picks in zip(options, chosen, strict=True)
            ]
        )

    text = body()
    while limits is not None and not limits.fits(text):
        best: tuple[int, int, int] | None = None
        best_size = (-1, -1)
        for p, paragraph in enumerate(options):
            for k, opts in enumerate(paragraph):
                index = chosen[p][k]
                if index + 1 < len(opts):
                    current, own = opts[index]
                    size = (0 if own else 1, len(current or ""))
                    if size > best_size:
                        best, best_size = (p, k, index + 1), size
        if best is None:
            break
        chosen[best[0]][best[1]] = best[2]
        text = body()
    return text


def render(
    template: DraftTemplate,
    placement: Placement,
    facts: Mapping[str, str],
    details: Mapping[str, str],
    limits: WordLimits | None = None,
    label: str = "",
) -> Draft:
    """The draft for these answers and (normalised) details, within `limits`."""
    subject = None
    if placement.subject and template.subject is not None and template.subject.when.holds(facts):
        subject = next((text for text, _own in _candidates(template.subject, details) if text), None)
    options: list[list[list[Option]]] = []
    for paragraph in template.paragraphs:
        pieces = [_candidates(piece, details) for piece in paragraph if piece.when.holds(facts)]
        options.append([opts for opts in pieces if opts])
    body = _fit(options, limits)
    return Draft(channel=placement.channel, subject=subject, body=body, placement=placement.id, label=label)


def details_used(template: DraftTemplate, facts: Mapping[str, str]) -> set[str]:
    """The personal details this draft can use, given the answers."""
    names: set[str] = set()
    for piece in template.pieces():
        if piece.when.holds(facts):
            names |= {DERIVED.get(name, name) for name in piece.placeholders()}
    return names
