"""The player package's errors: one base, :class:`PlayerError`."""

from __future__ import annotations


class PlayerError(Exception):
    """The base of every error of the player package."""


class DisplayError(PlayerError):
    """No display can be had (no Xvfb for a virtual one); the message says what to install."""


class CaptureError(PlayerError):
    """A contact sheet or a still could not be made; the message says why."""
