"""``mutoscope library ...`` and ``mutoscope demo-source``."""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from content.library import Library, LibraryError
from content.manifest import Clip, ManifestError, UnsafeClipIdError
from content.media import MediaError
from content.progress import frame_progress

F = TypeVar("F", bound=Callable[..., Any])

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

library_option = click.option(
    "-l",
    "--library",
    "library_path",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="MUTOSCOPE_LIBRARY",
    required=True,
    help="Library folder (or set MUTOSCOPE_LIBRARY).",
)


def reports_errors(function: F) -> F:
    """Turn the library's expected errors into one clear line on stderr and exit status 1."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (LibraryError, ManifestError, MediaError, UnsafeClipIdError, FileExistsError) as exc:
            errors.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            raise SystemExit(1) from exc

    return wrapper  # type: ignore[return-value]


def _duration(clip: Clip) -> str:
    minutes, seconds = divmod(clip.duration, 60)
    return f"{int(minutes)}:{seconds:04.1f}"


@click.group("library")
def library_group() -> None:
    """List, inspect, verify and edit a clip library."""


@library_group.command("list")
@library_option
@click.option("--json", "as_json", is_flag=True, help="Print the clips as JSON.")
@reports_errors
def list_clips(library_path: Path, as_json: bool) -> None:
    """List the clips in a library."""
    manifest = Library(library_path).read()
    if as_json:
        click.echo(json.dumps([clip.model_dump(mode="json") for clip in manifest.clips], indent=2))
        return
    table = Table(title=f"{library_path} ({len(manifest.clips)} clips)")
    for column in ("id", "title", "year", "duration", "frames", "fps", "size", "restored by"):
        table.add_column(column)
    for clip in manifest.clips:
        table.add_row(
            clip.id,
            clip.title,
            str(clip.year or ""),
            _duration(clip),
            str(clip.frame_count),
            f"{float(Fraction(clip.fps)):g}",
            f"{clip.original.width}x{clip.original.height} -> {clip.restored.width}x{clip.restored.height}",
            clip.provenance.restoration,
        )
    console.print(table)


@library_group.command("show")
@library_option
@click.argument("clip_id")
@reports_errors
def show_clip(library_path: Path, clip_id: str) -> None:
    """Print everything the library records about one clip, as JSON."""
    library = Library(library_path)
    clip = library.read().get(clip_id)
    if clip is None:
        raise LibraryError(f"{library.root}: no clip {clip_id!r} in the library")
    click.echo(clip.model_dump_json(indent=2))


@library_group.command("verify")
@library_option
@reports_errors
def verify(library_path: Path) -> None:
    """Check every clip: files present, hashes, both versions decodable and in step.

    Reports every bad clip and file, then exits with status 1 if any were found."""
    from content.verify import verify_library

    library = Library(library_path)
    problems = verify_library(library)
    for problem in problems:
        errors.print(f"[bold red]bad:[/] {escape(str(problem))}", highlight=False)
    if problems:
        bad = len({p.clip_id for p in problems})
        raise SystemExit(f"{bad} bad clip(s), {len(problems)} problem(s) in {library.root}")
    for folder in library.orphans():
        errors.print(f"note: {folder} is left from an interrupted write", highlight=False)
    console.print(f"{library.root}: all {len(library.read().clips)} clips verified")


@library_group.command("remove")
@library_option
@click.argument("clip_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@reports_errors
def remove(library_path: Path, clip_id: str, yes: bool) -> None:
    """Remove a clip from the library (the manifest first, then its files)."""
    library = Library(library_path)
    if not yes:
        click.confirm(f"Remove clip {clip_id!r} from {library.root}?", abort=True)
    clip = library.remove(clip_id)
    console.print(f"removed {clip.id} ({clip.title})")


@library_group.command("add")
@library_option
@click.argument("scan", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--id", "clip_id", required=True, help="Clip id: a-z, 0-9, '-' and '_'.")
@click.option("--title", required=True)
@click.option("--year", type=click.IntRange(1870, 2200))
@click.option(
    "--restored",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A restored version made by another tool, frame for frame with SCAN.",
)
@click.option("--replace", is_flag=True, help="Replace a clip that has the same id.")
@reports_errors
def add(
    library_path: Path,
    scan: Path,
    clip_id: str,
    title: str,
    year: int | None,
    restored: Path | None,
    replace: bool,
) -> None:
    """Add SCAN without Mutoscope's engine: beside a restored version made elsewhere
    (--restored), or beside a plain re-encode of itself. The provenance says which."""
    from content.importer import add_scan

    library = Library.create(library_path)
    with frame_progress(f"adding {clip_id}", errors) as update:
        clip = add_scan(
            library, scan, clip_id, title, year, on_frame=update, restored=restored, replace=replace
        )
    console.print(
        f"added {clip.id}: {clip.frame_count} frames at {clip.fps} fps -> {library.root / clip.folder}"
    )


@click.command("demo-source")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--scene", default="demo", show_default=True, help="demo, cat or table.")
@click.option("--seed", default=1896, show_default=True, type=int)
@click.option("--strength", default=1.0, show_default=True, type=click.FloatRange(0, 3))
@click.option("--overwrite", is_flag=True, help="Replace OUT if it exists.")
@reports_errors
def demo_source(out: Path, scene: str, seed: int, strength: float, overwrite: bool) -> None:
    """Make an archive-like scan in the folder OUT, with its clean colour ground truth and three
    colour keyframes. The same seed gives the same clip."""
    from content.demo_source import SCENES, make_demo_source

    if scene not in SCENES:
        raise click.BadParameter(f"choose one of {', '.join(SCENES)}", param_hint="--scene")
    with frame_progress(f"ageing '{scene}'", errors) as update:
        made = make_demo_source(
            out, scene=scene, seed=seed, strength=strength, overwrite=overwrite, on_frame=update
        )
    console.print(f"scan:        {made.scan}")
    console.print(f"truth:       {made.truth}")
    console.print(f"keyframes:   {', '.join(p.name for p in made.keyframes)} in {made.keyframes[0].parent}")
    console.print(f"degradation: {made.record}")
