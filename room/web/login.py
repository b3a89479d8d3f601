"""The tablet page's PIN check, with a limit on wrong guesses that cannot be raced or abused.

A PIN is judged and a wrong one counted in the same step, with nothing awaited between them,
so a thousand guesses sent at once count as a thousand. Wrong PINs are counted per *key*: a
browser that has logged in before carries a device cookie (OWASP's "device cookies") and is
counted on its own, everyone else by address. So a guesser sharing the operator's address (a
NAT, the room's Wi-Fi) locks out only other unknown browsers, never the operator's tablet.
"""

from __future__ import annotations

import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

PIN_TRIES = 5
"""Wrong PINs allowed per key within ``PIN_WINDOW_S``; then that key waits it out."""
PIN_WINDOW_S = 60.0
MAX_DEVICES = 256
"""Device cookies remembered (oldest forgotten first)."""


@dataclass(frozen=True)
class Verdict:
    """``ok``, ``wrong``, or ``locked`` (not judged) with the seconds to wait."""

    outcome: Literal["ok", "wrong", "locked"]
    wait_s: float = 0.0


class PinGuard:
    """Judges PINs against ``pin`` (``None``: every PIN is wrong), ``clock`` in seconds."""

    def __init__(self, pin: str | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.pin = pin
        self.clock = clock
        self._wrong: defaultdict[str, deque[float]] = defaultdict(deque)
        self._devices: deque[str] = deque(maxlen=MAX_DEVICES)

    def new_device(self) -> str:
        """A device cookie's value for a browser that has just logged in."""
        token = secrets.token_urlsafe(24)
        self._devices.append(token)
        return token

    def key(self, device: str | None, address: str) -> str:
        """What a login is counted by: its device cookie if it is one of ours, else its address."""
        return f"device:{device}" if device is not None and device in self._devices else f"address:{address}"

    def judge(self, key: str, pin: object) -> Verdict:
        """Judge ``pin`` for ``key`` and count it if it is wrong, in one step."""
        now = self.clock()
        wrong = self._wrong[key]
        while wrong and wrong[0] <= now - PIN_WINDOW_S:
            wrong.popleft()
        if len(wrong) >= PIN_TRIES:
            return Verdict("locked", wrong[0] + PIN_WINDOW_S - now)
        if self.pin is not None and isinstance(pin, str) and secrets.compare_digest(pin, self.pin):
            return Verdict("ok")
        wrong.append(now)
        return Verdict("wrong")

    def change(self, pin: str | None) -> bool:
        """Take a new PIN; ``True`` if it differs (every device must then log in again)."""
        changed = pin != self.pin
        self.pin = pin
        if changed:
            self._devices.clear()
        return changed
