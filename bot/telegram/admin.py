"""Commands for the bot's operators (`BOT_ADMIN_IDS`): /stats, counts with no personal data.

To anyone else an admin command does not exist: they get the same reply as for any unknown
command, so the bot does not reveal that operators have extra commands.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.telegram.render import plain

if TYPE_CHECKING:
    from bot.telegram.handlers import Conversation, Incoming


class Admin:
    """The operator commands of one Conversation."""

    def __init__(self, conversation: Conversation, admin_ids: Iterable[int]) -> None:
        self.conversation = conversation
        self.admin_ids = frozenset(admin_ids)

    def is_admin(self, turn: Incoming) -> bool:
        return turn.user_id is not None and turn.user_id in self.admin_ids

    async def stats(self, turn: Incoming, argument: str) -> None:
        """/stats: how many chats, guides, results, share links, reminders and outcomes."""
        conversation = self.conversation
        if not self.is_admin(turn):
            await conversation._unknown_command(turn)
            return
        counts = await conversation.store.stats()
        replied = conversation.replied.guide
        if replied is not None:  # every reply value, also those nobody has given yet
            for value in replied.flow.question(replied.flow.start).options:
                counts.setdefault(f"replied_{value}", 0)
        text = conversation._catalog(turn).text("ui.tg_stats", **{name: str(n) for name, n in counts.items()})
        await conversation._reply(turn, plain(text))
