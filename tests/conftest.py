"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from player.virtual_display import virtual_display
from tests.helpers import write_scan


@pytest.fixture(scope="session")
def xvfb() -> Iterator[str]:
    """A real X server (Xvfb, Mesa's OpenGL behind it) on a free display for the tests that
    open windows (``pytestmark = pytest.mark.usefixtures("xvfb")``), ``DISPLAY`` pointing at it."""
    with virtual_display() as display:
        yield display


@pytest.fixture(scope="session")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 12-frame, 32x24, 18 fps lossless scan."""
    return write_scan(tmp_path_factory.mktemp("scan") / "scan.mkv")
