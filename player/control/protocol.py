"""The control protocol, version 1: JSON requests and replies over ZeroMQ (docs/protocol.md).

A request is ``{"v": 1, "id": "...", "cmd": "...", "args": {...}}``; every request gets one
reply, ``{"v": 1, "id": "...", "ok": true, "data": {...}}`` or
``{"v": 1, "id": "...", "ok": false, "error": {"code": "...", "message": "..."}}``, where the
code is one of :data:`ERROR_CODES` and the message names the field.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from player.looks import Mode
from player.status import PlayerStatus

VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024
"""Larger requests are refused unread (``too_large``)."""
ERROR_CODES = (
    "bad_json", "bad_request", "unsupported_version", "unknown_command", "bad_args",
    "unknown_clip", "unknown_screen", "bad_config", "too_large", "unreachable", "internal",
)  # fmt: skip

ScreenIds = list[str] | None
"""Screens a command is for; ``None`` (or left out): every screen."""


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class NoArgs(_Args):
    """``list``, ``status``, ``reload``."""


class Screens(_Args):
    """``stop``, ``pause``, ``resume``: on some screens or all."""

    screens: ScreenIds = None


class Play(Screens):
    """Play ``clip`` from ``frame``."""

    clip: str = Field(min_length=1, max_length=64)
    frame: int = Field(0, ge=0)


class Seek(Screens):
    """Jump to ``frame``."""

    frame: int = Field(ge=0)


class Transition(Screens):
    """Ease to ``mode`` with its parameters (see :class:`player.looks.Look`; unset ones keep
    their value)."""

    mode: Mode
    position: float | None = Field(None, ge=0.0, le=1.0)
    angle: float | None = Field(None, ge=-90.0, le=90.0)
    fade: float | None = Field(None, ge=0.0, le=1.0)
    split: float | None = Field(None, ge=0.0, le=1.0)
    centre: tuple[float, float] | None = None
    radius: float | None = Field(None, ge=0.0, le=2.0)


class Wipe(Screens):
    """Move the wipe divider now, as a finger does (live dragging)."""

    position: float = Field(ge=0.0, le=1.0)
    angle: float = Field(0.0, ge=-90.0, le=90.0)


class Playlist(_Args):
    """Set the attract loop, and switch it on or off."""

    clips: list[str] = Field(max_length=1000)
    attract: bool = True


class Report(_Args):
    """A screen's own status (players send it about once a second)."""

    status: PlayerStatus


COMMANDS: dict[str, type[_Args]] = {
    "list": NoArgs, "status": NoArgs, "reload": NoArgs,
    "play": Play, "stop": Screens, "pause": Screens, "resume": Screens, "seek": Seek,
    "transition": Transition, "wipe": Wipe, "playlist": Playlist, "report": Report,
}  # fmt: skip


class Request(BaseModel):
    """The envelope of every request."""

    model_config = ConfigDict(extra="forbid", strict=True)

    v: int
    id: str = Field(min_length=1, max_length=64)
    cmd: str = Field(min_length=1, max_length=32)
    args: dict[str, Any] = Field(default_factory=dict)


class ProtocolError(Exception):
    """A request that cannot be carried out: ``code`` from :data:`ERROR_CODES`, a message that
    names the field, and the request's id where it could be read."""

    def __init__(self, code: str, message: str, request_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.request_id = request_id


def _first_error(exc: ValidationError, prefix: str) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in (prefix, *error["loc"]) if part != "")
    return f"{where}: {error['msg']}" if where else error["msg"]


def parse_request(raw: bytes) -> tuple[Request, _Args]:
    """The envelope and its validated arguments; :class:`ProtocolError` otherwise."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ProtocolError("too_large", f"the request is {len(raw)} bytes; the limit is {MAX_MESSAGE_BYTES}")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError("bad_json", f"the request is not JSON: {exc}") from None
    request_id = body.get("id") if isinstance(body, dict) and isinstance(body.get("id"), str) else None
    if not isinstance(body, dict):
        raise ProtocolError("bad_request", "the request must be a JSON object")
    try:
        request = Request.model_validate(body)
    except ValidationError as exc:
        raise ProtocolError("bad_request", _first_error(exc, ""), request_id) from None
    if request.v != VERSION:
        raise ProtocolError("unsupported_version", f"v: this conductor speaks version {VERSION}", request.id)
    if request.cmd not in COMMANDS:
        known = ", ".join(sorted(COMMANDS))
        raise ProtocolError("unknown_command", f"cmd: no command {request.cmd!r}; known: {known}", request.id)
    try:
        args = COMMANDS[request.cmd].model_validate(request.args)
    except ValidationError as exc:
        raise ProtocolError("bad_args", _first_error(exc, "args"), request.id) from None
    return request, args


def reply_ok(request_id: str, data: dict[str, Any]) -> bytes:
    """A success reply."""
    return json.dumps({"v": VERSION, "id": request_id, "ok": True, "data": data}).encode()


def reply_error(request_id: str | None, code: str, message: str) -> bytes:
    """An error reply (``id`` null where the request's could not be read)."""
    error = {"code": code, "message": message}
    return json.dumps({"v": VERSION, "id": request_id, "ok": False, "error": error}).encode()


def request(cmd: str, args: dict[str, Any], request_id: str) -> bytes:
    """A request, as a client sends it."""
    return json.dumps({"v": VERSION, "id": request_id, "cmd": cmd, "args": args}).encode()
