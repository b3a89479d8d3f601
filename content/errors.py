"""The content package's errors: one base, :class:`ContentError`, for everything that goes wrong
with a library, a manifest or a media file."""

from __future__ import annotations


class ContentError(Exception):
    """The base of every error of the content package; the message names the file or clip."""
