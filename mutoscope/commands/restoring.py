"""The restoration commands' shared part: their options as one bundle (:class:`RestoreOptions`),
the preset they name, and the scan opened with them, every failure worded in their options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from config.errors import UnknownName
from config.load import load_installation
from config.presets import BUILTIN_PRESETS, Preset
from engine.device import GPU_INSTALL, DeviceError
from engine.job import Job, Watcher, open_job, parse_frames
from engine.progress import Progress

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class RestoreOptions:
    """How to restore: ``preset`` by name (from ``config`` or built in), ``scale`` (``None``: the
    preset's), ``device``, the scan's ``frames`` and a ``keyframes`` folder."""

    preset: str
    config: Path | None
    scale: int | None
    device: str
    frames: tuple[int, int | None]
    keyframes: Path | None


def _frame_range(
    _context: click.Context, _parameter: click.Parameter, spec: str | None
) -> tuple[int, int | None]:
    """``--frames A:B`` as ``(A, B)``, frames A to B - 1 (:func:`engine.job.parse_frames`)."""
    try:
        return parse_frames(spec)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--frames") from None


frames_option = click.option(
    "--frames", "frames", metavar="A:B", callback=_frame_range,
    help="Only frames A to B-1 of the scan (A: or :B leaves an end open).",
)  # fmt: skip
"""``--frames A:B``, as every restoration command takes it (``frames``: ``(A, B)``)."""


def restore_options(keyframes: bool = True) -> Callable[[F], F]:
    """The restoration options, handed to the command as one ``options: RestoreOptions``."""

    def decorate(function: F) -> F:
        @wraps(function)
        def bundled(**kwargs: Any) -> Any:
            scale = kwargs.pop("scale")
            options = RestoreOptions(
                preset=kwargs.pop("preset"),
                config=kwargs.pop("preset_config"),
                scale=int(scale) if scale else None,
                device=kwargs.pop("device"),
                frames=kwargs.pop("frames"),
                keyframes=kwargs.pop("keyframes", None),
            )
            return function(options=options, **kwargs)

        decorators = [
            click.option("--preset", default="standard", show_default=True,
                         help="gentle, standard, strong, or one from --config's [presets]."),
            click.option("--config", "preset_config", type=click.Path(path_type=Path, dir_okay=False, exists=True),
                         help="An installation TOML whose [presets] to use."),
            click.option("--scale", type=click.Choice(["1", "2", "4"]),
                         help="Upscale factor (default: the preset's)."),
            click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
                         help="Where to run: cuda needs a GPU and PyTorch with CUDA; auto takes it if it is there."),
            frames_option,
        ]  # fmt: skip
        if keyframes:
            decorators.append(
                click.option("--keyframes", type=click.Path(path_type=Path),
                             help="A folder of coloured keyframes (PNG or TIFF named by frame index) to colour from.")
            )  # fmt: skip
        for decorator in reversed(decorators):
            bundled = decorator(bundled)
        return bundled  # type: ignore[return-value]

    return decorate


def preset_of(options: RestoreOptions) -> Preset:
    """The preset ``options`` name, from its ``--config`` or built in; a usage error if none."""
    if options.config is not None:
        try:
            return load_installation(options.config).preset(options.preset)
        except UnknownName as exc:
            raise click.BadParameter(str(exc), param_hint="--preset") from None
    if options.preset not in BUILTIN_PRESETS:
        known = ", ".join(BUILTIN_PRESETS)
        raise click.BadParameter(f"no preset {options.preset!r}; built in: {known}", param_hint="--preset")
    return BUILTIN_PRESETS[options.preset]


def open_scan(
    scan: Path, options: RestoreOptions, progress: Progress, *, watch: Watcher | None = None
) -> Job:
    """:func:`engine.job.open_job` with ``options``; a device that cannot run is reported in
    terms of ``--device``."""
    try:
        return open_job(
            scan, preset_of(options), scale=options.scale, device=options.device,  # type: ignore[arg-type]
            frames=options.frames, keyframes=options.keyframes, progress=progress, watch=watch,
        )  # fmt: skip
    except DeviceError as exc:
        raise DeviceError(
            f"--device {options.device}: {exc.problem}; {GPU_INSTALL}, or run with --device cpu", exc.problem
        ) from exc
