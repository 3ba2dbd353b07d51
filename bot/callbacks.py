"""Button payloads: compact, versioned and at most 64 bytes, with enough to spot a stale tap.

`1.<flow version>.<run>.<step>.<action>[.<argument>]`, numbers in base 36. A tap is
stale when its flow version, run (restart count) or step (turn count) differs from the
session's: the button belongs to an earlier question, an earlier run or an older flow.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

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
