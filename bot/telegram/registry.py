"""The one table of commands and buttons. Handler routing, the Telegram command menu
(`setMyCommands`), /help and the texts every catalog must have are all derived from it, so
adding a command is one line here plus its words in the catalog (`reconsider-bot check` says
when they are missing).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from telegram import BotCommand

from bot.engine.model import Catalog
from bot.engine.tone import ToneLexicon
from bot.telegram.buttons import Act, Payload
from bot.telegram.features.admin import AdminFeature
from bot.telegram.features.after_reply import AfterReplyFeature
from bot.telegram.features.guide import GuideFeature
from bot.telegram.features.language import LanguageFeature
from bot.telegram.features.privacy import PrivacyFeature
from bot.telegram.features.reminders import RemindersFeature
from bot.telegram.features.sharing import SharingFeature
from bot.telegram.features.tone import ToneFeature
from bot.telegram.turns import Turn, Turns

CommandHandler = Callable[[Turn, str], Awaitable[None]]
ButtonHandler = Callable[[Turn, Payload], Awaitable[None]]


@dataclass
class Features:
    """One instance of every feature, on one turn service."""

    guide: GuideFeature
    privacy: PrivacyFeature
    tone: ToneFeature
    sharing: SharingFeature
    reminders: RemindersFeature
    admin: AdminFeature
    after_reply: AfterReplyFeature
    language: LanguageFeature

    @classmethod
    def build(cls, turns: Turns, lexicons: dict[str, ToneLexicon], admin_ids: Iterable[int]) -> Features:
        sharing = SharingFeature(turns)
        guide = GuideFeature(
            turns, help_lines=[(c.name, c.text_key) for c in COMMANDS if c.menu], open_link=sharing.open_link
        )
        after_reply = AfterReplyFeature(turns)
        ask_reply = after_reply.question if after_reply.available else None
        return cls(
            guide=guide,
            privacy=PrivacyFeature(turns),
            tone=ToneFeature(turns, lexicons),
            sharing=sharing,
            reminders=RemindersFeature(turns, ask_reply=ask_reply),
            admin=AdminFeature(turns, admin_ids, guide.unknown_command),
            after_reply=after_reply,
            language=LanguageFeature(turns),
        )


@dataclass(frozen=True)
class Command:
    name: str
    handler: Callable[[Features], CommandHandler]
    menu: bool = True
    """In the Telegram menu and /help (operators' commands are not)."""

    @property
    def text_key(self) -> str:
        """Its line in the menu and /help."""
        return f"ui.tg_cmd_{self.name}"


@dataclass(frozen=True)
class Button:
    action: str
    handler: Callable[[Features], ButtonHandler]


COMMANDS: tuple[Command, ...] = (
    Command("start", lambda f: f.guide.start),
    Command("back", lambda f: f.guide.back),
    Command("restart", lambda f: f.guide.restart),
    Command("help", lambda f: f.guide.help),
    Command("mydata", lambda f: f.privacy.mydata),
    Command("forget", lambda f: f.privacy.forget),
    Command("cancel", lambda f: f.guide.cancel),
    Command("share", lambda f: f.sharing.share),
    Command("export", lambda f: f.sharing.export),
    Command("reminders", lambda f: f.reminders.command),
    Command("replied", lambda f: f.after_reply.command),
    Command("check", lambda f: f.tone.check),
    Command("timezone", lambda f: f.reminders.time_zone),
    Command("language", lambda f: f.language.command),
    Command("stats", lambda f: f.admin.stats, menu=False),
)

STEP_ACTIONS = (
    Act.ANSWER,
    Act.SKIP,
    Act.KEEP,
    Act.PROCEED,
    Act.BACK,
    Act.RESTART,
    Act.CHANGE,
    Act.REVISE,
    Act.CONTINUE,
)
"""Buttons of the guide's current step: valid only with the session's current stamp."""

BUTTONS: tuple[Button, ...] = (
    *(Button(action, lambda f: f.guide.tap) for action in STEP_ACTIONS),
    # Buttons that do not move the guide: each feature checks its own argument, so they are
    # valid whatever the session's step (a reminder's answer arrives weeks later).
    Button(Act.FORGET, lambda f: f.privacy.erase),
    Button(Act.KEEP_DATA, lambda f: f.privacy.keep),
    Button(Act.TONE, lambda f: f.tone.offered),
    Button(Act.LANGUAGE, lambda f: f.language.on_button),
    Button(Act.ZONE, lambda f: f.reminders.on_zone),
    Button(Act.EXPORT, lambda f: f.sharing.export_button),
    Button(Act.EXPORT_EML, lambda f: f.sharing.eml_button),
    Button(Act.OWN_GUIDE, lambda f: f.guide.own_guide),
    Button(Act.REMIND, lambda f: f.reminders.on_button),
    Button(Act.DELAYS, lambda f: f.reminders.on_button),
    Button(Act.OUTCOME, lambda f: f.reminders.on_button),
    Button(Act.CANCEL_REMINDER, lambda f: f.reminders.on_button),
    Button(Act.REPLIED, lambda f: f.after_reply.on_button),
)


def required_texts() -> dict[str, frozenset[str]]:
    """The catalog texts the registry needs (without the "ui." of the catalog's key)."""
    return {command.text_key.removeprefix("ui."): frozenset() for command in COMMANDS if command.menu}


def menu(catalog: Catalog) -> list[BotCommand]:
    """The command menu Telegram shows, in one language."""
    return [BotCommand(command.name, catalog.text(command.text_key)) for command in COMMANDS if command.menu]


def routes(features: Features) -> tuple[dict[str, CommandHandler], dict[str, ButtonHandler]]:
    """Command name -> handler, button action -> handler."""
    return (
        {command.name: command.handler(features) for command in COMMANDS},
        {button.action: button.handler(features) for button in BUTTONS},
    )
