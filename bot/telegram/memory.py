"""Give memory the process no longer uses back to the system (glibc only; elsewhere a no-op).

A burst of people at once raises the heap's high-water mark; glibc keeps the freed pages
for later, so the process's RSS stays at that mark. `malloc_trim(0)` returns every free
page, so RSS follows what is actually in use.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

TRIM_EVERY = 1_000
"""Updates between two trims (a trim takes about a millisecond)."""


def _load_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS)
        return None


_malloc_trim = _load_trim()


def release_free_memory() -> bool:
    """Return free heap pages to the system; False where that is not possible."""
    if _malloc_trim is None:
        return False
    _malloc_trim(0)
    return True
