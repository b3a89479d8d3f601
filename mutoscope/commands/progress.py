"""Progress bars for long frame-by-frame work: one bar per phase, frames done, frames per
second and time left, on stderr (quiet when stderr is not a terminal)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from mutoscope.commands.errors import stderr


@contextmanager
def progress_bars() -> Iterator[Callable[[str, int, int], None]]:
    """Yield ``update(phase, done, total)`` (``total`` 0 while it is not known), the engine's
    :data:`engine.progress.Progress`."""
    columns = (
        TextColumn("{task.description:10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("frames {task.fields[fps]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=stderr) as bars:
        tasks: dict[str, Any] = {}

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bars.add_task(phase, total=total or None, fps="")
            task = tasks[phase]
            speed = bars.tasks[task].speed
            bars.update(task, completed=done, total=total or None, fps=f"{speed:5.1f} fps" if speed else "")

        yield update
