"""Buttons: the actions a tap can carry and their payload codec (compact, versioned, at most
64 bytes, with enough to spot a stale tap).

`1.<flow version>.<run>.<step>.<action>[.<argument>]`, numbers in base 36. A tap is
stale when its flow version, run (restart count) or step (turn count) differs from the
session's: the button belongs to an earlier question, an earlier run or an older flow.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from bot.engine.ids import MAX_ID_BYTES

PREFIX = "1"
MAX_BYTES = 64
_DIGITS = string.digits + string.ascii_lowercase
# Room the validator assumes for counters: a billion restarts or turns, far beyond real use.
COUNTER_CEILING = 10**9


def _to36(number: int) -> str:
    if number < 0:
        raise ValueError("counters are never negative")
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _DIGITS[rest] + digits
        if number == 0:
            return digits


class Act:
    """Button actions (the `action` of a Payload)."""

    ANSWER = "a"  # argument: the option's value
    SKIP = "s"
    KEEP = "k"  # keep the detail given earlier
    PROCEED = "p"
    BACK = "b"
    RESTART = "r"
    CHANGE = "c"
    REVISE = "v"  # argument: the question id
    FORGET = "f"  # confirm /forget
    KEEP_DATA = "n"  # cancel /forget
    EXPORT = "x"  # the latest result as one document
    EXPORT_EML = "e"  # the latest result's drafts as .eml files
    OWN_GUIDE = "o"  # start one's own guide (under a shared plan)
    REMIND = "R"  # argument: a follow-up delay key (bot.engine.followup.DELAYS)
    DELAYS = "D"  # show the choice of delays
    OUTCOME = "O"  # argument: <reminder id>-<outcome letter>, whatever the step
    CANCEL_REMINDER = "X"  # argument: the reminder id, whatever the step
    TONE = "t"  # check the tone of the message the offer replies to
    CONTINUE = "g"  # /start mid-guide: go on where one was
    REPLIED = "Y"  # "They replied": no argument asks what they said; a reply value answers it
    ZONE = "Z"  # argument: the index of a common time zone (bot.engine.zones), whatever the step
    LANGUAGE = "L"  # argument: a language code of the flow, whatever the step


@dataclass(frozen=True)
class Payload:
    flow_version: int
    run: int
    step: int
    action: str
    argument: str = ""

    def encode(self) -> str:
        parts = [PREFIX, _to36(self.flow_version), _to36(self.run), _to36(self.step), self.action]
        if self.argument:
            parts.append(self.argument)
        data = ".".join(parts)
        if len(data.encode("utf-8")) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data


def decode(data: str) -> Payload | None:
    """The payload, or None for anything we did not make (old formats, forged data)."""
    parts = data.split(".", 5)
    if len(parts) < 5 or parts[0] != PREFIX:
        return None
    try:
        flow_version, run, step = (int(part, 36) for part in parts[1:4])
    except ValueError:
        return None
    action = parts[4]
    if not action:
        return None
    return Payload(flow_version, run, step, action, parts[5] if len(parts) > 5 else "")


def longest(action: str, argument: str = "") -> int:
    """Bytes of the longest payload this action and argument can ever produce."""
    top = _to36(COUNTER_CEILING)
    parts = [PREFIX, top, top, top, action] + ([argument] if argument else [])
    return len(".".join(parts).encode("utf-8"))


def fits(action: str, argument_bytes: int = MAX_ID_BYTES) -> bool:
    """Whether `action` with any argument of `argument_bytes` UTF-8 bytes fits Telegram's limit."""
    return longest(action, "x" * argument_bytes) <= MAX_BYTES
