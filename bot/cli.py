"""`reconsider-bot` (also `python -m bot`): run the bot, chat in the terminal, plan, check, graph,
and the operator's commands (health, backup, stats)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.content.errors import ContentError
from bot.engine import Guide
from bot.libraries import quiet_libraries
from bot.settings import SETTINGS, Settings, SettingsError, configured_flows_dir, load_settings

USAGE_ERROR = 2


def _fail(message: str) -> int:
    print(f"reconsider-bot: {message}", file=sys.stderr)
    return USAGE_ERROR


def _flows_dir(args: argparse.Namespace) -> Path:
    given = getattr(args, "flows_dir", None)
    return Path(given) if given else configured_flows_dir()


def _load_guides(flows_dir: Path) -> dict[str, Guide]:
    from bot.content.flow_loader import load_guides

    return load_guides(flows_dir)


def _load_guide(flows_dir: Path) -> Guide:
    """The guide people start with (its followers, such as after_reply, hang off it)."""
    return next(iter(_load_guides(flows_dir).values()))


def _pick_guide(args: argparse.Namespace) -> Guide:
    """The guide `--flow` names (default: the one people start with)."""
    guides = _load_guides(_flows_dir(args))
    wanted = getattr(args, "flow", None)
    if wanted is None:
        return next(iter(guides.values()))
    if wanted not in guides:
        raise ValueError(f"unknown flow {wanted!r}; the flows are: {', '.join(guides)}")
    return guides[wanted]


def _pairs(items: Sequence[str] | None, what: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--{what} expects key=value, got {item!r}")
        found[key.strip()] = value.strip()
    return found


# ---- commands -----------------------------------------------------------------------------


def _interface_texts() -> dict[str, frozenset[str]]:
    """The words the Telegram wing's commands need in every catalog (from its registry)."""
    from bot.telegram.registry import required_texts

    return required_texts()


def cmd_run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        return _fail(str(error))
    return run_bot(settings)


def run_bot(settings: Settings) -> int:
    """The bot's composition root: logging, flows, tone lexicons and the store, each loaded once
    here and handed to the Telegram wing. 2 for settings, content or store problems."""
    try:
        settings.require_token()
    except SettingsError as error:
        return _fail(str(error))
    from bot.content.flow_loader import load_guide
    from bot.content.tone_lexicon import load_tone_lexicons
    from bot.storage import StoreError, open_store
    from bot.telegram.logs import configure_logging

    configure_logging(
        settings.log_level, secrets=(settings.token, settings.webhook_secret), log_format=settings.log_format
    )
    try:
        guide = load_guide(settings.flows_dir, _interface_texts())
        tone = load_tone_lexicons(settings.flows_dir, guide.flow.languages)
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return _fail("the flows have problems; fix them (see `reconsider-bot check`).")
    try:
        store = open_store(settings.database_url, migrate=settings.migrate_on_start)
    except StoreError as error:
        return _fail(str(error))
    from bot.telegram.app import run

    _settle_memory()
    return run(settings, guide, store, tone)


def _settle_memory() -> None:
    """Everything loaded so far (libraries, flows, texts, lexicons: ~90,000 objects) lives as
    long as the process: moved out of the garbage collector's sight, so its full collections,
    which come every few hundred updates, take ~1 ms instead of ~25 ms (a reply's p99)."""
    import gc

    gc.collect()
    gc.freeze()


def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring the database's schema up to date (before a deploy); exit 2 with one line if not."""
    from bot.storage import StoreError, migrate_database

    try:
        settings = load_settings()
        print(migrate_database(settings.database_url))
    except (SettingsError, StoreError) as error:
        return _fail(str(error))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.terminal import run_chat

    try:
        guide = _pick_guide(args)
        carried = _pairs(args.detail, "detail")
    except ValueError as error:
        return _fail(str(error))
    if args.lang and args.lang not in guide.catalogs:
        return _fail(f"no texts in language {args.lang!r}; available: {', '.join(guide.catalogs)}")
    save_dir = Path(args.save) if args.save else None
    return run_chat(guide, sys.stdin, sys.stdout, args.lang, save_dir=save_dir, carried=carried)


def cmd_plan(args: argparse.Namespace) -> int:
    try:
        guide = _pick_guide(args)
        answers = _pairs(args.answer, "answer")
        details = _pairs(args.detail, "detail")
    except ValueError as error:
        return _fail(str(error))
    questions = {question.id: question.options for question in guide.flow.questions}
    detail_ids = [detail.id for detail in guide.flow.details]
    problems = []
    for key in answers:
        if key not in questions:
            problems.append(f"unknown question {key!r}; the questions are: {', '.join(questions)}")
    for question, allowed in questions.items():
        value = answers.get(question)
        if value is None:
            problems.append(f"missing --answer {question}=... (one of: {', '.join(allowed)})")
        elif value not in allowed:
            problems.append(f"{question}={value!r} is not allowed; use one of: {', '.join(allowed)}")
    for key in details:
        if key not in detail_ids:
            problems.append(f"unknown detail {key!r}; the details are: {', '.join(detail_ids)}")
    if args.lang and args.lang not in guide.catalogs:
        problems.append(f"no catalog for language {args.lang!r}; have: {', '.join(guide.catalogs)}")
    if problems:
        for problem in problems:
            print(f"reconsider-bot plan: {problem}", file=sys.stderr)
        return USAGE_ERROR
    plan = guide.plan_for(answers, details, args.lang or guide.flow.languages[0])
    if args.format == "json":
        print(json.dumps(plan.to_dict(), ensure_ascii=False, indent=2))
    else:
        from bot.terminal import render_plan

        print(render_plan(plan, guide.catalog(plan.language)))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from bot.content.checks import check_all

    flows_dir = Path(args.flows_dir) if args.flows_dir else _flows_dir(args)
    problems, summary = check_all(flows_dir, _interface_texts())
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s) in {flows_dir}", file=sys.stderr)
        return 1
    print(summary)
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    from bot.graph import flow_markdown, mermaid

    guides = list(_load_guides(_flows_dir(args)).values())
    text = flow_markdown(guides) if args.format == "markdown" else "\n".join(map(mermaid, guides))
    print(text, end="")
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    """Exit 0 when the running bot's /healthz (or /readyz with --ready) answers 200: Docker's HEALTHCHECK."""
    import urllib.error
    import urllib.request

    try:
        settings = load_settings()
    except SettingsError as error:
        return _fail(str(error))
    if settings.webhook_mode:
        host, port = settings.webhook_listen, settings.webhook_port
    elif settings.metrics_port is not None:
        host, port = settings.metrics_listen, settings.metrics_port
    else:
        return _fail("METRICS_PORT is off: in polling mode the health endpoint needs the ops server.")
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    url = f"http://{host}:{port}{'/readyz' if args.ready else '/healthz'}"
    try:
        with urllib.request.urlopen(url, timeout=args.timeout) as response:
            body = response.read(200).decode("utf-8", "replace").strip()
            print(f"{url}: {response.status} {body}")
            return 0
    except urllib.error.HTTPError as error:
        body = error.read(200).decode("utf-8", "replace").strip()
        error.close()
        print(f"reconsider-bot: {url}: {error.code} {body}", file=sys.stderr)
    except (OSError, TimeoutError) as error:
        print(f"reconsider-bot: {url}: {getattr(error, 'reason', error)}", file=sys.stderr)
    return 1


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.backup import backup
    from bot.storage import StoreError

    try:
        settings = load_settings()
        done = backup(settings.database_url, Path(args.path))
    except (SettingsError, StoreError) as error:
        return _fail(str(error))
    print(f"backed up {done.source} to {done.target} ({done.size:,} bytes, integrity ok)")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """The funnel from the database: counts only (see bot/funnel.py)."""
    from bot import funnel
    from bot.storage import StoreError

    try:
        settings = load_settings()
        rows = funnel.read(settings.database_url)
    except (SettingsError, StoreError) as error:
        return _fail(str(error))
    figures = funnel.compute(_load_guide(settings.flows_dir), rows)
    print(json.dumps(figures.to_dict(), indent=2) if args.format == "json" else funnel.render(figures))
    return 0


def settings_help() -> str:
    """The `run --help` epilog: every setting, its default and meaning (from bot.settings.SETTINGS)."""
    width = max(len(name) for name, _, _ in SETTINGS)
    lines = ["settings (environment, or a .env file in the working directory; the environment wins):"]
    for name, default, meaning in SETTINGS:
        lines.append(f"  {name.ljust(width)}  {meaning} (default: {default})")
    return "\n".join(lines)


# ---- wiring -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reconsider-bot",
        description="Decide how to answer a job rejection, and get a draft to send.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run the Telegram bot (settings from the environment / .env)",
        description="Run the Telegram bot: long polling, or webhook mode when WEBHOOK_URL "
        "is set. SIGTERM or SIGINT stops it cleanly.",
        epilog=settings_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.set_defaults(func=cmd_run)

    migrate = sub.add_parser("migrate", help="apply pending schema migrations to DATABASE_URL, then exit")
    migrate.set_defaults(func=cmd_migrate)

    chat = sub.add_parser("chat", help="take the guide in the terminal (works with piped input)")
    chat.add_argument("--lang", default=None, help="language code of the texts (default: en)")
    chat.add_argument(
        "--flow", default=None, help="which flow: reconsider (default) or after_reply (they replied)"
    )
    chat.add_argument(
        "--detail",
        action="append",
        metavar="NAME=TEXT",
        help="a detail you gave before, so it is not asked again (after_reply)",
    )
    chat.add_argument("--flows-dir", help="folder with guide.yaml (default: FLOWS_DIR or the shipped flows)")
    chat.add_argument(
        "--save", metavar="DIR", help="write the plan and each draft to files in DIR at the end"
    )
    chat.set_defaults(func=cmd_chat)

    plan = sub.add_parser("plan", help="the recommendation and drafts for given answers, non-interactively")
    plan.add_argument(
        "--answer", action="append", metavar="QUESTION=VALUE", help="repeat for every question of the flow"
    )
    plan.add_argument(
        "--flow", default=None, help="which flow: reconsider (default) or after_reply (they replied)"
    )
    plan.add_argument("--detail", action="append", metavar="NAME=TEXT", help="a personal detail for drafts")
    plan.add_argument("--lang", default=None)
    plan.add_argument("--format", choices=("text", "json"), default="text")
    plan.add_argument("--flows-dir")
    plan.set_defaults(func=cmd_plan)

    check = sub.add_parser("check", help="validate the flows, texts and tone lexicon")
    check.add_argument("flows_dir", nargs="?", metavar="FLOWS_DIR")
    check.set_defaults(func=cmd_check)

    graph = sub.add_parser("graph", help="print the flows as Mermaid diagrams")
    graph.add_argument(
        "--format",
        choices=("mermaid", "markdown"),
        default="mermaid",
        help="markdown wraps the diagram as in docs/flow.md",
    )
    graph.add_argument("--flows-dir")
    graph.set_defaults(func=cmd_graph)

    health = sub.add_parser("health", help="ask the running bot's /healthz (exit 0 when it answers 200)")
    health.add_argument("--ready", action="store_true", help="ask /readyz instead (database and Bot API)")
    health.add_argument("--timeout", type=float, default=3.0, help="seconds to wait (default 3)")
    health.set_defaults(func=cmd_health)

    backup = sub.add_parser(
        "backup", help="copy the SQLite database to PATH, consistently, while the bot runs"
    )
    backup.add_argument("path", metavar="PATH", help="the backup file to write (replaced if it exists)")
    backup.set_defaults(func=cmd_backup)

    stats = sub.add_parser("stats", help="the funnel: where guides stop, approaches, reminders (counts only)")
    stats.add_argument("--format", choices=("text", "json"), default="text")
    stats.set_defaults(func=cmd_stats)

    try:
        from bot.tone_cli import add_tone_command
    except ImportError:  # pragma: no cover - the tone check ships with the package
        pass
    else:
        add_tone_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    quiet_libraries()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # bare `reconsider-bot`: say what it can do
        parser.print_help()
        return 0
    try:
        handler = getattr(args, "func", None) or args.handler
        return int(handler(args))
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(
            "reconsider-bot: the flows have problems; fix them (see `reconsider-bot check`).", file=sys.stderr
        )
        return USAGE_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
