"""The engine's errors: one base class, which loads no torch."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine.colour.keyframes import KeyframeError
from engine.device import DeviceError
from engine.errors import EngineError
from engine.ingest import IngestError
from engine.scan import ScanError


@pytest.mark.parametrize("error", [ScanError, DeviceError, IngestError, KeyframeError])
def test_every_engine_error_is_an_engine_error(error: type[Exception]) -> None:
    assert issubclass(error, EngineError)


def test_the_base_error_imports_no_torch() -> None:
    code = "import sys, engine.errors; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
