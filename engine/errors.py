"""The engine's base error. Every failure the engine expects (a scan it cannot read, a device
that cannot run, keyframes it cannot use, an ingest that could not finish) raises a subclass of
:class:`EngineError`, defined beside the code that raises it, so a caller can catch them all at
once. Pure Python: importing it loads no torch."""

from __future__ import annotations


class EngineError(Exception):
    """An expected failure of the engine; the message says what went wrong and, where it can,
    what to do about it."""
