"""What the bot does with each update: parse it, let the engine decide, store, then show.

Order matters for durability: the engine's new session is committed (with the update's id)
before anything is sent, and the message showing the step is recorded after it was sent.
So a redelivered update is ignored, and if a send is lost (a crash, a network failure) the
next update from that chat finds the step undelivered and shows it again.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.callbacks import Payload
from bot.engine import (
    Answer,
    Back,
    ChangeAnswer,
    DetailView,
    Event,
    GiveDetail,
    Guide,
    InvalidMove,
    Proceed,
    Restart,
    ResultView,
    Revise,
    Session,
    SkipDetail,
    View,
)
from bot.engine.model import Catalog
from bot.engine.tone import ToneLexicon, check_tone
from bot.storage import ChatRecord, Store
from bot.telegram import files, tonecheck
from bot.telegram.admin import Admin
from bot.telegram.reminders import Reminders
from bot.telegram.render import (
    Act,
    Document,
    Outgoing,
    Text,
    esc,
    forget_keyboard,
    group_keyboard,
    plain,
    render_answered,
    render_closed,
    render_view,
)
from bot.telegram.replied import Replied
from bot.telegram.share_handlers import Sharing

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query", "inline_query")
"""The update kinds the bot asks Telegram for (polling and webhook alike)."""

Context = ContextTypes.DEFAULT_TYPE


class ChatBlocked(Exception):
    """The person blocked the bot: stop this turn, mark the chat inactive."""


@dataclass
class Incoming:
    """One update from a private chat, with what we know about the chat (a transport-side
    turn; the engine's own `Turn` is the moved session and its view)."""

    update_id: int
    chat_id: int
    user_id: int | None
    language: str
    record: ChatRecord | None
    session: Session | None
    """The chat's guide session, None when there is none (or it belongs to an older flow)."""
    bot: Bot
    query: CallbackQuery | None = None
    answered: bool = field(default=False)
    message: Message | None = None
    """The incoming message, None for a button tap."""

    @property
    def delivery_pending(self) -> bool:
        """The session moved on, but the message showing its step never went out."""
        if self.session is None or self.record is None:
            return False
        return self.record.message_step != self.session.step


class Conversation:
    """The guide in Telegram private chats, on top of a Guide and a Store."""

    def __init__(
        self, guide: Guide, store: Store, tone: Mapping[str, ToneLexicon], admin_ids: Iterable[int] = (),
    ) -> None:
        self.guide = guide
        self.guides = {guide.flow.id: guide, **guide.followers}
        self.store = store
        self.reminders = Reminders(self)
        self.tone = dict(tone)
        self.tone_prompts = tonecheck.prompt_texts(guide.catalogs.values())
        self.commands = {
            "start": self._start,
            "restart": self._restart,
            "back": self._back,
            "help": self._help,
            "cancel": self._cancel,
            "forget": self._forget,
            "mydata": self._mydata,
            "reminders": self.reminders.command,
            "check": self._check,
        }
        self.sharing = Sharing(self)
        self.commands.update(share=self.sharing.share, export=self.sharing.export)
        self.admin = Admin(self, admin_ids)
        self.commands.update(stats=self.admin.stats)
        self.replied = Replied(self)
        if self.replied.available:
            self.commands.update(replied=self.replied.command)
        # Buttons that do not move the guide: each feature checks its own argument, so they
        # are valid whatever the session's step (a reminder's answer arrives weeks later).
        self.feature_buttons: dict[str, Callable[[Incoming, Payload], Awaitable[None]]] = {
            Act.FORGET: lambda turn, payload: self._forget_answer(turn, erase=True),
            Act.KEEP_DATA: lambda turn, payload: self._forget_answer(turn, erase=False),
            Act.TONE: lambda turn, payload: self._check_offered(turn),
            Act.EXPORT: lambda turn, payload: self.sharing.on_button(turn, payload.action),
            Act.OWN_GUIDE: lambda turn, payload: self.sharing.on_button(turn, payload.action),
            Act.REMIND: self.reminders.on_button,
            Act.DELAYS: self.reminders.on_button,
            Act.OUTCOME: self.reminders.on_button,
            Act.CANCEL_REMINDER: self.reminders.on_button,
        }
        if self.replied.available:
            self.feature_buttons[Act.REPLIED] = self.replied.on_button

    def register(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        new = filters.UpdateType.MESSAGE  # edits of earlier messages change nothing
        private = filters.ChatType.PRIVATE & new
        application.add_handler(MessageHandler(filters.ChatType.GROUPS & new, self.on_group_message))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(InlineQueryHandler(self.sharing.on_inline_query))
        application.add_handler(MessageHandler(private & filters.TEXT, self.on_text))
        application.add_handler(MessageHandler(private, self.on_other_message))

    # ---- PTB callbacks: each finds the turn and hands over -----------------------------

    async def on_text(self, update: Update, context: Context) -> None:
        """A typed message: a command, a detail, or a stray word."""
        turn = await self._turn(update, context.bot)
        assert update.message is not None and update.message.text is not None
        text = update.message.text
        await self._guarded(turn, self._text(turn, text))

    async def on_other_message(self, update: Update, context: Context) -> None:
        """A sticker, photo, voice note...: a hint, never an error."""
        turn = await self._turn(update, context.bot)
        await self._guarded(turn, self._not_text(turn))

    async def on_button(self, update: Update, context: Context) -> None:
        """A tap on one of our inline buttons."""
        query = update.callback_query
        assert query is not None
        message = query.message
        if message is None or message.chat.type != "private":
            await self._answer_safely(query)
            return
        turn = await self._turn(update, context.bot, query)
        await self._guarded(turn, self._button(turn, query.data or ""))

    async def on_group_message(self, update: Update, context: Context) -> None:
        """No guide in groups: point to a private chat."""
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None or not await self.store.record_update(update.update_id):
            return
        catalog = self.guide.catalog(_language(update))
        username = context.bot.username
        try:
            await context.bot.send_message(
                chat.id, esc(catalog.text("ui.tg_group")), parse_mode=ParseMode.HTML,
                reply_markup=group_keyboard(catalog, username),
                reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
            )
        except Forbidden:
            log.info("cannot write to group %s", chat.id)

    # ---- the turn -----------------------------------------------------------------------

    async def _turn(self, update: Update, bot: Bot, query: CallbackQuery | None = None) -> Incoming:
        chat = update.effective_chat
        assert chat is not None
        user = update.effective_user
        record = await self.store.load_chat(chat.id)
        return Incoming(
            update_id=update.update_id,
            chat_id=chat.id,
            user_id=user.id if user else None,
            language=_language(update),
            record=record,
            session=self._session_of(record),
            bot=bot,
            query=query,
            message=update.message,
        )

    def _session_of(self, record: ChatRecord | None) -> Session | None:
        if record is None or record.session is None:
            return None
        try:
            session = Session.from_dict(record.session)
        except (KeyError, TypeError, ValueError):
            log.warning("chat %s has an unreadable session; starting afresh", record.chat_id)
            return None
        guide = self.guides.get(session.flow)
        if guide is None or session.flow_version != guide.flow.version:
            return None  # an older flow: its answers may not fit the questions any more
        if session.state not in guide.machine.states:
            return None
        return session

    def guide_for(self, session: Session) -> Guide:
        """The guide of the session's flow: the first one, or one that follows it (after_reply)."""
        return self.guides[session.flow]

    def _catalog(self, turn: Incoming) -> Catalog:
        return self.guide.catalog(turn.session.language if turn.session else turn.language)

    async def _guarded(self, turn: Incoming, work: Any) -> None:
        """Run the turn; a blocked chat is marked, anything unexpected is told kindly."""
        try:
            await work
        except ChatBlocked:
            log.info("chat %s blocked the bot; marked inactive", turn.chat_id)
            await self.store.mark_blocked(turn.chat_id)
        except Exception:
            log.exception("update %s in chat %s failed", turn.update_id, turn.chat_id)
            await self._answer(turn)
            try:
                await self._send(turn, plain(self._catalog(turn).text("ui.tg_error")))
            except (TelegramError, ChatBlocked):
                log.warning("could not tell chat %s about the failure", turn.chat_id)

    # ---- what each input means ----------------------------------------------------------

    async def _text(self, turn: Incoming, text: str) -> None:
        if text.startswith("/"):
            name, argument = _command_parts(text)
            command = self.commands.get(name)
            if command is None:
                await self._unknown_command(turn)
            else:
                await command(turn, argument.strip())
            return
        if turn.message is not None and tonecheck.replies_to_prompt(turn.message, turn.bot.id,
                                                                    self.tone_prompts):
            await self._check_tone(turn, text, turn.message.message_id)
            return
        detail_step = turn.session is not None and isinstance(
            self.guide_for(turn.session).view(turn.session), DetailView)
        if not detail_step and turn.message is not None and tonecheck.looks_like_draft(text):
            offer = tonecheck.offer(self._catalog(turn), turn.session, turn.message.message_id)
            await self._reply(turn, offer)
            return
        if turn.session is None:
            await self._reply(turn, plain(self._catalog(turn).text("ui.tg_no_guide")))
        elif isinstance(self.guide_for(turn.session).view(turn.session), DetailView):
            await self._move(turn, GiveDetail(text))
        else:
            await self._show_again(turn, self._catalog(turn).text("ui.tg_use_buttons"))

    async def _not_text(self, turn: Incoming) -> None:
        catalog = self._catalog(turn)
        if turn.session is None:
            await self._reply(turn, plain(catalog.text("ui.tg_no_guide")))
        elif isinstance(self.guide_for(turn.session).view(turn.session), DetailView):
            await self._show_again(turn, catalog.text("ui.tg_text_only_detail"))
        else:
            await self._show_again(turn, catalog.text("ui.tg_text_only"))

    async def _button(self, turn: Incoming, data: str) -> None:
        payload = callbacks.decode(data)
        feature = self.feature_buttons.get(payload.action) if payload is not None else None
        if payload is not None and feature is not None:
            await feature(turn, payload)
            return
        session = turn.session
        if session is None:
            await self._stale(turn, "ui.tg_stale_no_guide")
            return
        current = (session.flow_version, session.run, session.step)
        if payload is None or (payload.flow_version, payload.run, payload.step) != current:
            await self._stale(turn, "ui.tg_stale")
            return
        event = _event_for(payload.action, payload.argument, self.guide_for(session).view(session))
        if event is None:
            await self._stale(turn, "ui.tg_stale")
            return
        await self._move(turn, event, stale_if_invalid=True)

    # ---- commands ---------------------------------------------------------------------------

    async def _start(self, turn: Incoming, argument: str) -> None:
        if argument and await self.sharing.open_link(turn, argument):
            return
        if argument:
            log.info("chat %s started from %r", turn.chat_id, argument[:64])
        await self._begin(turn, welcome=True)

    async def _restart(self, turn: Incoming, argument: str) -> None:
        """Start over in the flow in progress (after_reply keeps the details it took over)."""
        guide = self.guide_for(turn.session) if turn.session is not None else self.guide
        await self._begin(turn, welcome=turn.session is None, guide=guide)

    async def _back(self, turn: Incoming, argument: str) -> None:
        if turn.session is None:
            await self._reply(turn, plain(self._catalog(turn).text("ui.tg_no_guide")))
            return
        await self._move(turn, Back(), invalid_notice="ui.tg_cannot_go_back")

    async def _help(self, turn: Incoming, argument: str) -> None:
        await self._reply(turn, plain(self._catalog(turn).text("ui.tg_help")))

    async def _unknown_command(self, turn: Incoming) -> None:
        catalog = self._catalog(turn)
        text = catalog.text("ui.tg_unknown_command") + "\n\n" + catalog.text("ui.tg_help")
        await self._reply(turn, plain(text))

    async def _cancel(self, turn: Incoming, argument: str) -> None:
        catalog = self._catalog(turn)
        if turn.session is None:
            await self._reply(turn, plain(catalog.text("ui.tg_no_guide")))
            return
        if not await self.store.commit_turn(turn.update_id, turn.chat_id, turn.user_id, None):
            return
        await self._close_current(turn, None)
        await self._send(turn, plain(catalog.text("ui.tg_cancelled")))

    async def _forget(self, turn: Incoming, argument: str) -> None:
        catalog = self._catalog(turn)
        messages = plain(catalog.text("ui.tg_forget_confirm"), forget_keyboard(turn.session, catalog))
        await self._reply(turn, messages)

    async def _mydata(self, turn: Incoming, argument: str) -> None:
        if not await self.store.record_update(turn.update_id, turn.chat_id):
            return
        exported = await self.store.export_user(turn.user_id if turn.user_id is not None else turn.chat_id)
        caption = esc(self._catalog(turn).text("ui.tg_mydata_caption"))
        await self._send(turn, [Document("my-data.json", files.mydata_json(exported), caption)])

    async def _forget_answer(self, turn: Incoming, erase: bool) -> None:
        catalog = self._catalog(turn)
        if not await self.store.record_update(turn.update_id, turn.chat_id):
            return
        if erase:
            if turn.record is not None and turn.record.message_id is not None:
                await self._close_current(turn, None)
            await self.store.forget_user(turn.user_id if turn.user_id is not None else turn.chat_id)
        await self._answer(turn)
        text = catalog.text("ui.tg_forgotten" if erase else "ui.tg_forget_kept")
        assert turn.query is not None and turn.query.message is not None
        await self._edit(turn, turn.query.message.message_id, esc(text))

    async def _check(self, turn: Incoming, argument: str) -> None:
        """/check: the text after it, or a prompt whose reply will be checked."""
        if argument:
            assert turn.message is not None
            await self._check_tone(turn, argument, turn.message.message_id)
        else:
            await self._reply(turn, tonecheck.prompt(self._catalog(turn)))

    async def _check_offered(self, turn: Incoming) -> None:
        """The offer's button: check the message the offer replies to."""
        assert turn.query is not None
        if not await self.store.record_update(turn.update_id, turn.chat_id):
            return
        offer = turn.query.message
        draft = offer.reply_to_message if isinstance(offer, Message) else None
        if not isinstance(offer, Message) or draft is None or not draft.text:  # deleted, or too old
            await self._answer(turn, self._catalog(turn).text("ui.tg_tone_gone"))
            return
        await self._answer(turn)
        await self._edit(turn, offer.message_id, None)  # checked: the button has done its job
        await self._send(turn, self._tone_result(turn, draft.text, draft.message_id))

    async def _check_tone(self, turn: Incoming, text: str, reply_to: int) -> None:
        await self._reply(turn, self._tone_result(turn, text, reply_to))

    def _tone_result(self, turn: Incoming, text: str, reply_to: int) -> list[Outgoing]:
        catalog = self._catalog(turn)
        lexicon = self.tone.get(catalog.language) or self.tone[self.guide.flow.languages[0]]
        return tonecheck.render_findings(text, check_tone(text, lexicon), catalog, reply_to)

    # ---- moving the guide ---------------------------------------------------------------

    async def _begin(self, turn: Incoming, welcome: bool, guide: Guide | None = None) -> None:
        """A fresh run of the guide (a restart when one is in progress)."""
        guide = guide or self.guide
        if turn.session is not None:
            new = guide.handle(turn.session, Restart()).session
        else:
            runs = turn.record.runs if turn.record else 0
            new = guide.new_session(turn.language, run=runs + 1)
        if not await self.store.commit_turn(turn.update_id, turn.chat_id, turn.user_id, new.to_dict()):
            await self._redelivered(turn)
            return
        catalog = guide.catalog(new.language)
        before = plain(catalog.text("ui.tg_welcome")) if welcome else []
        notice = None if welcome else catalog.text("ui.tg_restarted")
        await self._show(turn, new, guide.view(new), before=before, notice=notice, close=True)

    async def _move(
        self, turn: Incoming, event: Event, *, stale_if_invalid: bool = False,
        invalid_notice: str | None = None,
    ) -> None:
        """Apply one event, commit it with the update id, then show where it led."""
        session = turn.session
        assert session is not None
        guide = self.guide_for(session)
        before = guide.view(session)
        try:
            moved = guide.handle(session, event)
        except InvalidMove as error:
            log.debug("chat %s: %s", turn.chat_id, error)
            if stale_if_invalid:
                await self._stale(turn, "ui.tg_stale")
            else:
                notice = self._catalog(turn).text(invalid_notice or "ui.tg_use_buttons")
                await self._show_again(turn, notice)
            return
        if not await self.store.commit_turn(
            turn.update_id, turn.chat_id, turn.user_id, moved.session.to_dict()
        ):
            await self._redelivered(turn)
            return
        accepted = moved.session.step != session.step
        catalog = guide.catalog(session.language)
        if self._tapped_on_screen(turn):
            answered = render_answered(before, event, catalog) if accepted else None
            await self._show_in_place(turn, moved.session, moved.view, answered)
            return
        await self._answer(turn)
        closed = render_closed(before, event, catalog) if accepted else None
        await self._show(turn, moved.session, moved.view, close=True, closed_html=closed)

    async def _show_again(self, turn: Incoming, notice: str) -> None:
        """The current step once more, below a short notice (after a stray message)."""
        if not await self.store.record_update(turn.update_id, turn.chat_id):
            await self._redelivered(turn)
            return
        assert turn.session is not None
        await self._answer(turn)
        await self._show(turn, turn.session, self.guide_for(turn.session).view(turn.session), notice=notice,
                         close=True)

    async def _stale(self, turn: Incoming, notice_key: str) -> None:
        """An old button: say so; if the current step never arrived, show it now."""
        if not await self.store.record_update(turn.update_id, turn.chat_id):
            await self._redelivered(turn)
            return
        await self._answer(turn, self._catalog(turn).text(notice_key))
        await self._show_if_undelivered(turn)

    async def _redelivered(self, turn: Incoming) -> None:
        """An update we processed before. Its query was answered then, so it is not again;
        but if what it led to was never shown (the process died), show it now."""
        log.info("update %s was processed before; ignored", turn.update_id)
        await self._show_if_undelivered(turn)

    async def _show_if_undelivered(self, turn: Incoming) -> None:
        if turn.session is not None and turn.delivery_pending:
            await self._show(turn, turn.session, self.guide_for(turn.session).view(turn.session), close=True)

    async def _reply(self, turn: Incoming, messages: list[Outgoing]) -> None:
        """A reply that changes no session (help, notices)."""
        if not await self.store.record_update(turn.update_id, turn.chat_id):
            return
        await self._answer(turn)
        await self._send(turn, messages)

    # ---- Telegram I/O -----------------------------------------------------------------------

    async def _show(
        self, turn: Incoming, session: Session, view: View, *, before: list[Outgoing] | None = None,
        notice: str | None = None, close: bool = False, closed_html: str | None = None,
    ) -> None:
        """Send the step as new messages. With `close`, the message of the step we leave is
        edited at the same time (to `closed_html`, or only its buttons dropped when None)."""
        catalog = self.guide_for(session).catalog(session.language)
        await self._remember_result(turn, session, view)
        shareable, can_reply = self._result_kind(session)
        messages = [*(before or []), *render_view(view, session, catalog, notice, shareable=shareable,
                                                  can_reply=can_reply)]
        if not close:
            message_id = await self._send(turn, messages)
        else:
            _, message_id = await asyncio.gather(self._close_current(turn, closed_html),
                                                 self._send(turn, messages))
        if message_id is not None:
            await self.store.record_delivery(turn.chat_id, message_id, session.step)

    async def _remember_result(self, turn: Incoming, session: Session, view: View) -> None:
        """A result is kept before it is seen: the first flow's for /share, inline mode and
        /export; a reply flow's with the result it answers (bot/telegram/replied.py)."""
        if isinstance(view, ResultView):
            person = turn.user_id if turn.user_id is not None else turn.chat_id
            if session.flow == self.guide.flow.id:
                await self.sharing.remember(person, session)
            else:
                await self.replied.remember(person, session)

    def _result_kind(self, session: Session) -> tuple[bool, bool]:
        """Which buttons a result gets (shareable, can_reply): Share and Export, and "They
        replied", belong to the first flow's result; a reply flow's result has neither."""
        first = session.flow == self.guide.flow.id
        return first, first and self.replied.available

    @staticmethod
    def _tapped_on_screen(turn: Incoming) -> bool:
        """A tap on the message that shows the current step (delivered): it can become the next."""
        query, record = turn.query, turn.record
        return (query is not None and query.message is not None and record is not None
                and record.message_id == query.message.message_id and not turn.delivery_pending)

    async def _show_in_place(
        self, turn: Incoming, session: Session, view: View, answered: str | None
    ) -> None:
        """Edit the tapped message into the next step (answering the tap meanwhile); a step of
        several messages continues below it. If the edit is refused, the step is sent anew."""
        assert turn.record is not None and turn.record.message_id is not None
        on_screen = turn.record.message_id
        catalog = self.guide_for(session).catalog(session.language)
        await self._remember_result(turn, session, view)
        shareable, can_reply = self._result_kind(session)
        messages = render_view(view, session, catalog, answered=answered, shareable=shareable,
                               can_reply=can_reply)
        first = messages[0]
        # Steps carry inline keyboards only (ForceReply belongs to the tone check's prompt).
        assert isinstance(first, Text) and not isinstance(first.keyboard, ForceReply)
        _, edited = await asyncio.gather(self._answer(turn),
                                         self._edit(turn, on_screen, first.html, first.keyboard))
        if edited:
            sent = await self._send(turn, messages[1:])
            message_id = sent if sent is not None else (on_screen if first.keyboard else None)
        else:
            message_id = await self._send(turn, messages)
        if message_id is not None:
            await self.store.record_delivery(turn.chat_id, message_id, session.step)

    async def _send(self, turn: Incoming, messages: list[Outgoing]) -> int | None:
        """Send in order; returns the id of the last message that carries a keyboard."""
        with_keyboard = None
        for message in messages:
            try:
                if isinstance(message, Text):
                    reply = (ReplyParameters(message.reply_to, allow_sending_without_reply=True)
                             if message.reply_to is not None else None)
                    sent = await turn.bot.send_message(
                        turn.chat_id, message.html, parse_mode=ParseMode.HTML,
                        reply_markup=message.keyboard, reply_parameters=reply,
                    )
                    if isinstance(message.keyboard, InlineKeyboardMarkup):
                        with_keyboard = sent.message_id
                else:
                    await turn.bot.send_document(
                        turn.chat_id, InputFile(message.content, filename=message.filename),
                        caption=message.caption, parse_mode=ParseMode.HTML,
                    )
            except Forbidden as error:
                raise ChatBlocked(str(error)) from error
        return with_keyboard

    async def _close_current(self, turn: Incoming, closed_html: str | None) -> None:
        """Take the buttons off the message showing the step we leave (and show the choice)."""
        record = turn.record
        if record is None or record.message_id is None:
            return
        if closed_html is not None:
            await self._edit(turn, record.message_id, closed_html)
        else:
            await self._edit(turn, record.message_id, None)

    async def _edit(self, turn: Incoming, message_id: int, html: str | None,
                    keyboard: InlineKeyboardMarkup | None = None) -> bool:
        """Edit text (or only drop the keyboard when html is None); True when the message now
        reads so (unchanged counts), False when it cannot be edited (gone, too old)."""
        try:
            if html is None:
                await turn.bot.edit_message_reply_markup(turn.chat_id, message_id, reply_markup=keyboard)
            else:
                await turn.bot.edit_message_text(
                    html, turn.chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=keyboard
                )
        except BadRequest as error:
            # "message is not modified", "message to edit not found", "message can't be edited"
            log.debug("edit of message %s in chat %s skipped: %s", message_id, turn.chat_id, error)
            return "not modified" in error.message
        except Forbidden as error:
            raise ChatBlocked(str(error)) from error
        return True

    async def _answer(self, turn: Incoming, text: str | None = None) -> None:
        """Answer the turn's callback query, once."""
        if turn.query is None or turn.answered:
            return
        turn.answered = True
        await self._answer_safely(turn.query, text)

    @staticmethod
    async def _answer_safely(query: CallbackQuery, text: str | None = None) -> None:
        try:
            await query.answer(text[:200] if text else None)
        except BadRequest as error:  # "query is too old": the spinner has long stopped
            log.debug("callback query %s not answered: %s", query.id, error)


def _event_for(action: str, argument: str, view: View) -> Event | None:
    """The engine event a button stands for, or None for an action we do not know."""
    if action == Act.ANSWER:
        return Answer(argument)
    if action == Act.KEEP:
        if isinstance(view, DetailView) and view.current:
            return GiveDetail(view.current)
        return None
    simple: dict[str, Event] = {
        Act.SKIP: SkipDetail(), Act.PROCEED: Proceed(), Act.BACK: Back(), Act.RESTART: Restart(),
        Act.CHANGE: ChangeAnswer(),
    }
    if action in simple:
        return simple[action]
    if action == Act.REVISE:
        return Revise(argument)
    return None


_COMMAND = re.compile(r"/(\S*)\s*(.*)", re.S)


def _command_parts(text: str) -> tuple[str, str]:
    r"""'/check@bot Dear Sam,\n...' -> ('check', 'Dear Sam,\n...'): the name ends at any space
    or line break, so a text pasted on the line below a command is its argument."""
    match = _COMMAND.match(text)
    assert match is not None  # any text starting with "/" matches
    return match.group(1).partition("@")[0].lower(), match.group(2)


def _language(update: Update) -> str:
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return code.split("-")[0].lower()
