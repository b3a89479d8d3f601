"""One way every command reports a failure: one clear red line on stderr and exit status 1."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

from rich.console import Console
from rich.markup import escape

F = TypeVar("F", bound=Callable[..., Any])

BASES = {
    "config.errors": "ConfigError", "content.errors": "ContentError", "engine.errors": "EngineError",
    "player.errors": "PlayerError", "room.protocol": "RoomError",
}  # fmt: skip
"""Each package's one base error (module, class): what a person can put right, not a bug."""

stderr = Console(stderr=True, soft_wrap=True)  # paths stay whole, for copying


def fail(message: str, status: int = 1) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``status``."""
    stderr.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise SystemExit(status)


def keys_hint(exc: Exception) -> NoReturn:
    """A CURVE problem (``room.client.SecurityError``), and the command that makes the keys."""
    fail(f"{exc}; `mutoscope keys generate DIR` makes the keys and prints the [security] lines")


def expected(exc: BaseException) -> bool:
    """Whether ``exc`` is one of the packages' errors. Only a package already imported can have
    raised its error, so a command loads no package it does not use to check."""
    bases = [getattr(sys.modules[module], name) for module, name in BASES.items() if module in sys.modules]
    return isinstance(exc, tuple(bases))


def reports_errors(*, interrupted: str = "stopped before the end") -> Callable[[F], F]:
    """A command whose expected failures (:func:`expected`) become one line and exit status 1,
    and whose Ctrl-C says ``interrupted``: exit status 130."""

    def decorate(function: F) -> F:
        @wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except Exception as exc:
                if not expected(exc):
                    raise
                fail(str(exc))
            except KeyboardInterrupt:
                stderr.print(f"[bold red]interrupted:[/] {escape(interrupted)}", highlight=False)
                raise SystemExit(130) from None

        return wrapper  # type: ignore[return-value]

    return decorate
