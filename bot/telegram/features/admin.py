"""Commands for the bot's operators (`BOT_ADMIN_IDS`): /stats, counts with no personal data.

To anyone else an admin command does not exist: they get the same reply as for any unknown
command, so the bot does not reveal that operators have extra commands.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from bot import funnel
from bot.storage import StoreError
from bot.telegram.turns import Turn, Turns
from bot.telegram.views.html import plain


class AdminFeature:
    """The operator commands."""

    def __init__(
        self, turns: Turns, admin_ids: Iterable[int], unknown_command: Callable[[Turn], Awaitable[None]]
    ) -> None:
        self.turns = turns
        self.admin_ids = frozenset(admin_ids)
        self.unknown_command = unknown_command
        self.funnel_rows: Callable[[], Awaitable[funnel.FunnelRows]] | None = None
        """Reads the funnel's rows (set by the application for databases it can read them from)."""

    def is_admin(self, turn: Turn) -> bool:
        return turn.user_id is not None and turn.user_id in self.admin_ids

    async def stats(self, turn: Turn, argument: str) -> None:
        """/stats: how many chats, guides, results, share links, reminders and outcomes."""
        if not self.is_admin(turn):
            await self.unknown_command(turn)
            return
        counts = await self.turns.store.stats()
        for follower in self.turns.guide.followers.values():  # every reply, also those nobody gave yet
            for value in follower.flow.question(follower.flow.start).options:
                counts.setdefault(f"replied_{value}", 0)
        text = self.turns.catalog(turn).text("ui.tg_stats", **{name: str(n) for name, n in counts.items()})
        if self.funnel_rows is not None:
            try:
                rows = await self.funnel_rows()
            except StoreError as error:  # the counts above still help; say why the funnel is missing
                text += f"\n\nThe funnel could not be read: {error}"
            else:
                text += "\n\n" + funnel.render(funnel.compute(self.turns.guide, rows))
        await self.turns.reply(turn, plain(text))
