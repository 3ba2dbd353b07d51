"""The tone check in Telegram: the /check prompt, the offer under a long text, and the
findings as HTML messages. Pure: it builds values and never talks to Telegram.

Nothing is stored for it. A reply to the prompt is recognised by what it replies to (a
message from the bot carrying the prompt's text), and a tap on the offer checks the
message the offer replies to, so both work whatever step the guide is at.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from bot.engine import Session
from bot.engine.model import Catalog
from bot.engine.tone import FORM_CHECK_IDS, Finding
from bot.telegram.buttons import Act, Payload
from bot.telegram.views.html import BULLET, MAX_TEXT, Outgoing, Text, esc, split_html, utf16_len

# A typed text this long, outside a prompt, is probably a draft: offer to check it.
OFFER_MIN_WORDS = 40
OFFER_MIN_CHARS = 250
MAX_SHOWN = 10  # passages listed; the rest are counted, so a huge paste gets a bounded answer
MAX_PASSAGE = 160  # characters of a quoted passage
# A text this close to Telegram's limit is likely one piece of a longer paste (clients split).
PIECE_MIN_LENGTH = MAX_TEXT - 600


def looks_like_draft(text: str) -> bool:
    """Long enough to be a message the person wrote, rather than a stray word."""
    return len(text.split()) >= OFFER_MIN_WORDS or len(text.strip()) >= OFFER_MIN_CHARS


def prompt(catalog: Catalog) -> list[Outgoing]:
    """The /check prompt: the person's next message, a reply to it, is the draft."""
    placeholder = catalog.text("ui.tg_tone_placeholder")[:64]
    return [
        Text(esc(catalog.text("ui.tg_tone_prompt")), ForceReply(input_field_placeholder=placeholder or None))
    ]


def prompt_texts(catalogs: Iterable[Catalog]) -> frozenset[str]:
    """The prompt as it reads in each language, to recognise replies to it."""
    return frozenset(catalog.text("ui.tg_tone_prompt").strip() for catalog in catalogs)


def offer(catalog: Catalog, session: Session | None, reply_to: int) -> list[Outgoing]:
    """A short offer under a long text, with one button that checks it."""
    stamp = (session.flow_version, session.run, session.step) if session else (0, 0, 0)
    button = InlineKeyboardButton(
        catalog.text("ui.tg_tone_offer_button"), callback_data=Payload(*stamp, Act.TONE).encode()
    )
    return [Text(esc(catalog.text("ui.tg_tone_offer")), InlineKeyboardMarkup([[button]]), reply_to)]


def render_findings(
    text: str, findings: Sequence[Finding], catalog: Catalog, reply_to: int | None = None
) -> list[Outgoing]:
    """The check's result for `text`, the first message replying to the draft: each flagged
    passage with its category, why and a gentler line, then the form notes. The draft itself
    is never repeated or rewritten; at most MAX_SHOWN passages are listed."""
    passages = [f for f in findings if f.category not in FORM_CHECK_IDS]
    form = [f for f in findings if f.category in FORM_CHECK_IDS]
    piece = utf16_len(text) >= PIECE_MIN_LENGTH
    if not findings:
        paragraphs = [esc(catalog.text("ui.tg_tone_clean"))]
    else:
        try_label = esc(catalog.text("ui.tg_tone_try"))
        paragraphs = [f"<b>{esc(catalog.text('ui.tg_tone_found', count=len(findings)))}</b>"]
        paragraphs += [
            _passage(number, finding, try_label)
            for number, finding in enumerate(passages[:MAX_SHOWN], start=1)
        ]
        if len(passages) > MAX_SHOWN:
            more = catalog.text("ui.tg_tone_more", count=len(passages) - MAX_SHOWN)
            paragraphs.append(f"<i>{esc(more)}</i>")
        if form:
            paragraphs.append(
                "\n".join(
                    [
                        f"<b>{esc(catalog.text('ui.tg_tone_form'))}</b>",
                        *(_form_note(note, try_label) for note in form),
                    ]
                )
            )
        paragraphs.append(f"<i>{esc(catalog.text('ui.tg_tone_footer'))}</i>")
    if piece:
        paragraphs.append(f"<i>{esc(catalog.text('ui.tg_tone_piece'))}</i>")
    parts = split_html("\n\n".join(paragraphs))
    return [Text(part, reply_to=reply_to if index == 0 else None) for index, part in enumerate(parts)]


def _passage(number: int, finding: Finding, try_label: str) -> str:
    return "\n".join(
        [
            f"{number}. <b>{esc(finding.category_label)}</b>: “{esc(_quoted(finding.passage))}”",
            esc(finding.why),
            esc(finding.advice) if finding.advice else f"<i>{try_label}</i> {esc(finding.alternative)}",
        ]
    )


def _form_note(finding: Finding, try_label: str) -> str:
    return (
        f"{BULLET} <b>{esc(finding.category_label)}</b> ({esc(_quoted(finding.passage))}): "
        f"{esc(finding.why)} <i>{try_label}</i> {esc(finding.alternative)}"
    )


def _quoted(passage: str) -> str:
    """The passage on one line, cut to MAX_PASSAGE characters."""
    flat = " ".join(passage.split())
    return flat if len(flat) <= MAX_PASSAGE else flat[: MAX_PASSAGE - 1].rstrip(" …") + "…"
