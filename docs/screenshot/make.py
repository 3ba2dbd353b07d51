"""Regenerate docs/images/conversation.png and docs/images/flow.png.

    .venv/bin/python docs/screenshot/make.py

The conversation is real: the bot runs (polling, a temporary SQLite file) against the fake
Bot API from tests/fakebotapi, a simulated person takes the guide, and the chat the fake
recorded is rendered to HTML and captured with headless Chromium (`apt-get install
chromium`). The flow diagram is `reconsider-bot graph` rendered by Mermaid (installed with
npm into ~/.cache/reconsider-bot-docs on first use) in the same browser.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bot.content.flow_loader import load_guide  # noqa: E402
from bot.content.tone_lexicon import load_tone_lexicons  # noqa: E402
from bot.graph import mermaid  # noqa: E402
from bot.storage import SQLiteStore  # noqa: E402
from bot.telegram.app import Runner  # noqa: E402
from tests.fakebotapi import ChatMessage, FakeBotAPI  # noqa: E402
from tests.telegram.conftest import Person, settings_for  # noqa: E402
from tests.telegram.walking import walk  # noqa: E402

IMAGES = REPO / "docs" / "images"
MERMAID_CACHE = Path.home() / ".cache" / "reconsider-bot-docs"
MERMAID_VERSION = "11"
WIDTH = 460
ANSWERS = {"stage": "final", "role_status": "open", "time_since": "recent", "feedback": "vague",
           "new_material": "targeted", "contact": "none", "goal": "this_role"}
DETAILS = {"your_name": "Sam", "recipient_name": "Dana", "company": "Acme", "role": "Data Analyst"}

PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; background: #d5e3c9; font: 15px/1.35 "DejaVu Sans", "Noto Sans", sans-serif;
       color: #111; width: {width}px; }}
header {{ background: #517da2; color: #fff; padding: 10px 14px; font-weight: bold; }}
header small {{ display: block; font-weight: normal; opacity: .8; }}
main {{ padding: 10px 10px 14px; }}
.msg {{ max-width: 86%; margin: 6px 0; padding: 7px 10px; border-radius: 10px; white-space: pre-wrap;
        overflow-wrap: anywhere; box-shadow: 0 1px 1px rgba(0,0,0,.15); }}
.bot {{ background: #fff; border-top-left-radius: 3px; }}
.me {{ background: #effdde; margin-left: auto; border-top-right-radius: 3px; width: fit-content; }}
.keys {{ max-width: 86%; display: grid; gap: 3px; margin: -2px 0 8px; }}
.row {{ display: flex; gap: 3px; }}
.key {{ flex: 1; background: rgba(70,110,80,.45); color: #fff; text-align: center; padding: 6px 4px;
        border-radius: 6px; font-size: 13px; }}
pre, code {{ font-family: "DejaVu Sans Mono", monospace; font-size: 13px; }}
pre {{ background: #f3f5f7; padding: 6px 8px; border-radius: 6px; margin: 4px 0; white-space: pre-wrap; }}
blockquote {{ margin: 4px 0; padding-left: 8px; border-left: 3px solid #517da2; }}
a {{ color: #2a6ead; }}
</style></head><body><header>reconsider-bot<small>bot</small></header><main>{body}</main>
<script>document.title = String(document.documentElement.scrollHeight);</script></body></html>"""


def message_html(message: ChatMessage) -> str:
    if not message.from_bot:
        return f'<div class="msg me">{html.escape(message.text)}</div>'
    text = message.html if message.html is not None else html.escape(message.text)
    if message.document:
        text = f"📄 {html.escape(str(message.document.get('file_name', 'file')))}\n{text}"
    keys = ""
    if message.buttons:
        rows = "".join('<div class="row">' + "".join(f'<div class="key">{html.escape(b.text)}</div>'
                                                     for b in row) + "</div>" for row in message.buttons)
        keys = f'<div class="keys">{rows}</div>'
    return f'<div class="msg bot">{text.strip()}</div>{keys}'


async def record_conversation(workdir: Path) -> str:
    """The HTML of a real chat: the bot against the fake Bot API, a person taking the guide."""
    guide = load_guide(REPO / "flows")
    async with FakeBotAPI() as fake:
        store = SQLiteStore(workdir / "bot.sqlite3")
        tone = load_tone_lexicons(REPO / "flows", guide.flow.languages)
        runner = Runner(settings_for(fake, workdir), guide, store, tone)
        await runner.start()
        try:
            person = Person(fake, fake.user(1001, "Sam", language_code="en"))
            await walk(guide, person, ANSWERS, DETAILS)
            await fake.idle()
        finally:
            await runner.stop()
            await store.close()
        messages = [m for m in fake.chat(person.id).messages if not m.deleted]
    return PAGE.format(width=WIDTH, body="\n".join(message_html(m) for m in messages))


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        raise SystemExit("needs headless Chromium: apt-get install chromium")
    return found


def capture(page: Path, target: Path, width: int, budget_ms: int = 3000) -> None:
    """Render `page` once to learn its height (the page writes it into its title), then capture it."""
    flags = [chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--force-device-scale-factor=1", f"--virtual-time-budget={budget_ms}"]
    dom = subprocess.run([*flags, f"--window-size={width},800", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    found = re.search(r"<title>(\d+)</title>", dom)
    height = int(found[1]) if found else 2000
    subprocess.run([*flags, f"--window-size={width},{height}", f"--screenshot={target}", page.as_uri()],
                   capture_output=True, check=True, timeout=120)
    print(f"wrote {target.relative_to(REPO)} ({width}x{height}, {target.stat().st_size:,} bytes)")


def mermaid_script() -> Path:
    script = MERMAID_CACHE / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
    if not script.is_file():
        MERMAID_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund",
                        "--prefix", str(MERMAID_CACHE), f"mermaid@{MERMAID_VERSION}"],
                       check=True, timeout=600)
    return script


def flow_page() -> str:
    diagram = mermaid(load_guide(REPO / "flows"))
    return f"""<!doctype html><html><head><meta charset="utf-8">
<style>body {{ margin: 0; padding: 12px; background: #fff; font-family: "DejaVu Sans", sans-serif; }}</style>
<script src="{mermaid_script().as_uri()}"></script></head><body>
<pre class="mermaid">{html.escape(diagram)}</pre>
<script>
mermaid.initialize({{ startOnLoad: false, theme: "neutral", securityLevel: "strict" }});
mermaid.run().then(() => {{ document.title = String(document.documentElement.scrollHeight); }});
</script></body></html>"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("conversation", "flow"))
    args = parser.parse_args()
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        workdir = Path(temporary)
        if args.only in (None, "conversation"):
            page = workdir / "conversation.html"
            page.write_text(asyncio.run(record_conversation(workdir)), encoding="utf-8")
            capture(page, IMAGES / "conversation.png", WIDTH)
        if args.only in (None, "flow"):
            page = workdir / "flow.html"
            page.write_text(flow_page(), encoding="utf-8")
            capture(page, IMAGES / "flow.png", 560, budget_ms=8000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
