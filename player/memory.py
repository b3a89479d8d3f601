"""Keep a long-running player's memory flat.

Each clip change starts new decoder threads, and glibc gives threads their own malloc arenas
(up to 8 per core), each keeping the freed frame buffers it once held: RSS climbs for hours.
Two arenas are plenty for a player. Measured (docs/benchmarks.md): a 5 min 720p soak grew
+63.2 MB after warm-up by default and +7.1 MB, flat from the second minute, with two.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

M_ARENA_MAX = -8  # from glibc's malloc.h
ARENAS = 2

log = logging.getLogger("mutoscope.player")


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas (call before starting threads); ``False`` where there is no
    glibc (another libc, another OS), which needs no cap."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        libc = None
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    ok = bool(libc.mallopt(M_ARENA_MAX, arenas))
    if not ok:
        log.warning("could not cap malloc arenas at %d", arenas)
    return ok
