"""The installation schema: screens, conductor endpoints, security, schedule, engine presets.

One TOML file describes one installation; every PC in it reads the same file. Paths in it are
relative to the file's folder. See ``docs/configuration.md`` and ``config/examples/``.
"""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from config.errors import UnknownName
from config.presets import BUILTIN_PRESETS, Preset
from config.sequences import DEFAULT_SEQUENCE, PlayerSettings, Step
from config.strict import StrictModel

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
"""A screen or clip id: lower-case letters, digits, '-' and '_'."""


def _relative_to_config(value: Path, info: ValidationInfo) -> Path:
    base = (info.context or {}).get("config_dir")
    return value if value.is_absolute() or base is None else Path(os.path.normpath(Path(base) / value))


ConfigPath = Annotated[Path, Field(strict=False), AfterValidator(_relative_to_config)]
"""A path; relative ones are taken from the config file's folder."""


def _zmq_endpoint(value: str) -> str:
    if not re.fullmatch(
        r"(tcp://(\*|[A-Za-z0-9_.-]+|\[[0-9a-fA-F:]+\]):[0-9]{1,5}|ipc://.+|inproc://.+)", value
    ):
        raise PydanticCustomError(
            "zmq_endpoint", "expected a ZeroMQ endpoint like 'tcp://127.0.0.1:5555' or 'ipc:///run/x'"
        )
    return value


Endpoint = Annotated[str, AfterValidator(_zmq_endpoint)]


class ScreenOutput(StrictModel):
    """One screen: which output of which PC shows it, and at what size."""

    id: Name
    output: int | str = Field(0, description="monitor index (0 = first) or connector name, e.g. 'HDMI-1'")
    resolution: Annotated[
        tuple[Annotated[int, Field(gt=0)], Annotated[int, Field(gt=0)]], Field(strict=False)
    ] = (1920, 1080)
    fullscreen: bool = True
    host: str = Field("localhost", min_length=1, description="host name of the PC that drives it")
    caption: bool = Field(True, description="show each clip's title and year")


class ConductorEndpoints(StrictModel):
    """Where the conductor listens: ZeroMQ command (ROUTER) and publish (XPUB) sockets, and the
    tablet page's web server."""

    command: Endpoint = "tcp://127.0.0.1:5555"
    publish: Endpoint = "tcp://127.0.0.1:5556"
    web_host: str = "127.0.0.1"
    web_port: int = Field(8080, ge=1, le=65535)

    @model_validator(mode="after")
    def _distinct_sockets(self) -> ConductorEndpoints:
        if self.command == self.publish:
            raise PydanticCustomError("same_endpoint", "command and publish must be different endpoints")
        return self


class Security(StrictModel):
    """CURVE keys (files made by ``mutoscope keys generate``) and the tablet page's PIN."""

    server_key: ConfigPath | None = Field(None, description="the conductor's secret key file")
    client_key: ConfigPath | None = Field(None, description="this installation's client secret key file")
    authorized_keys: ConfigPath | None = Field(None, description="folder of allowed client public keys")
    pin: str | None = Field(None, pattern=r"^[0-9]{4,8}$", description="4 to 8 digits")


def _time_range(value: str) -> str:
    match = re.fullmatch(r"([0-2][0-9]):([0-5][0-9])-([0-2][0-9]):([0-5][0-9])", value)
    if not match:
        raise PydanticCustomError("time_range", "expected opening hours like '09:30-17:00'")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or (h2 == 24 and m2) or (h1, m1) >= (h2, m2):
        raise PydanticCustomError("time_range", "opening must come before closing, within 00:00-24:00")
    return value


TimeRange = Annotated[str, AfterValidator(_time_range)]


class Schedule(StrictModel):
    """When the installation is open and what the screens do.

    ``hours`` maps weekdays to opening ranges; a day not listed is closed. With no ``hours`` at
    all the installation is always open. ``attract_playlist`` names clips played in a loop while
    nobody interacts; ``when_closed`` is what the screens show outside opening hours.
    """

    timezone: str | None = Field(None, description="IANA zone, e.g. 'Europe/Paris'; default: the PC's")
    hours: dict[Weekday, list[TimeRange]] | None = None
    attract_playlist: list[Name] = Field(default_factory=list)
    when_closed: Literal["black", "poster", "attract", "off"] = "black"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise PydanticCustomError("timezone", "unknown IANA time zone") from exc
        return value

    def opening_hours(self, day: Weekday) -> list[tuple[time, time]]:
        """The ranges ``[(open, close), ...]`` for ``day`` (close may be 24:00 as ``time.max``)."""
        if self.hours is None:
            return [(time.min, time.max)]
        ranges = []
        for text in self.hours.get(day, []):
            start, end = text.split("-")
            close = time.max if end == "24:00" else time.fromisoformat(end)
            ranges.append((time.fromisoformat(start), close))
        return ranges


class Installation(StrictModel):
    """A whole installation: its library, screens, conductor, security, schedule and presets.

    ``presets`` adds to or replaces the built-in ``gentle``, ``standard`` and ``strong``;
    ``sequences`` maps clip ids (or ``default``) to authored before/after sequences.
    """

    name: str = Field(min_length=1)
    library: ConfigPath
    screens: list[ScreenOutput] = Field(min_length=1)
    conductor: ConductorEndpoints = ConductorEndpoints()
    security: Security = Security()
    schedule: Schedule = Schedule()
    presets: dict[Name, Preset] = Field(default_factory=dict)
    player: PlayerSettings = PlayerSettings()
    sequences: dict[Name, list[Step]] = Field(default_factory=dict)

    @field_validator("screens")
    @classmethod
    def _unique_screen_ids(cls, screens: list[ScreenOutput]) -> list[ScreenOutput]:
        first: dict[str, int] = {}
        for index, screen in enumerate(screens):
            if screen.id in first:
                raise PydanticCustomError(
                    "duplicate_id",
                    "duplicate screen id '{id}' (also used by screens[{first}])",
                    {"id": screen.id, "first": first[screen.id], "at": (index, "id")},
                )
            first[screen.id] = index
        return screens

    def screen(self, screen_id: str) -> ScreenOutput:
        """The screen with this id; :class:`config.errors.UnknownName` listing the known ids."""
        for screen in self.screens:
            if screen.id == screen_id:
                return screen
        raise UnknownName(f"no screen {screen_id!r}; this installation has {[s.id for s in self.screens]}")

    def sequence(self, clip_id: str) -> tuple[Step, ...]:
        """The authored steps for ``clip_id``, sorted by time: its own, else ``default``, else
        the built-in :data:`config.sequences.DEFAULT_SEQUENCE`."""
        steps = self.sequences.get(clip_id) or self.sequences.get("default") or DEFAULT_SEQUENCE
        return tuple(sorted(steps, key=lambda step: step.at))

    def preset(self, name: str) -> Preset:
        """The preset ``name``, from this file or built in; :class:`config.errors.UnknownName`
        listing the known ones."""
        presets = {**BUILTIN_PRESETS, **self.presets}
        if name not in presets:
            raise UnknownName(f"no preset {name!r}; known presets: {', '.join(sorted(presets))}")
        return presets[name]
