"""``mutoscope config check``: an installation file checked, every problem listed."""

from __future__ import annotations

from pathlib import Path

import click

from config.errors import ConfigError
from config.load import load_installation


@click.group("config")
def config_group() -> None:
    """Check an installation's TOML configuration."""


@config_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
def check(files: tuple[Path, ...]) -> None:
    """Validate FILES and report every problem in each, with line and field.

    Exits with status 1 if any file has a problem."""
    failed = 0
    for path in files:
        try:
            installation = load_installation(path)
        except ConfigError as exc:
            click.echo(str(exc), err=True)
            failed += 1
            continue
        screens = ", ".join(f"{s.id}@{s.host}" for s in installation.screens)
        click.echo(
            f"{path}: OK: '{installation.name}', {len(installation.screens)} screen(s) ({screens}), "
            f"library {installation.library}"
        )
    if failed:
        raise SystemExit(1)
