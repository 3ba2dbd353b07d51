"""Engine views as Telegram messages: HTML text (everything escaped) plus inline keyboards.

Pure: it builds values and never talks to Telegram. Every word comes from the catalog;
every button carries a `bot.telegram.buttons.Payload` stamped with the session's flow
version, run and step, so a tap on an old button is recognised as stale.
"""

from __future__ import annotations

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    SwitchInlineQueryChosenChat,
)

from bot.engine import (
    Answer,
    ChangeView,
    DetailView,
    Event,
    GiveDetail,
    Plan,
    QuestionView,
    RecommendView,
    ResultView,
    Session,
    SkipDetail,
    View,
    document,
)
from bot.engine.document import ADVICE, FIRST_LOOK, plan_document
from bot.engine.followup import default_delay
from bot.engine.model import Catalog
from bot.telegram.buttons import Act, Payload
from bot.telegram.views.html import (
    CHOSEN,
    MAX_TEXT,
    Outgoing,
    Text,
    esc,
    texts,
    utf16_len,
)
from bot.telegram.views.plan import section_html, sections_html

# ---- buttons ------------------------------------------------------------------------------


def payload(session: Session, action: str, argument: str = "") -> str:
    return Payload(session.flow_version, session.run, session.step, action, argument).encode()


def _button(label: str, session: Session, action: str, argument: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=payload(session, action, argument))


def _navigation(session: Session, catalog: Catalog, can_go_back: bool) -> list[InlineKeyboardButton]:
    """Back and Start over; none on the first step, where neither would do anything."""
    if not can_go_back:
        return []
    return [
        _button(catalog.text("ui.back"), session, Act.BACK),
        _button(catalog.text("ui.restart"), session, Act.RESTART),
    ]


def _keyboard(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([row for row in rows if row])


def share_button(catalog: Catalog) -> InlineKeyboardButton:
    """The Share button: opens the chat picker with the bot's inline mode, which answers with
    the person's latest plan (views/share.py, features/sharing.py)."""
    chats = SwitchInlineQueryChosenChat(
        allow_user_chats=True, allow_group_chats=True, allow_channel_chats=True
    )
    return InlineKeyboardButton(catalog.text("ui.share"), switch_inline_query_chosen_chat=chats)


def export_button(session: Session, catalog: Catalog) -> InlineKeyboardButton:
    """The Export button: the whole plan as files (works while the result is on screen or later)."""
    return _button(catalog.text("ui.tg_export"), session, Act.EXPORT)


def remind_row(plan: Plan, session: Session, catalog: Catalog) -> list[InlineKeyboardButton]:
    """ "Remind me" with the plan's default delay, and the other delays; none without a draft."""
    if not plan.drafts:
        return []
    delay = default_delay(plan)
    if delay is None:
        return [_button(catalog.text("ui.tg_remind_later"), session, Act.DELAYS)]
    label = catalog.text("ui.tg_remind_in", delay=catalog.text(f"ui.tg_delay_{delay.key}"))
    return [
        _button(label, session, Act.REMIND, delay.key),
        _button(catalog.text("ui.tg_remind_other"), session, Act.DELAYS),
    ]


def forget_keyboard(session: Session | None, catalog: Catalog) -> InlineKeyboardMarkup:
    stamp = (session.flow_version, session.run, session.step) if session else (0, 0, 0)
    return _keyboard(
        [
            [
                InlineKeyboardButton(
                    catalog.text("ui.tg_forget_yes"), callback_data=Payload(*stamp, Act.FORGET).encode()
                ),
                InlineKeyboardButton(
                    catalog.text("ui.tg_forget_no"), callback_data=Payload(*stamp, Act.KEEP_DATA).encode()
                ),
            ]
        ]
    )


def midway_keyboard(session: Session, catalog: Catalog) -> InlineKeyboardMarkup:
    """/start in the middle of a guide: continue where one was, or start over."""
    return _keyboard(
        [
            [
                _button(catalog.text("ui.tg_continue"), session, Act.CONTINUE),
                _button(catalog.text("ui.restart"), session, Act.RESTART),
            ]
        ]
    )


def group_keyboard(catalog: Catalog, bot_username: str) -> InlineKeyboardMarkup:
    url = f"https://t.me/{bot_username}?start=group"
    return _keyboard([[InlineKeyboardButton(catalog.text("ui.tg_group_button"), url=url)]])


def commands(catalog: Catalog) -> list[BotCommand]:
    names = (
        "start",
        "back",
        "restart",
        "help",
        "mydata",
        "forget",
        "cancel",
        "share",
        "export",
        "reminders",
        "check",
    )
    return [BotCommand(name, catalog.text(f"ui.tg_cmd_{name}")) for name in names]


# ---- views --------------------------------------------------------------------------------


def _progress(position: int, total: int) -> str:
    return f"<b>{position}/{total}</b> · "


def _question_head(view: QuestionView) -> str:
    return _progress(view.position, view.total) + esc(view.text)


def _detail_head(view: DetailView) -> str:
    return _progress(view.position, view.total) + esc(view.prompt)


def _with_notice(body: str, notice: str | None) -> str:
    return f"<i>{esc(notice)}</i>\n\n{body}" if notice else body


def _lines(*blocks: str | None) -> str:
    return "\n".join(block for block in blocks if block)


def render_view(
    view: View,
    session: Session,
    catalog: Catalog,
    notice: str | None = None,
    answered: str | None = None,
    *,
    shareable: bool = True,
    can_reply: bool = False,
) -> list[Outgoing]:
    """The messages that show `view`; the last one carries the step's buttons. `answered`
    (HTML, from `render_answered`) heads the first message: the choice that led here.
    A result gets Share and Export when `shareable`, and "They replied" with `can_reply`."""
    messages = _render_view(view, session, catalog, notice, shareable, can_reply)
    first = messages[0] if messages else None
    if answered and isinstance(first, Text):
        headed = f"{answered}\n\n{first.html}"
        if utf16_len(headed) <= MAX_TEXT:
            messages[0] = Text(headed, first.keyboard)
    return messages


def _render_view(
    view: View,
    session: Session,
    catalog: Catalog,
    notice: str | None,
    shareable: bool = True,
    can_reply: bool = False,
) -> list[Outgoing]:
    if isinstance(view, QuestionView):
        body = _lines(_question_head(view), f"<i>{esc(view.hint)}</i>" if view.hint else None)
        rows = [
            [_button(("✓ " if c.selected else "") + c.label, session, Act.ANSWER, c.value)]
            for c in view.choices
        ]
        rows.append(_navigation(session, catalog, view.can_go_back))
        return texts(_with_notice(body, notice or view.notice), _keyboard(rows))
    if isinstance(view, DetailView):
        current = esc(catalog.text("ui.tg_current", value=view.current)) if view.current else None
        body = _lines(
            f"<i>{esc(view.error)}</i>\n" if view.error else None,
            _detail_head(view),
            f"<i>{esc(view.hint)}</i>" if view.hint else None,
            current,
            esc(catalog.text("ui.tg_type_detail")),
        )
        first_row = [_button(catalog.text("ui.skip"), session, Act.SKIP)]
        if view.current:
            first_row.insert(0, _button(catalog.text("ui.tg_keep"), session, Act.KEEP))
        keyboard = _keyboard([first_row, _navigation(session, catalog, view.can_go_back)])
        return texts(_with_notice(body, notice), keyboard)
    if isinstance(view, RecommendView):
        body = esc(view.intro) + "\n\n" + recommendation_html(view.plan, catalog, full=False)
        keyboard = _keyboard(
            [
                [_button(view.proceed_label, session, Act.PROCEED)],
                _navigation(session, catalog, view.can_go_back),
            ]
        )
        return texts(_with_notice(body, notice), keyboard)
    if isinstance(view, ChangeView):
        rows = [[_button(choice.label, session, Act.REVISE, choice.value)] for choice in view.choices]
        rows.append([_button(catalog.text("ui.back"), session, Act.BACK)])
        return texts(_with_notice(esc(view.text), notice), _keyboard(rows))
    return render_result(view, session, catalog, notice, shareable=shareable, can_reply=can_reply)


def replied_button(catalog: Catalog) -> InlineKeyboardButton:
    """ "They replied": asks what the employer said (features/after_reply.py). Stepless: it
    works from the latest result whenever it is tapped, like /replied."""
    data = Payload(0, 0, 0, Act.REPLIED).encode()
    return InlineKeyboardButton(catalog.text("ui.tg_they_replied"), callback_data=data)


def render_result(
    view: ResultView,
    session: Session,
    catalog: Catalog,
    notice: str | None = None,
    *,
    shareable: bool = True,
    can_reply: bool = False,
) -> list[Outgoing]:
    """The advice, each draft ready to copy, and what to do next, in as few messages as read
    well: the advice (with the copy hint), then one message per draft, the last of which
    carries the closing words and the buttons. Files come only on request (Export), so
    showing a result costs no uploads, and a person waits for one message per draft."""
    plan = view.plan
    drafts = plan.drafts
    hint = f"<i>{esc(catalog.text('ui.tg_copy_hint'))}</i>" if drafts else None
    advice = _with_notice(recommendation_html(plan, catalog), notice)
    bodies = [f"{advice}\n\n{hint}" if hint else advice]
    for section in plan_document(plan, catalog, document.AFTER_ADVICE):
        if section.is_draft:
            bodies.append(section_html(section))
        else:  # what follows the drafts joins the last message
            bodies[-1] += "\n\n" + section_html(section)
    bodies[-1] += f"\n\n{esc(catalog.text('ui.tg_result_footer'))}"
    keyboard = _keyboard(
        [
            [
                _button(catalog.text("ui.change_answer"), session, Act.CHANGE),
                _button(catalog.text("ui.restart"), session, Act.RESTART),
            ],
            [share_button(catalog), export_button(session, catalog)] if shareable else [],
            remind_row(plan, session, catalog),
            [replied_button(catalog)] if can_reply else [],
        ]
    )
    out: list[Outgoing] = []
    for index, body in enumerate(bodies):
        out += texts(body, keyboard if index == len(bodies) - 1 else None)
    return out


def recommendation_html(plan: Plan, catalog: Catalog, full: bool = True) -> str:
    """The advice as paragraphs: recommendation and why; with `full`, also expectations,
    the other actions and tips (the advice sections of the plan document)."""
    if not full:
        return sections_html(plan_document(plan, catalog, FIRST_LOOK))
    return sections_html(plan_document(plan, catalog, ADVICE))


def _choice(view: View, event: Event, catalog: Catalog) -> tuple[str, str] | None:
    """The step's head and, as plain text, the choice the event made on it (None: no choice)."""
    if isinstance(view, QuestionView) and isinstance(event, Answer):
        labels = {choice.value: choice.label for choice in view.choices}
        if event.value in labels:
            return _question_head(view), labels[event.value]
    if isinstance(view, DetailView) and isinstance(event, GiveDetail | SkipDetail):
        given = event.text.strip() if isinstance(event, GiveDetail) else catalog.text("ui.tg_skipped")
        return _detail_head(view), given
    return None


def render_closed(view: View, event: Event, catalog: Catalog) -> str | None:
    """The answered message, edited to show the choice without buttons; None: just drop them."""
    made = _choice(view, event, catalog)
    if made is None:
        return None
    head, choice = made
    return f"{head}\n{CHOSEN} <b>{esc(choice)}</b>"[:MAX_TEXT]


def render_answered(view: View, event: Event, catalog: Catalog) -> str | None:
    """The choice a tap made, shown above the step it led to (the same message, edited);
    None when there is nothing to confirm (Back, Proceed...)."""
    made = _choice(view, event, catalog)
    if made is None:
        return None
    return f"{CHOSEN} <b>{esc(made[1][:200])}</b>"
