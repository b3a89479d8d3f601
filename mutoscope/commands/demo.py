"""``mutoscope demo-source``: archive-like demo footage, with its ground truth."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from content.demo import SCENE_NAMES
from mutoscope.commands.errors import fail, reports_errors
from mutoscope.commands.options import replace_option
from mutoscope.commands.progress import progress_bars

console = Console(soft_wrap=True)


@click.command("demo-source")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--scene", type=click.Choice(SCENE_NAMES), default="demo", show_default=True,
              help="Which camera moves and moving objects over which photographs.")  # fmt: skip
@click.option("--seed", default=1896, show_default=True, type=int, help="The ageing's random seed.")
@click.option("--strength", default=1.0, show_default=True, type=click.FloatRange(0, 3),
              help="How aged: 0 clean, 1 typical archive film, 3 badly damaged.")  # fmt: skip
@replace_option("OUT if it exists")
@reports_errors(interrupted="OUT was not written")
def demo_source(out: Path, scene: str, seed: int, strength: float, replace: bool) -> None:
    """Make an archive-like scan in the folder OUT, with its clean colour ground truth and three
    colour keyframes. The same seed gives the same clip."""
    from content.demo.source import OutputExistsError, make_demo_source  # the demo extra

    with progress_bars() as update:
        try:
            made = make_demo_source(
                out, scene=scene, seed=seed, strength=strength, replace=replace,
                on_frame=lambda done, total: update(f"ageing '{scene}'", done, total),
            )  # fmt: skip
        except OutputExistsError as exc:
            fail(f"{exc}; choose another folder or pass --replace")
    console.print(f"scan:        {made.scan}")
    console.print(f"truth:       {made.truth}")
    console.print(f"keyframes:   {', '.join(p.name for p in made.keyframes)} in {made.keyframes[0].parent}")
    console.print(f"degradation: {made.record}")
