"""The one place that reads the environment (and a `.env` file in the working directory).

Everything else receives a Settings value, so tests can build one directly and nothing
reads os.environ behind their back.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,}$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite:///data/reconsider.sqlite3"
DEFAULT_BOT_RATE = 30.0
DEFAULT_REMINDER_CHECK_SECONDS = 30.0
DEFAULT_RETENTION_DAYS = 30
DEFAULT_METRICS_LISTEN = "127.0.0.1"
DEFAULT_METRICS_PORT = 9090
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")

BOTFATHER_HELP = (
    "Create a bot with @BotFather in Telegram (/newbot), copy the token it gives you into "
    "TELEGRAM_BOT_TOKEN (in the environment or a .env file), then run `reconsider-bot run`. "
    "To try the guide without Telegram: `reconsider-bot chat`."
)


SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("TELEGRAM_BOT_TOKEN", "required", "the token from @BotFather; never written to any log line"),
    ("TELEGRAM_API_BASE_URL", DEFAULT_API_BASE_URL, "the Bot API; e.g. a local Bot API server's URL"),
    (
        "DATABASE_URL",
        DEFAULT_DATABASE_URL,
        "sqlite:///relative/file, sqlite:////absolute/file or postgresql://user:password@host:5432/db",
    ),
    (
        "WEBHOOK_URL",
        "unset: long polling",
        "the public https:// URL Telegram posts updates to (webhook mode)",
    ),
    ("WEBHOOK_LISTEN", "0.0.0.0", "address of the webhook server (also /healthz, /readyz, /metrics)"),
    ("WEBHOOK_PORT", "8080", "port of the webhook server"),
    ("WEBHOOK_SECRET", "random per start", "checked on every webhook request; letters, digits, _ and -"),
    ("BOT_ADMIN_IDS", "none", "comma-separated Telegram user ids allowed to send /stats"),
    ("LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING, ERROR or CRITICAL"),
    ("LOG_FORMAT", "text", "text, or json: one JSON object per line"),
    ("FLOWS_DIR", "the shipped flows", "another folder of flows"),
    ("REMINDER_CHECK_SECONDS", "30", "how often due follow-up reminders are looked for"),
    ("BOT_RATE_LIMIT", "30", "messages per second the bot sends at most, bot-wide (Telegram's limit)"),
    (
        "RECONSIDER_TEST_CRASH_AT",
        "unset",
        "tests only, never set it: after-commit makes the process kill "
        "itself between a turn's commit and its send",
    ),
    (
        "RETENTION_DAYS",
        "30",
        "what people typed, their results and share links are erased after this many days without activity",
    ),
    (
        "MIGRATE_ON_START",
        "true",
        "apply pending schema migrations at start-up (false: run "
        "`reconsider-bot migrate` before each deploy)",
    ),
    ("METRICS_LISTEN", DEFAULT_METRICS_LISTEN, "address of the ops server in polling mode"),
    (
        "METRICS_PORT",
        str(DEFAULT_METRICS_PORT),
        "port of the ops server in polling mode (/healthz, /readyz, /metrics); off: none",
    ),
)
"""Every setting: name, default, meaning. `run --help` shows it; a test holds it, `.env.example`
and what `load_settings` reads to the same names."""


class SettingsError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


def default_flows_dir() -> Path:
    """The flows shipped in the wheel (bot/flows) or, in a checkout, the repository's flows/."""
    package = Path(__file__).resolve().parent
    shipped = package / "flows"
    return shipped if (shipped / "guide.yaml").exists() else package.parent / "flows"


@dataclass(frozen=True)
class Settings:
    token: str = field(default="", repr=False)
    api_base_url: str = DEFAULT_API_BASE_URL
    database_url: str = DEFAULT_DATABASE_URL
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8080
    webhook_secret: str = field(default="", repr=False)
    admin_ids: frozenset[int] = frozenset()
    log_level: str = "INFO"
    flows_dir: Path = field(default_factory=default_flows_dir)
    reminder_check_seconds: float = DEFAULT_REMINDER_CHECK_SECONDS
    retention_days: int = DEFAULT_RETENTION_DAYS
    """What a person typed, their results and share links are erased this many days after
    they were last seen."""
    migrate_on_start: bool = True
    """Apply pending schema migrations at start-up (under a lock); off when operators run
    `reconsider-bot migrate` before a deploy."""
    metrics_listen: str = DEFAULT_METRICS_LISTEN
    metrics_port: int | None = None
    """The ops server's port in polling mode; None: no ops server (load_settings defaults to
    9090, a Settings built in code has none, so tests never fight over a port)."""
    log_format: str = "text"
    bot_rate: float = DEFAULT_BOT_RATE
    """Messages per second the bot sends at most, bot-wide (BOT_RATE_LIMIT)."""
    crash_at: str = ""
    """Tests only (RECONSIDER_TEST_CRASH_AT): the process kills itself at this point of a turn
    ("after-commit": a step committed, not yet sent), to prove what a crash there leaves."""

    @property
    def webhook_mode(self) -> bool:
        return bool(self.webhook_url)

    @property
    def api_file_url(self) -> str:
        """Telegram's file endpoint next to the API base (`.../bot` -> `.../file/bot`)."""
        base = self.api_base_url.rstrip("/")
        head, _, tail = base.rpartition("/")
        return f"{head}/file/{tail}" if head else f"{base}/file"

    def require_token(self) -> None:
        if not self.token:
            raise SettingsError("TELEGRAM_BOT_TOKEN is not set. " + BOTFATHER_HELP)
        if not TOKEN_PATTERN.match(self.token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then "
                "letters). " + BOTFATHER_HELP
            )


def read_dotenv(path: Path) -> dict[str, str]:
    """The KEY=VALUE pairs of a `.env` file, read by python-dotenv (quotes, `export`, and a
    trailing `# comment` after a value handled as a shell would); a key without a value is
    left out. Nothing is put into os.environ: load_settings validates what it reads."""
    if not path.is_file():
        return {}
    return {key: value for key, value in dotenv_values(path, encoding="utf-8").items() if value is not None}


def _source(environ: Mapping[str, str] | None, dotenv: Path | None) -> dict[str, str]:
    source: dict[str, str] = {}
    if dotenv is not None:
        source.update(read_dotenv(dotenv))
    source.update(os.environ if environ is None else environ)
    return source


def configured_flows_dir(
    environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> Path:
    """FLOWS_DIR alone, for the commands that need no Telegram settings (chat, plan, tone...)."""
    flows = _source(environ, dotenv).get("FLOWS_DIR", "").strip()
    return Path(flows).expanduser() if flows else default_flows_dir()


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")) -> Settings:
    """Settings from the environment, falling back to `.env`; raises SettingsError."""
    source = _source(environ, dotenv)

    def get(name: str) -> str:
        return source.get(name, "").strip()

    port_text = get("WEBHOOK_PORT") or "8080"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SettingsError(f"WEBHOOK_PORT must be a port number (1-65535), not {port_text!r}.")
    admin_ids: set[int] = set()
    for part in filter(None, re.split(r"[,\s]+", get("BOT_ADMIN_IDS"))):
        if not re.fullmatch(r"-?\d+", part):
            raise SettingsError(f"BOT_ADMIN_IDS must be Telegram user ids separated by commas, not {part!r}.")
        admin_ids.add(int(part))
    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {log_level!r}.")
    webhook_url = get("WEBHOOK_URL") or None
    if webhook_url and not re.match(r"^https?://", webhook_url):
        raise SettingsError("WEBHOOK_URL must start with https:// (Telegram only calls HTTPS).")
    secret = get("WEBHOOK_SECRET")
    if secret and not SECRET_PATTERN.match(secret):
        raise SettingsError("WEBHOOK_SECRET may use only letters, digits, _ and - (1-256 characters).")
    if webhook_url and not secret:
        secret = secrets.token_urlsafe(32)  # still checked on every request, just not fixed
    reminder_check = _reminder_check_seconds(get("REMINDER_CHECK_SECONDS"))
    bot_rate = _bot_rate(get("BOT_RATE_LIMIT"))
    retention = get("RETENTION_DAYS") or str(DEFAULT_RETENTION_DAYS)
    if not retention.isdigit() or not 1 <= int(retention) <= 3650:
        raise SettingsError(
            f"RETENTION_DAYS must be a whole number of days from 1 to 3650, not {retention!r}."
        )
    migrate = (get("MIGRATE_ON_START") or "true").lower()
    if migrate not in ("true", "false", "1", "0", "yes", "no"):
        raise SettingsError(f"MIGRATE_ON_START must be true or false, not {migrate!r}.")
    log_format = (get("LOG_FORMAT") or "text").lower()
    if log_format not in LOG_FORMATS:
        raise SettingsError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}.")
    return Settings(
        token=get("TELEGRAM_BOT_TOKEN"),
        api_base_url=get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL,
        database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        webhook_url=webhook_url,
        webhook_listen=get("WEBHOOK_LISTEN") or "0.0.0.0",
        webhook_port=int(port_text),
        webhook_secret=secret,
        admin_ids=frozenset(admin_ids),
        log_level=log_level,
        flows_dir=configured_flows_dir(source, dotenv=None),
        reminder_check_seconds=reminder_check,
        retention_days=int(retention),
        migrate_on_start=migrate in ("true", "1", "yes"),
        metrics_listen=get("METRICS_LISTEN") or DEFAULT_METRICS_LISTEN,
        metrics_port=_metrics_port(get("METRICS_PORT")),
        log_format=log_format,
        bot_rate=bot_rate,
        crash_at=get("RECONSIDER_TEST_CRASH_AT"),
    )


def _bot_rate(text: str) -> float:
    if not text:
        return DEFAULT_BOT_RATE
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not 0 < rate <= 1000:
        raise SettingsError(
            f"BOT_RATE_LIMIT must be messages per second above 0 and at most 1000 (Telegram's "
            f"default for a bot is 30), not {text!r}."
        )
    return rate


def _metrics_port(text: str) -> int | None:
    if text.lower() == "off":
        return None
    if not text:
        return DEFAULT_METRICS_PORT
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise SettingsError(f"METRICS_PORT must be a port number (1-65535) or off, not {text!r}.")
    return int(text)


def _reminder_check_seconds(text: str) -> float:
    if not text:
        return DEFAULT_REMINDER_CHECK_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 86400:
        raise SettingsError(
            f"REMINDER_CHECK_SECONDS must be a number of seconds above 0 and at most 86400, not {text!r}."
        )
    return seconds
