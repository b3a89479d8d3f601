"""The device choice: CUDA asked for where it cannot run fails at once and says what to do; on
a GPU machine, every compiled module matches the eager one on the same input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from config.presets import Preset
from engine.accelerate import tensorrt_compiler
from engine.colour.propagate import Colourist, TraceStore, colour_windows
from engine.device import GPU_INSTALL, DeviceError, choose_device, cuda_problem
from engine.pipeline import Restorer
from engine.window_plan import MARGIN
from tests.engine.clips import make_clip

needs_no_cuda = pytest.mark.skipif(cuda_problem() is None, reason="this machine can run CUDA")
needs_cuda = pytest.mark.skipif(cuda_problem() is not None, reason=f"no CUDA path here: {cuda_problem()}")


@needs_no_cuda
def test_cuda_without_cuda_fails_with_a_plain_message(tmp_path: Path) -> None:
    problem = cuda_problem()
    with pytest.raises(
        DeviceError, match=r"CUDA cannot run here: .*pip install 'mutoscope\[gpu\]'"
    ) as caught:
        choose_device("cuda")
    assert caught.value.problem == problem and "--" not in str(caught.value)  # the library speaks no CLI
    with pytest.raises(DeviceError, match=r"the TensorRT path cannot run: .*pip install 'mutoscope\[gpu\]'"):
        tensorrt_compiler()
    scan = make_clip(tmp_path, "clean").scan
    run = subprocess.run(
        [sys.executable, "-m", "mutoscope", "restore", str(scan), "-o", str(tmp_path / "o.mp4"), "--device", "cuda"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 1
    assert f"error: --device cuda: {problem}; {GPU_INSTALL}, or run with --device cpu" in run.stderr
    assert not (tmp_path / "o.mp4").exists()


def test_auto_runs_on_what_there_is() -> None:
    assert choose_device("auto").type == ("cpu" if cuda_problem() else "cuda")
    assert choose_device("cpu").type == "cpu"


@needs_cuda
def test_every_compiled_module_matches_eager(tmp_path: Path) -> None:
    """Each stage (restoration and colour) compiled by Torch-TensorRT gives what the same
    module gives eagerly."""
    from engine.accelerate import FP16_STAGES
    from engine.job import open_job

    scan = make_clip(tmp_path, "everything").scan
    job = open_job(scan, Preset(scale=2), device="cpu")
    seen: dict[str, tuple[torch.nn.Module, tuple[torch.Tensor, ...]]] = {}

    def record(module: torch.nn.Module, example: tuple[torch.Tensor, ...]):
        seen[type(module).__name__ + repr(getattr(module, "settings", ""))] = (
            module,
            tuple(x.clone() for x in example),
        )
        return module

    recorder = Restorer(Preset(scale=2), torch.device("cpu"), record)
    frames = list(job.scan.frames())[: 16 + 2 * MARGIN]
    result = recorder.window(np.stack(frames), MARGIN, job.motion)
    greys = list(result.restored[:3])
    tint = np.stack([greys[0], greys[0] // 2, 255 - greys[0]], axis=-1)  # any colouring will do
    colourist = Colourist({0: tint}, np.zeros(3, np.int64), greys[0].shape[1], 2, torch.device("cpu"), record)
    list(colour_windows(colourist, lambda w: greys, 3, 16, TraceStore(tmp_path / "trace")))
    compile_module = tensorrt_compiler(tmp_path / "cache")
    for name, (module, example) in seen.items():
        cuda_inputs = tuple(x.cuda() for x in example)
        eager = _outputs(module.cuda()(*cuda_inputs))
        compiled = compile_module(module.cuda(), cuda_inputs)
        again = compile_module(module.cuda(), cuda_inputs)  # from the disk cache this time
        for outputs in (_outputs(compiled(*cuda_inputs)), _outputs(again(*cuda_inputs))):
            for got, want in zip(outputs, eager, strict=True):
                # fp16 stages to 2 levels of 8 bits; others to 1e-3 of their range (chroma is in ab units)
                tolerance = (
                    2 / 255
                    if type(module).__name__ in FP16_STAGES
                    else 1e-3 * max(1.0, float(want.abs().max()))
                )
                assert torch.allclose(got.float(), want.float(), atol=tolerance), name


def _outputs(result: torch.Tensor | tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    return result if isinstance(result, tuple) else (result,)
