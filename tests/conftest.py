"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import write_scan


@pytest.fixture(scope="session")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 12-frame, 32x24, 18 fps lossless scan."""
    return write_scan(tmp_path_factory.mktemp("scan") / "scan.mkv")
