"""Read an installation TOML file into :class:`config.schema.Installation`, or report every
problem in it at once, each with file, line, field path, what was expected, and for a
misspelt key the nearest valid one."""

from __future__ import annotations

import difflib
import re
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from config.errors import ConfigFileError, ConfigIssue
from config.locate import Loc, field_lines, line_of
from config.schema import Installation


def field_path(loc: Loc) -> str:
    """``('screens', 1, 'id')`` -> ``'screens[1].id'``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` down to the one type inside."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _keys_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The valid keys of the table at ``loc`` under ``model``; empty if it is not a table."""
    annotation: Any = model
    for part in loc:
        annotation = _unwrap(annotation)
        origin = typing.get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(part, str):
            if part not in annotation.model_fields:
                return []
            annotation = annotation.model_fields[part].annotation
        elif origin in (list, tuple) and isinstance(part, int):
            annotation = typing.get_args(annotation)[0]
        elif origin is dict:
            annotation = typing.get_args(annotation)[1]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    if typing.get_origin(annotation) is dict:
        return [str(a) for a in typing.get_args(typing.get_args(annotation)[0])]
    return []


def _message(error: ErrorDetails, loc: Loc) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        valid = _keys_at(Installation, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else f"; valid keys here: {', '.join(valid)}"
        return f"unknown key{hint}" if valid else "unknown key"
    if kind == "missing":
        return "required, but missing"
    text = error["msg"]
    if kind == "literal_error" and isinstance(error.get("input"), str):
        allowed = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
        close = difflib.get_close_matches(error["input"], allowed, n=1, cutoff=0.6)
        if close:
            return f"{text} (got {error['input']!r}; did you mean '{close[0]}'?)"
    if (
        kind not in ("value_error", "assertion_error")
        and "input" in error
        and not isinstance(error["input"], dict | list)
    ):
        text += f" (got {error['input']!r})"
    return text


def _issue(path: Path, lines: dict[Loc, int], error: ErrorDetails) -> ConfigIssue:
    loc: Loc = tuple(error["loc"]) + tuple((error.get("ctx") or {}).get("at", ()))
    if loc and loc[-1] == "[key]":
        loc = loc[:-1]
    return ConfigIssue(path, line_of(lines, loc), field_path(loc), _message(error, loc))


def parse_installation(text: str, path: Path) -> Installation:
    """Validate TOML ``text`` read from ``path`` (relative paths in it are taken from
    ``path``'s folder). Raises :class:`config.errors.ConfigFileError` with every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ConfigFileError(
            [ConfigIssue(path, int(match.group(1)) if match else None, "", f"invalid TOML: {exc}")]
        ) from exc
    try:
        return Installation.model_validate(data, context={"config_dir": path.parent})
    except ValidationError as exc:
        lines = field_lines(text)
        issues = [_issue(path, lines, error) for error in exc.errors()]
        raise ConfigFileError(sorted(issues, key=lambda i: (i.line or 0, i.field))) from exc


def load_installation(path: Path) -> Installation:
    """Read and validate the installation file ``path``; :class:`config.errors.ConfigFileError` on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError([ConfigIssue(path, None, "", f"cannot read the file: {exc}")]) from exc
    return parse_installation(text, path)
