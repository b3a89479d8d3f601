"""How long engine work says how far it has come: one callback type for every pass."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``: frames ``done`` of ``total`` (0: not known yet) in
``phase``: ``analysing``, ``restoring``, and with keyframes ``tracing`` and ``colouring``."""
