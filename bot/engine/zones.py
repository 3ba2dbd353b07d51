"""A person's time zone: read from what they tap or type, and the local hour reminders keep.

Stored as an IANA name ("Europe/Madrid") or a fixed offset ("UTC+03:00"); a reminder is due
at 9:00 their time on a working day (Monday to Friday).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.engine.followup import Delay

WORK_HOUR = 9
"""Reminders arrive at this local hour: early in the working day, never at night."""

COMMON_ZONES: tuple[str, ...] = (
    "Europe/Madrid",
    "Europe/London",
    "Europe/Moscow",
    "America/New_York",
    "America/Mexico_City",
    "America/Bogota",
    "America/Argentina/Buenos_Aires",
    "UTC",
)
"""The one-tap picker, in its order; anything else is typed (/timezone Lima, /timezone UTC+3)."""

# City names as people type them in Spanish or Russian, for the zones whose IANA name is English.
_ALIASES: dict[str, str] = {
    "londres": "Europe/London",
    "лондон": "Europe/London",
    "moscu": "Europe/Moscow",
    "москва": "Europe/Moscow",
    "moscow": "Europe/Moscow",
    "санкт-петербург": "Europe/Moscow",
    "петербург": "Europe/Moscow",
    "spb": "Europe/Moscow",
    "nueva york": "America/New_York",
    "нью-йорк": "America/New_York",
    "ciudad de mexico": "America/Mexico_City",
    "mexico": "America/Mexico_City",
    "cdmx": "America/Mexico_City",
    "buenos aires": "America/Argentina/Buenos_Aires",
    "bogota": "America/Bogota",
    "мадрид": "Europe/Madrid",
    "barcelona": "Europe/Madrid",
    "valencia": "Europe/Madrid",
    "sevilla": "Europe/Madrid",
    "екатеринбург": "Asia/Yekaterinburg",
    "новосибирск": "Asia/Novosibirsk",
    "киев": "Europe/Kyiv",
    "київ": "Europe/Kyiv",
    "минск": "Europe/Minsk",
    "алматы": "Asia/Almaty",
    "ташкент": "Asia/Tashkent",
    "тбилиси": "Asia/Tbilisi",
    "ереван": "Asia/Yerevan",
    "berlin": "Europe/Berlin",
    "paris": "Europe/Paris",
    "parís": "Europe/Paris",
}
_OFFSET = re.compile(r"^(?:utc|gmt|мск)?\s*([+\-−])\s*(\d{1,2})(?:[:.]?(\d{2}))?$", re.IGNORECASE)
_STORED_OFFSET = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")


def _plain(text: str) -> str:
    """Lower case, accents off, spaces for underscores: "Bogotá" and "bogota" meet."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower().replace("_", " "))
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


@cache
def _cities() -> dict[str, str]:
    """Each zone's city ("lima" → America/Lima), from the zone database itself."""
    found: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/")):
            found.setdefault(_plain(name.rsplit("/", 1)[1]), name)
    return found


def parse_zone(typed: str) -> str | None:
    """What the person typed ("Madrid", "Europe/Madrid", "UTC+3", "-05:00", "Москва") as a
    zone to store, or None when it names none."""
    text = typed.strip()
    if not text or len(text) > 64:
        return None
    if text.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    offset = _OFFSET.match(text)
    if offset:
        sign = "-" if offset.group(1) in "-−" else "+"
        hours, minutes = int(offset.group(2)), int(offset.group(3) or 0)
        if hours > 14 or minutes >= 60 or (hours, minutes) == (0, 0):
            return "UTC" if (hours, minutes) == (0, 0) else None
        return f"UTC{sign}{hours:02d}:{minutes:02d}"
    if "/" in text:
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            return None
        return text
    plain = _plain(text)
    return _ALIASES.get(plain) or _ALIASES.get(text.lower()) or _cities().get(plain)


def zone_info(stored: str | None) -> tzinfo:
    """The tzinfo of a stored zone (UTC for None or anything unreadable)."""
    if not stored or stored == "UTC":
        return UTC
    offset = _STORED_OFFSET.match(stored)
    if offset:
        delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3)))
        return timezone(delta if offset.group(1) == "+" else -delta)
    try:
        return ZoneInfo(stored)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _working_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def local_due(delay: Delay, now: datetime, zone: tzinfo) -> datetime:
    """When a reminder `delay` after `now` is due: at WORK_HOUR on a working day, their time
    (in UTC)."""
    day = _working_day(delay.due(now.astimezone(zone)).date())
    return datetime.combine(day, time(WORK_HOUR), zone).astimezone(UTC)


def at_work_hour(due: datetime, zone: tzinfo) -> datetime:
    """A reminder set before the zone was known, moved to WORK_HOUR of its local day (or the
    next working day), in UTC."""
    day = _working_day(due.astimezone(zone).date())
    return datetime.combine(day, time(WORK_HOUR), zone).astimezone(UTC)
