"""Running the engine's modules: each compiled once per input shape by the job's compiler
(eager on the CPU, Torch-TensorRT on CUDA) and called without autograd."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

Compiler = Callable[[nn.Module, tuple[torch.Tensor, ...]], Callable[..., Any]]


def eager(module: nn.Module, example: tuple[torch.Tensor, ...]) -> Callable[..., Any]:
    """The module itself: the CPU path (and the reference the compiled path is checked against)."""
    return module


class ModuleRunner:
    """``modules`` by name, each compiled by ``compiler`` for every input shape it meets."""

    def __init__(self, modules: dict[str, nn.Module], compiler: Compiler = eager) -> None:
        self.modules = modules
        self.compiler = compiler
        self._compiled: dict[tuple[str, tuple[tuple[int, ...], ...]], Callable[..., Any]] = {}

    def __call__(self, name: str, *inputs: torch.Tensor) -> Any:
        """Run module ``name`` on ``inputs``."""
        key = (name, tuple(tuple(x.shape) for x in inputs))
        if key not in self._compiled:
            self._compiled[key] = self.compiler(self.modules[name], inputs)
        with torch.inference_mode():
            return self._compiled[key](*inputs)
