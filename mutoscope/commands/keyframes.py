"""``mutoscope keyframes suggest`` and ``mutoscope keyframes export``: which frames to colour,
and those frames restored, to colour in an image editor."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from mutoscope.commands.errors import reports_errors
from mutoscope.commands.options import replace_option, start_logging, verbose_option
from mutoscope.commands.progress import progress_bars
from mutoscope.commands.restoring import RestoreOptions, frames_option, open_scan, restore_options

console = Console(soft_wrap=True)


def frame_list(_context: click.Context, _parameter: click.Parameter, text: str) -> list[int]:
    """``--at I,J,...``: scan frame indices, sorted, each once."""
    try:
        wanted = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        wanted = []
    if not wanted or wanted[0] < 0:
        raise click.BadParameter(f"{text!r}: expected frame indices such as 0,108,180")
    return wanted


@click.group("keyframes")
def keyframes_group() -> None:
    """Choose and export the frames an archivist colours by hand."""


@keyframes_group.command(
    "suggest", short_help="Propose frames to colour: shot starts, then the most changed."
)
@click.argument("scan", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--count", type=click.IntRange(1), help="How many (default: one per shot and one per 6 s).")
@frames_option
@verbose_option
@reports_errors()
def suggest_command(scan: Path, count: int | None, frames: tuple[int, int | None], verbose: bool) -> None:
    """Propose frames of SCAN to colour: the first of every shot, then those that changed most."""
    from engine.colour.suggest import ChangeMeter, suggest

    start_logging(verbose)
    meter = ChangeMeter()
    options = RestoreOptions(
        preset="standard", config=None, scale=None, device="cpu", frames=frames, keyframes=None
    )
    with progress_bars() as update:
        job = open_scan(scan, options, update, watch=meter.see)
    picks = suggest(job, meter.thumbnails, count)
    fps = float(job.scan.fps)
    for pick in picks:
        console.print(f"{pick.index:6d}  {pick.index / fps:7.2f} s  {pick.reason}")
    at = ",".join(str(p.index) for p in picks)
    console.print(f"\nto export them: mutoscope keyframes export {scan} KEYFRAMES_DIR --at {at}")


@keyframes_group.command("export", short_help="Write frames restored and greyscale, to colour by hand.")
@click.argument("scan", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--at", "indices", required=True, metavar="I,J,...", callback=frame_list,
              help="The scan frames to export, comma separated (keyframes suggest proposes them).")  # fmt: skip
@restore_options(keyframes=False)
@replace_option("files already in OUT_DIR (they may be coloured already)")
@verbose_option
@reports_errors()
def export_command(
    scan: Path, out_dir: Path, indices: list[int], options: RestoreOptions, replace: bool, verbose: bool
) -> None:
    """Write frames of SCAN restored and greyscale, at the restored size, as OUT_DIR/<index>.png
    for an archivist to colour; the folder then feeds restore/ingest --keyframes."""
    from engine.colour.suggest import export_keyframes

    start_logging(verbose)
    with progress_bars() as update:
        job = open_scan(scan, options, update)
        try:
            written, kept = export_keyframes(job, indices, out_dir, replace)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--at") from None
    for path in written:
        console.print(f"wrote {path}")
    for path in kept:
        console.print(f"[yellow]kept {path}: it exists (perhaps coloured already); --replace replaces it[/]")
    console.print(
        f"colour them in an image editor (keep each file's name and size), then: --keyframes {out_dir}"
    )
