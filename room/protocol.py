"""The control protocol, version 1: every message of the wire as one typed model (docs/protocol.md).

A request is ``{"v": 1, "id": "...", "cmd": "...", "args": {...}}``; each command is its own
model, told apart by ``cmd``. Every request gets one reply, ``{"v": 1, "id": "...", "ok": true,
"data": {...}}`` or ``{"v": 1, "id": "...", "ok": false, "error": {"code": "...", "message":
"..."}}``, where the code is an :data:`ErrorCode` and the message names the field. The conductor
publishes ``state`` (:class:`RoomState`) and ``cue`` messages (one model per cue). Numbers on the
wire are finite: ``NaN`` and ``Infinity`` are refused wherever they come.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from config.look import Angle, Look, LookChange, Unit

VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024
"""Larger requests are refused unread (``too_large``)."""

ErrorCode = Literal[
    "bad_json", "bad_request", "unsupported_version", "unknown_command", "bad_args",
    "unknown_clip", "unknown_screen", "bad_config", "too_large", "unreachable", "internal",
]  # fmt: skip
"""Every error code a reply may carry (docs/protocol.md lists them)."""
ERROR_CODES: tuple[str, ...] = get_args(ErrorCode)


class RoomError(Exception):
    """The base of every error of the room (the conductor, its clients, the page's bridge)."""


class ProtocolError(RoomError):
    """A request that cannot be carried out: an :data:`ErrorCode`, a message that names the field,
    and the request's id where it could be read."""

    def __init__(self, code: ErrorCode, message: str, request_id: str | None = None) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.request_id = request_id


class Wire(BaseModel):
    """A message on the wire: unknown fields refused, types strict, numbers finite."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


ScreenIds = list[str] | None
"""Screens a command is for; ``None`` (or left out): every screen."""

# ---- what a screen reports


class PlayerStatus(Wire):
    """A snapshot of one screen.

    ``frame`` is the index on screen; ``fps`` the frames presented per second over the last
    second; ``shown`` and ``dropped`` count frames of the current clip presented and skipped
    because they were late; ``errors`` holds the latest problems (newest last).
    """

    screen: str
    state: Literal["starting", "playing", "paused", "slate", "idle"] = "starting"
    clip: str | None = None
    title: str | None = None
    frame: int = -1
    frame_count: int = 0
    fps: float = 0.0
    shown: int = 0
    dropped: int = 0
    look: Look = Field(default_factory=Look)
    interacting: bool = False
    errors: list[str] = Field(default_factory=list)


# ---- commands: one model each, told apart by ``cmd``


class Command(Wire):
    """A request's command and its arguments."""


class ListClips(Command):
    """The library's clips."""

    cmd: Literal["list"] = "list"


class Status(Command):
    """Every screen and the attract loop."""

    cmd: Literal["status"] = "status"


class Reload(Command):
    """Read the installation file and the library again."""

    cmd: Literal["reload"] = "reload"


class ForScreens(Command):
    """A command for some screens (``screens``) or all."""

    screens: ScreenIds = None


class Play(ForScreens):
    """Play ``clip`` from ``frame``."""

    cmd: Literal["play"] = "play"
    clip: str = Field(min_length=1, max_length=64)
    frame: int = Field(0, ge=0)


class Stop(ForScreens):
    """Stop the clip; the screens go back to their attract loop."""

    cmd: Literal["stop"] = "stop"


class Pause(ForScreens):
    """Hold the frame on screen."""

    cmd: Literal["pause"] = "pause"


class Resume(ForScreens):
    """Go on from the held frame."""

    cmd: Literal["resume"] = "resume"


class Seek(ForScreens):
    """Jump to ``frame``."""

    cmd: Literal["seek"] = "seek"
    frame: int = Field(ge=0)


class Transition(ForScreens, LookChange):
    """Ease to ``mode`` with its parameters (:class:`config.look.Look`; unset ones keep their
    value)."""

    cmd: Literal["transition"] = "transition"


class Wipe(ForScreens):
    """Move the wipe divider now, as a finger does (live dragging)."""

    cmd: Literal["wipe"] = "wipe"
    position: Unit
    angle: Angle = 0.0


class SetPlaylist(Command):
    """Set the attract loop (``clips``; empty: every clip), and switch it on or off."""

    cmd: Literal["playlist"] = "playlist"
    clips: list[str] = Field(max_length=1000)
    attract: bool = True


class Report(Command):
    """A screen's own status (players send it about once a second)."""

    cmd: Literal["report"] = "report"
    status: PlayerStatus


AnyCommand = Annotated[
    ListClips
    | Status
    | Reload
    | Play
    | Stop
    | Pause
    | Resume
    | Seek
    | Transition
    | Wipe
    | SetPlaylist
    | Report,
    Field(discriminator="cmd"),
]
_COMMAND: TypeAdapter[AnyCommand] = TypeAdapter(AnyCommand)
COMMANDS: tuple[str, ...] = tuple(
    model.model_fields["cmd"].default for model in get_args(get_args(AnyCommand)[0])
)
"""Every command's name."""


class Request(Wire):
    """The envelope of every request."""

    v: int
    id: str = Field(min_length=1, max_length=64)
    cmd: str = Field(min_length=1, max_length=32)
    args: dict[str, Any] = Field(default_factory=dict)


# ---- replies


class ClipEntry(Wire):
    """One clip of ``list``: ``fps`` as a fraction string, ``poster`` relative to the library."""

    id: str
    title: str
    year: int | None
    frames: int
    fps: str
    duration_s: float
    poster: str


class ClipList(Wire):
    """The reply to ``list``."""

    clips: list[ClipEntry]


class Wanted(Wire):
    """What the conductor last asked of a screen."""

    clip: str | None = None
    paused: bool = False
    look: Look = Field(default_factory=Look)


class ScreenState(PlayerStatus):
    """A screen as the room sees it: its last report (defaults until one comes), whether reports
    arrive (``connected``) and what the conductor last asked of it (``wanted``)."""

    connected: bool = False
    wanted: Wanted = Field(default_factory=Wanted)


class RoomState(Wire):
    """The reply to ``status`` and the body of every ``state`` message: conductor time
    (seconds since it started), every screen, the attract loop."""

    time: float
    screens: dict[str, ScreenState]
    playlist: list[str]
    attract: bool


class Cued(Wire):
    """The reply to a command that acts on screens: which ones, and the cue's conductor time."""

    screens: list[str]
    at: float


class PlaylistSet(Wire):
    """The reply to ``playlist``."""

    playlist: list[str]
    attract: bool
    at: float


class Reloaded(Wire):
    """The reply to ``reload``."""

    screens: list[str]
    clips: int


class Reported(Wire):
    """The reply to ``report``: conductor time."""

    time: float


ReplyData = ClipList | RoomState | Cued | PlaylistSet | Reloaded | Reported


class ErrorBody(Wire):
    """What went wrong: a documented code and a message that names the field."""

    code: ErrorCode
    message: str


class ErrorReply(Wire):
    """The envelope of an error reply (a success reply is ``{"v", "id", "ok": true, "data"}``
    around one of the reply models above)."""

    v: int = VERSION
    id: str | None
    ok: Literal[False] = False
    error: ErrorBody


# ---- cues


class Cue(Wire):
    """What screens are to do: ``at`` is the conductor time it was made for (screens act on a cue
    when it arrives; they do not wait for ``at`` yet)."""

    screens: list[str]
    at: float


class CueAddress(BaseModel):
    """Just whom a cue is for, read before the rest (a screen skips other screens' cues unread)."""

    model_config = ConfigDict(extra="ignore")

    screens: list[str]


class NoArgs(Wire):
    """The arguments of a cue that takes none."""


class PlayArgs(Wire):
    clip: str
    frame: int = Field(ge=0)


class SeekArgs(Wire):
    frame: int = Field(ge=0)


class WipeArgs(Wire):
    position: Unit
    angle: Angle


class PlaylistArgs(Wire):
    clips: list[str]
    attract: bool


class PlayCue(Cue):
    cmd: Literal["play"] = "play"
    args: PlayArgs


class StopCue(Cue):
    cmd: Literal["stop"] = "stop"
    args: NoArgs = Field(default_factory=NoArgs)


class PauseCue(Cue):
    cmd: Literal["pause"] = "pause"
    args: NoArgs = Field(default_factory=NoArgs)


class ResumeCue(Cue):
    cmd: Literal["resume"] = "resume"
    args: NoArgs = Field(default_factory=NoArgs)


class SeekCue(Cue):
    cmd: Literal["seek"] = "seek"
    args: SeekArgs


class TransitionCue(Cue):
    cmd: Literal["transition"] = "transition"
    args: LookChange


class WipeCue(Cue):
    cmd: Literal["wipe"] = "wipe"
    args: WipeArgs


class PlaylistCue(Cue):
    cmd: Literal["playlist"] = "playlist"
    args: PlaylistArgs


AnyCue = Annotated[
    PlayCue | StopCue | PauseCue | ResumeCue | SeekCue | TransitionCue | WipeCue | PlaylistCue,
    Field(discriminator="cmd"),
]
_CUE: TypeAdapter[AnyCue] = TypeAdapter(AnyCue)

# ---- reading and writing


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)  # made once: json.loads makes one a call


def loads(raw: bytes | str) -> Any:
    """JSON as the wire allows it: ``NaN``/``Infinity`` refused (``ValueError``), text that is not
    UTF-8 refused (``UnicodeDecodeError``), nesting too deep for the parser (``RecursionError``)."""
    return _DECODER.decode(raw.decode() if isinstance(raw, bytes) else raw)


def dumps(value: BaseModel | dict[str, Any]) -> bytes:
    """A model (whose numbers are finite by construction) or a dict as wire JSON; a dict with a
    non-finite number is a ``ValueError``."""
    if isinstance(value, BaseModel):
        return value.model_dump_json().encode()
    return json.dumps(value, allow_nan=False).encode()


def _first_error(exc: ValidationError, prefix: str) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in (prefix, *error["loc"]) if part != "")
    return f"{where}: {error['msg']}" if where else error["msg"]


def parse_request(raw: bytes) -> tuple[Request, AnyCommand]:
    """The envelope and its command; :class:`ProtocolError` otherwise."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ProtocolError("too_large", f"the request is {len(raw)} bytes; the limit is {MAX_MESSAGE_BYTES}")
    try:
        body = loads(raw)
    except RecursionError:
        raise ProtocolError("bad_json", "the request is nested too deeply to read") from None
    except (UnicodeDecodeError, ValueError) as exc:
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
    if "cmd" in request.args:
        raise ProtocolError("bad_args", "args.cmd: Extra inputs are not permitted", request.id)
    try:
        command = _COMMAND.validate_python({**request.args, "cmd": request.cmd})
    except ValidationError as exc:
        raise ProtocolError("bad_args", _first_error(exc, "args").replace(f"args.{request.cmd}.", "args.", 1),
                            request.id) from None  # fmt: skip
    return request, command


def parse_cue(raw: bytes) -> AnyCue:
    """One cue as the conductor publishes it (``ValueError`` or ``ValidationError`` otherwise)."""
    return _CUE.validate_python(loads(raw))


def reply_ok(request_id: str, data: ReplyData) -> bytes:
    """A success reply."""
    head = json.dumps({"v": VERSION, "id": request_id, "ok": True}, separators=(",", ":"))
    return f'{head[:-1]},"data":{data.model_dump_json()}}}'.encode()


def reply_error(request_id: str | None, code: ErrorCode, message: str) -> bytes:
    """An error reply (``id`` null where the request's could not be read)."""
    return dumps(ErrorReply(id=request_id, error=ErrorBody(code=code, message=message)))


def request(cmd: str, args: dict[str, Any], request_id: str) -> bytes:
    """A request, as a client sends it (the conductor checks it)."""
    return dumps({"v": VERSION, "id": request_id, "cmd": cmd, "args": args})
