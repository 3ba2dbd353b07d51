"""Sharing a plan, as Telegram values: share links, the /share message, inline-mode answers and
what a recipient of a link sees. Pure, like render.py: it builds values and never talks to Telegram.

What leaves the person's chat is built from their answers only (`Guide.plan_for` with no
details), so no name, company or draft reaches anyone, except in the inline result they pick
explicitly as "my plan with the draft".
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from urllib.parse import quote, urlencode

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
)
from telegram.constants import ParseMode

from bot.engine import Flow, Plan
from bot.engine.decide import path_answers
from bot.engine.document import (
    Bullets,
    DraftBlock,
    Heading,
    Item,
    Section,
    SectionMaker,
    answers_section,
    drafts,
    plan_document,
    recommendation_short,
    why,
)
from bot.engine.model import Catalog
from bot.telegram.buttons import Act, Payload
from bot.telegram.views.html import MAX_TEXT, Outgoing, Text, esc, split_html
from bot.telegram.views.plan import draft_html, sections_html
from bot.telegram.views.steps import share_button

SHARE_PREFIX = "share_"
"""Start parameters of share links: `share_<code>`."""
CODE_BYTES = 9
"""`secrets.token_urlsafe(9)`: 12 characters, 72 random bits; far beyond guessing."""
START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
INLINE_START = "inline"
"""The start parameter of the "get your own plan" buttons in inline results."""
INLINE_CACHE_SECONDS = 5
"""Inline answers are personal and change with each new result: cache them only briefly."""


def new_code() -> str:
    """A fresh, unguessable share code of `[A-Za-z0-9_-]`."""
    return secrets.token_urlsafe(CODE_BYTES)


def share_parameter(code: str) -> str:
    parameter = SHARE_PREFIX + code
    if not START_PARAMETER.fullmatch(parameter):
        raise ValueError(f"not a valid start parameter: {parameter!r}")
    return parameter


def code_from_start(argument: str) -> str | None:
    """The share code a /start argument carries, or None when it is no share link."""
    if not argument.startswith(SHARE_PREFIX) or not START_PARAMETER.fullmatch(argument):
        return None
    return argument[len(SHARE_PREFIX) :] or None


def deep_link(bot_username: str, parameter: str) -> str:
    return f"https://t.me/{bot_username}?start={parameter}"


def share_url(link: str, text: str) -> str:
    """Telegram's share link: opens the chat picker with `link` and `text` ready to send."""
    return "https://t.me/share/url?" + urlencode({"url": link, "text": text}, quote_via=quote)


def answer_path(flow: Flow, answers: Mapping[str, str], catalog: Catalog) -> list[tuple[str, str]]:
    """(question, chosen answer) in plain words, for the questions the answers went through."""
    return [
        (catalog.text(f"questions.{question}.short"), catalog.text(f"questions.{question}.options.{value}"))
        for question, value in path_answers(flow, answers).items()
    ]


# ---- the plan, without personal details ------------------------------------------------------


def next_steps(plan: Plan, catalog: Catalog) -> list[Section]:
    """Every action with when to take it: what a shared plan offers instead of the drafts."""
    items = tuple(Item(action.when, title=action.title) for action in plan.actions)
    return [Section("next_steps", (Heading(catalog.text("ui.tg_next_steps")), Bullets(items)))]


SUMMARY: tuple[SectionMaker, ...] = (recommendation_short, why, next_steps)
"""What a shared plan shows: nothing personal."""


def plan_summary_html(plan: Plan, path: list[tuple[str, str]], catalog: Catalog) -> str:
    """The answer path, the recommended approach, why, and the next steps. Built only from
    catalog words chosen by the answers: callers pass a plan made without details."""
    answers = answers_section(catalog.text("ui.tg_answers"), path)
    return sections_html([answers, *plan_document(plan, catalog, SUMMARY)])


def _draft_html(plan: Plan, catalog: Catalog) -> str | None:
    """The primary draft (or, when the primary sends nothing, the first one) as a copyable block."""
    sections = plan_document(plan, catalog, (drafts,))
    if not sections:
        return None
    primary = next((a.title for a in plan.actions if a.approach == plan.primary), None)
    blocks = [block for section in sections for block in section.blocks if isinstance(block, DraftBlock)]
    draft = next((block for block in blocks if block.title == primary), blocks[0])
    return draft_html(draft, heading=f"{catalog.text('ui.tg_draft_heading')}: {draft.title}")


def _fit(html: str) -> str:
    """One message's worth (the first part, tags balanced) of possibly longer HTML."""
    return split_html(html, MAX_TEXT)[0]


# ---- in the person's own chat ------------------------------------------------------------------


def share_message(catalog: Catalog, link: str) -> list[Outgoing]:
    """The /share answer: the chat picker (inline mode) and a share link that works without it."""
    url = share_url(link, catalog.text("ui.tg_share_link_text"))
    keyboard = InlineKeyboardMarkup(
        [
            [share_button(catalog)],
            [InlineKeyboardButton(catalog.text("ui.tg_share_link_button"), url=url)],
        ]
    )
    return [Text(esc(catalog.text("ui.tg_share_intro")), keyboard)]


def own_guide_keyboard(catalog: Catalog) -> InlineKeyboardMarkup:
    """One button that starts the reader's own guide (valid whatever their guide's step)."""
    data = Payload(0, 0, 0, Act.OWN_GUIDE).encode()
    return InlineKeyboardMarkup([[InlineKeyboardButton(catalog.text("ui.tg_own_guide"), callback_data=data)]])


def shared_messages(plan: Plan, path: list[tuple[str, str]], catalog: Catalog) -> list[Outgoing]:
    """What a share link's recipient sees: the path and the advice, then their own start."""
    body = f"<i>{esc(catalog.text('ui.tg_shared_intro'))}</i>\n\n{plan_summary_html(plan, path, catalog)}"
    return [Text(_fit(body), own_guide_keyboard(catalog))]


def unknown_share_messages(catalog: Catalog) -> list[Outgoing]:
    return [Text(esc(catalog.text("ui.tg_share_unknown")), own_guide_keyboard(catalog))]


# ---- inline mode ------------------------------------------------------------------------------


def _own_plan_markup(catalog: Catalog, bot_username: str) -> InlineKeyboardMarkup:
    url = deep_link(bot_username, INLINE_START)
    return InlineKeyboardMarkup([[InlineKeyboardButton(catalog.text("ui.tg_inline_own_plan"), url=url)]])


def _article(
    result_id: str, title: str, description: str, html: str, markup: InlineKeyboardMarkup
) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=result_id,
        title=title,
        description=description,
        input_message_content=InputTextMessageContent(_fit(html), parse_mode=ParseMode.HTML),
        reply_markup=markup,
    )


def inline_plan_results(
    summary: Plan,
    full: Plan,
    path: list[tuple[str, str]],
    catalog: Catalog,
    bot_username: str,
    version: int,
) -> list[InlineQueryResultArticle]:
    """The person's latest result as articles: "my plan" from `summary` (a plan built without
    details), and "my plan with the draft" from `full`. `version` (when it was saved) keeps
    ids fresh, so a client never shows an older result under the same id."""
    heading = f"<b>{esc(catalog.text('ui.tg_plan_heading'))}</b>"
    html = f"{heading}\n\n{plan_summary_html(summary, path, catalog)}"
    markup = _own_plan_markup(catalog, bot_username)
    primary = summary.actions[0].title
    results = [_article(f"plan.{version}", catalog.text("ui.tg_inline_plan_title"), primary, html, markup)]
    draft = _draft_html(full, catalog)
    if draft is not None:
        results.append(
            _article(
                f"draft.{version}",
                catalog.text("ui.tg_inline_draft_title"),
                primary,
                f"{html}\n\n{draft}",
                markup,
            )
        )
    return results


def inline_start_results(catalog: Catalog, bot_username: str) -> list[InlineQueryResultArticle]:
    """For someone with no result yet: an article that invites to the guide."""
    return [
        _article(
            "start",
            catalog.text("ui.tg_inline_none_title"),
            catalog.text("ui.tg_inline_none_description"),
            esc(catalog.text("ui.tg_inline_none_text")),
            _own_plan_markup(catalog, bot_username),
        )
    ]


def inline_start_button(catalog: Catalog) -> InlineQueryResultsButton:
    """Above the results: opens a private chat with the bot at /start."""
    return InlineQueryResultsButton(text=catalog.text("ui.tg_inline_start"), start_parameter=INLINE_START)
