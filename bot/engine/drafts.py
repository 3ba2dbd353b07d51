"""Drafts from templates: pick each piece's first alternative whose details are known.

User-supplied details are substituted once and never read as a template, so a company
called "{role}" stays "{role}".
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.engine.model import PLACEHOLDER, DraftTemplate, Piece
from bot.engine.views import Draft


def _choose(piece: Piece, details: Mapping[str, str]) -> str | None:
    for text in piece.alternatives:
        if all(details.get(name) for name in PLACEHOLDER.findall(text)):
            return PLACEHOLDER.sub(lambda m: details[m.group(1)], text)
    return None


def render(
    template: DraftTemplate,
    channel: str,
    facts: Mapping[str, str],
    details: Mapping[str, str],
) -> Draft:
    subject = None
    if template.subject is not None and template.subject.when.holds(facts):
        subject = _choose(template.subject, details)
    paragraphs: list[str] = []
    for paragraph in template.paragraphs:
        parts = [
            text
            for piece in paragraph
            if piece.when.holds(facts) and (text := _choose(piece, details)) is not None
        ]
        if parts:
            paragraphs.append(" ".join(parts))
    return Draft(channel=channel, subject=subject, body="\n\n".join(paragraphs))


def details_used(template: DraftTemplate, facts: Mapping[str, str]) -> set[str]:
    """The personal details this draft can use, given the answers."""
    names: set[str] = set()
    for piece in template.pieces():
        if piece.when.holds(facts):
            names |= piece.placeholders()
    return names
