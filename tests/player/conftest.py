"""Small libraries and installations for the player tests, and a clock the test moves."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.load import parse_installation
from config.schema import Installation
from content.library import Library
from content.testcard import add_coded_clip

INSTALLATION = """\
name = "Test"
library = "{library}"

[[screens]]
id = "test"
resolution = [{width}, {height}]
fullscreen = false

[schedule]
attract_playlist = {playlist}

[player]
slate_seconds = 0.2
idle_seconds = 1.0
spring_seconds = 0.3

[[sequences.default]]
at = 0.0
mode = "wipe"
position = 0.5
duration = 0.0
"""


class ManualClock:
    """Show time that moves only when a test says so."""

    def __init__(self, now: float = 100.0) -> None:
        self.time = now

    def now(self) -> float:
        return self.time


def installation_for(library: Path, playlist: list[str], size: tuple[int, int] = (640, 480)) -> Installation:
    text = INSTALLATION.format(library=library, width=size[0], height=size[1], playlist=playlist)
    return parse_installation(text, library.parent / "site.toml")


@pytest.fixture(scope="session")
def coded_library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """A library with one 24-frame coded clip, ``coded``."""
    library = Library.create(tmp_path_factory.mktemp("coded") / "lib")
    add_coded_clip(library, "coded")
    return library
