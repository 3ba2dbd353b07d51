"""The baseline: a bare python-telegram-bot bot that answers every message and every button
tap with one `sendMessage` carrying a four-button inline keyboard.

It is what the framework costs with no decisions, storage or rendering of our own, so the
benchmark can report our bot as a ratio of it. Like ours it takes updates of different
chats concurrently (256 at a time), so the comparison is between the code, not between
concurrency models. Run it as `python -m bench.baseline` with TELEGRAM_BOT_TOKEN and
TELEGRAM_API_BASE_URL set (the harness does).
"""

from __future__ import annotations

import logging
import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters

CONCURRENT_UPDATES = 256
KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton(f"Option {n}", callback_data=f"opt.{n}")] for n in range(1, 5)]
)


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One message with a keyboard, whatever came in."""
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, "Pick one:", reply_markup=KEYBOARD)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    base_url = os.environ["TELEGRAM_API_BASE_URL"]
    application = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(base_url)
        .base_file_url(base_url.rsplit("/", 1)[0] + "/file/bot")
        .concurrent_updates(CONCURRENT_UPDATES)
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, reply))
    application.add_handler(CallbackQueryHandler(reply))
    application.run_polling(poll_interval=0, timeout=10, allowed_updates=["message", "callback_query"])


if __name__ == "__main__":
    main()
