"""``mutoscope keyframes suggest`` and ``mutoscope keyframes export``: which frames to colour,
and those frames restored, to colour in an image editor."""

from __future__ import annotations

from pathlib import Path

import click

from engine.cli import _frames, _logging, _preset, console, open_scan, progress_bar, reports_errors
from engine.colour.suggest import ChangeMeter, export_keyframes, suggest


@click.group("keyframes")
def keyframes_group() -> None:
    """Choose and export the frames an archivist colours by hand."""


@keyframes_group.command(
    "suggest", short_help="Propose frames to colour: shot starts, then the most changed."
)
@click.argument("scan", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--count", type=click.IntRange(1), help="How many (default: one per shot and one per 6 s).")
@click.option("--frames", "frame_range", metavar="A:B", help="Only frames A to B-1.")
@click.option("-v", "--verbose", is_flag=True, help="Log what the pass does.")
@reports_errors
def suggest_command(scan: Path, count: int | None, frame_range: str | None, verbose: bool) -> None:
    """Propose frames of SCAN to colour: the first of every shot, then those that changed most."""
    _logging(verbose)
    meter = ChangeMeter()
    with progress_bar() as update:
        job = open_scan(
            scan, _preset("standard", None), update, None, "cpu", _frames(frame_range), watch=meter.see
        )
    picks = suggest(job, meter.thumbnails, count)
    fps = float(job.scan.fps)
    for pick in picks:
        console.print(f"{pick.index:6d}  {pick.index / fps:7.2f} s  {pick.reason}")
    frames = ",".join(str(p.index) for p in picks)
    console.print(f"\nto export them: mutoscope keyframes export {scan} KEYFRAMES_DIR --frames {frames}")


@keyframes_group.command("export", short_help="Write frames restored and greyscale, to colour by hand.")
@click.argument("scan", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--frames", "indices", required=True, metavar="I,J,...", help="Scan frame indices, comma separated."
)
@click.option("--preset", "preset_name", default="standard", show_default=True, help="As for restore.")
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--scale", type=click.Choice(["1", "2", "4"]), help="Upscale factor (default: the preset's).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option(
    "--overwrite", is_flag=True, help="Replace files already in OUT_DIR (they may be coloured already)."
)
@click.option("-v", "--verbose", is_flag=True, help="Log what each pass does.")
@reports_errors
def export_command(
    scan: Path,
    out_dir: Path,
    indices: str,
    preset_name: str,
    config: Path | None,
    scale: str | None,
    device: str,
    overwrite: bool,
    verbose: bool,
) -> None:
    """Write frames of SCAN restored and greyscale, at the restored size, as OUT_DIR/<index>.png
    for an archivist to colour; the folder then feeds restore/ingest --keyframes."""
    _logging(verbose)
    try:
        wanted = sorted({int(part) for part in indices.split(",") if part.strip()})
    except ValueError:
        raise click.BadParameter(
            f"{indices!r}: expected frame indices such as 0,108,180", param_hint="--frames"
        ) from None
    if not wanted or wanted[0] < 0:
        raise click.BadParameter(
            f"{indices!r}: expected frame indices such as 0,108,180", param_hint="--frames"
        )
    preset = _preset(preset_name, config)
    with progress_bar() as update:
        job = open_scan(scan, preset, update, scale, device)
        try:
            written, kept = export_keyframes(job, wanted, out_dir, overwrite)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--frames") from None
    for path in written:
        console.print(f"wrote {path}")
    for path in kept:
        console.print(
            f"[yellow]kept {path}: it exists (perhaps coloured already); --overwrite replaces it[/]"
        )
    console.print(
        f"colour them in an image editor (keep each file's name and size), then: --keyframes {out_dir}"
    )
