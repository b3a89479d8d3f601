"""Where the engine runs: the CPU, or CUDA with Torch-TensorRT. Asking for CUDA where it cannot
work fails at once, saying what is missing and how to get it."""

from __future__ import annotations

import importlib.util
import logging
from typing import Literal

import torch

from engine.errors import EngineError

log = logging.getLogger("mutoscope.engine")

DeviceChoice = Literal["auto", "cpu", "cuda"]
GPU_INSTALL = (
    "install a CUDA build of PyTorch and the GPU extra (pip install 'mutoscope[gpu]', which brings "
    "torch-tensorrt)"
)
"""How to get the CUDA path."""


class DeviceError(EngineError):
    """The CUDA path cannot run here; the message says why and how to get it, and
    :attr:`problem` is what is missing (for a caller that words its own advice)."""

    def __init__(self, message: str, problem: str) -> None:
        super().__init__(message)
        self.problem = problem


def cuda_problem() -> str | None:
    """Why the CUDA path cannot run here, or ``None`` if it can."""
    if not torch.cuda.is_available():
        if torch.version.cuda is None:
            return f"this PyTorch ({torch.__version__}) is a CPU-only build"
        return f"PyTorch {torch.__version__} (CUDA {torch.version.cuda}) finds no usable GPU"
    if importlib.util.find_spec("torch_tensorrt") is None:
        return "torch-tensorrt is not installed"
    return None


def choose_device(choice: DeviceChoice) -> torch.device:
    """The device for ``choice``: ``auto`` takes CUDA when it can run, else the CPU;
    ``cuda`` raises :class:`DeviceError` when it cannot."""
    if choice == "cpu":
        return torch.device("cpu")
    problem = cuda_problem()
    if choice == "cuda":
        if problem:
            raise DeviceError(f"CUDA cannot run here: {problem}; {GPU_INSTALL}", problem)
        return torch.device("cuda")
    if problem:
        log.info("restoring on the CPU (%s)", problem)
        return torch.device("cpu")
    return torch.device("cuda")
