"""The GPU path: each stage module compiled by Torch-TensorRT (dynamo IR) for the window shape
it meets, the engine cached on disk by module, shape, precision, GPU and versions.

Stages that hold their quality in half precision are built with fp16 allowed; the motion and
flicker estimates, which divide small numbers, stay in fp32. ``tests/engine/test_device.py``
checks every compiled module against the eager module on the same input.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import torch
from platformdirs import user_cache_path
from torch import nn

from engine.device import GPU_INSTALL, DeviceError, cuda_problem

log = logging.getLogger("mutoscope.engine")

FP16_STAGES = {
    "Stabilise",
    "Warp",
    "RemoveDust",
    "LineStrengths",
    "RemoveScratches",
    "ReduceGrain",
    "Upscale",
}
"""Module classes built with fp16 allowed."""


def cache_key(module: nn.Module, example: tuple[torch.Tensor, ...]) -> str:
    """What a cached engine depends on: the module's class, settings and source, the input
    shapes, the GPU and the library versions."""
    parts = [
        type(module).__qualname__,
        repr({k: v for k, v in vars(module).items() if not k.startswith("_")}),
        inspect.getsource(inspect.getmodule(type(module)) or type(module)),
        repr([(tuple(x.shape), str(x.dtype)) for x in example]),
        torch.cuda.get_device_name(example[0].device) if example[0].is_cuda else "cpu",
        torch.__version__,
        version("torch-tensorrt") if example[0].is_cuda else "",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def tensorrt_compiler(
    cache: Path | None = None,
) -> Callable[[nn.Module, tuple[torch.Tensor, ...]], Callable[..., torch.Tensor]]:
    """A compiler for :class:`engine.pipeline.Restorer` that builds (or loads from ``cache``,
    by default the user's cache folder) a TensorRT engine per module and input shape. Raises
    :class:`engine.device.DeviceError`, saying what is missing, where CUDA or torch-tensorrt is."""
    problem = cuda_problem()
    if problem:
        raise DeviceError(f"the TensorRT path cannot run: {problem}; {GPU_INSTALL}", problem)
    import torch_tensorrt

    folder = cache or user_cache_path("mutoscope") / "tensorrt"
    folder.mkdir(parents=True, exist_ok=True)

    def compile_module(module: nn.Module, example: tuple[torch.Tensor, ...]) -> Callable[..., torch.Tensor]:
        name = type(module).__name__
        path = folder / f"{name}-{cache_key(module, example)}.ep"
        if path.is_file():
            log.info("loading the TensorRT engine for %s from %s", name, path)
            loaded = torch_tensorrt.load(str(path))
            return loaded.module() if hasattr(loaded, "module") else loaded
        precisions = {torch.float16, torch.float32} if name in FP16_STAGES else {torch.float32}
        log.info("building a TensorRT engine for %s at %s", name, [tuple(x.shape) for x in example])
        compiled = torch_tensorrt.compile(
            module.eval(), ir="dynamo", arg_inputs=list(example), enabled_precisions=precisions
        )
        partial = path.with_name(f".{path.name}.partial")
        torch_tensorrt.save(
            compiled, str(partial), output_format="exported_program", arg_inputs=list(example)
        )
        partial.rename(path)  # a killed build leaves no half-written engine under the real name
        return compiled

    return compile_module
