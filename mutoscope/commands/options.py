"""Options that mean one thing on every command that takes them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from content.library import ClipExistsError
from mutoscope.commands.errors import fail

F = TypeVar("F", bound=Callable[..., Any])

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def library_option(function: F) -> F:
    """``-l/--library`` (or ``MUTOSCOPE_LIBRARY``): the library folder."""
    return click.option(
        "-l",
        "--library",
        "library_path",
        type=click.Path(path_type=Path, file_okay=False),
        envvar="MUTOSCOPE_LIBRARY",
        show_envvar=True,
        required=True,
        help="The library folder.",
    )(function)


def config_option(help: str, required: bool = True) -> Callable[[F], F]:
    """``--config``: an installation TOML file."""
    return click.option(
        "--config",
        "config_path",
        required=required,
        type=click.Path(path_type=Path, dir_okay=False),
        help=help,
    )


def replace_option(what: str) -> Callable[[F], F]:
    """``--replace``: write over what is already there (``what``)."""
    return click.option("--replace", is_flag=True, help=f"Replace {what}.")


@contextmanager
def replace_hint() -> Iterator[None]:
    """A clip id already taken (:class:`content.library.ClipExistsError`), worded with the
    option that replaces it."""
    try:
        yield
    except ClipExistsError as exc:
        fail(f"{exc}; pass --replace to replace it")


def verbose_option(function: F) -> F:
    """``-v/--verbose``: log in detail (debug level) to stderr."""
    return click.option("-v", "--verbose", is_flag=True, help="Log in detail (debug level) to stderr.")(
        function
    )


def start_logging(verbose: bool, level: int = logging.WARNING) -> None:
    """Log to stderr at ``level`` (a service's INFO, a tool's WARNING), or DEBUG with ``-v``."""
    logging.basicConfig(level=logging.DEBUG if verbose else level, format=LOG_FORMAT)
