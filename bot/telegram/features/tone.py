"""The tone check: /check with a text or a prompt, a reply to the prompt, and the offer under a
long text that looks like a draft."""

from __future__ import annotations

from collections.abc import Mapping

from bot.engine.tone import ToneLexicon, check_tone
from bot.telegram.buttons import Payload
from bot.telegram.incoming import Incoming
from bot.telegram.turns import Turn, Turns
from bot.telegram.views import tone as views
from bot.telegram.views.html import Outgoing


class ToneFeature:
    def __init__(self, turns: Turns, lexicons: Mapping[str, ToneLexicon]) -> None:
        self.turns = turns
        self.lexicons = dict(lexicons)
        self.prompts = views.prompt_texts(turns.guide.catalogs.values())

    def answers_prompt(self, incoming: Incoming) -> bool:
        """A reply to our /check prompt (in any language we speak)."""
        replied = incoming.replied
        return (
            replied is not None
            and replied.from_id == self.turns.messenger.bot_id
            and replied.text.strip() in self.prompts
        )

    async def check(self, turn: Turn, argument: str) -> None:
        """/check: the text after it, or a prompt whose reply will be checked."""
        if argument:
            assert turn.incoming.message_id is not None
            await self.reply_checked(turn, argument)
        else:
            await self.turns.reply(turn, views.prompt(self.turns.catalog(turn)))

    async def reply_checked(self, turn: Turn, text: str) -> None:
        """The findings for `text`, quoting the person's message."""
        assert turn.incoming.message_id is not None
        await self.turns.reply(turn, self._result(turn, text, turn.incoming.message_id))

    async def offer(self, turn: Turn) -> None:
        """Under a long text that looks like a draft: offer to check it."""
        assert turn.incoming.message_id is not None
        catalog = self.turns.catalog(turn)
        await self.turns.reply(turn, views.offer(catalog, turn.session, turn.incoming.message_id))

    async def offered(self, turn: Turn, payload: Payload) -> None:
        """The offer's button: check the message the offer replies to."""
        if not await self.turns.record(turn):
            return
        draft = turn.incoming.tapped_replied
        if turn.incoming.tapped_id is None or draft is None or not draft.text:  # deleted, or too old
            await self.turns.answer(turn, self.turns.catalog(turn).text("ui.tg_tone_gone"))
            return
        await self.turns.answer(turn)
        await self.turns.edit(turn, turn.incoming.tapped_id, None)  # checked: the button has done its job
        await self.turns.send(turn, self._result(turn, draft.text, draft.message_id))

    def _result(self, turn: Turn, text: str, reply_to: int) -> list[Outgoing]:
        catalog = self.turns.catalog(turn)
        lexicon = self.lexicons.get(catalog.language) or self.lexicons[self.turns.guide.flow.languages[0]]
        return views.render_findings(text, check_tone(text, lexicon), catalog, reply_to)
