"""The wire's models on their own: one model per command and cue, documented error codes,
finite numbers only, and the look's limits shared with the authored sequences."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from config.look import Look
from config.sequences import Step
from room import protocol as p
from room.protocol import ProtocolError, parse_cue, parse_request, request

DOCS = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def refused(body: bytes) -> ProtocolError:
    with pytest.raises(ProtocolError) as caught:
        parse_request(body)
    return caught.value


def test_each_command_is_its_own_model():
    _, command = parse_request(request("seek", {"frame": 12, "screens": ["left"]}, "a"))
    assert isinstance(command, p.Seek) and command.frame == 12 and command.screens == ["left"]
    _, command = parse_request(request("transition", {"mode": "split", "split": 1}, "b"))
    assert isinstance(command, p.Transition) and command.changes() == {"mode": "split", "split": 1.0}
    assert set(p.COMMANDS) == {
        "list", "status", "reload", "play", "stop", "pause", "resume", "seek", "transition", "wipe",
        "playlist", "report",
    }  # fmt: skip


def test_a_reveal_centre_given_as_a_json_list_is_taken():
    _, command = parse_request(request("transition", {"mode": "reveal", "centre": [0.3, 0.4]}, "c"))
    assert isinstance(command, p.Transition) and command.centre == (0.3, 0.4)
    assert refused(request("transition", {"mode": "reveal", "centre": ["0.3", 0.4]}, "d")).code == "bad_args"
    assert refused(request("transition", {"mode": "reveal", "centre": [0.3, 1.4]}, "e")).code == "bad_args"


@pytest.mark.parametrize(
    "body",
    [
        b'{"v": 1, "id": "n", "cmd": "wipe", "args": {"position": NaN}}',
        b'{"v": 1, "id": "n", "cmd": "wipe", "args": {"position": Infinity}}',
        b'{"v": 1, "id": "n", "cmd": "report", "args": {"status": {"screen": "left", "fps": -Infinity}}}',
    ],
)
def test_nan_and_infinity_are_not_json(body):
    error = refused(body)
    assert error.code == "bad_json" and "is not a JSON number" in str(error)


@pytest.mark.parametrize(
    ("cmd", "args", "field"),
    [
        ("wipe", {"position": 1e999}, "args.position"),
        ("report", {"status": {"screen": "left", "fps": 1e999}}, "args.status.fps"),
        ("report", {"status": {"screen": "left", "look": {"angle": -1e999}}}, "args.status.look.angle"),
    ],
)
def test_numbers_that_overflow_to_infinity_are_refused_naming_the_field(cmd, args, field):
    body = json.dumps({"v": 1, "id": "o", "cmd": cmd, "args": args}).replace("Infinity", "1e999").encode()
    error = refused(body)
    assert error.code == "bad_args" and str(error).startswith(field), str(error)


def test_a_deeply_nested_body_is_bad_json_not_a_crash():
    nested = b'{"v": 1, "id": "x", "cmd": "list", "args": {"a": ' + b"[" * 30_000 + b"]" * 30_000 + b"}}"
    assert len(nested) < p.MAX_MESSAGE_BYTES
    error = refused(nested)
    assert error.code == "bad_json" and "nested too deeply" in str(error)


def test_replies_carry_only_documented_codes():
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", DOCS.read_text(), re.MULTILINE))
    assert set(p.ERROR_CODES) <= documented
    assert json.loads(p.reply_error("r", "unknown_clip", "m"))["error"]["code"] == "unknown_clip"
    with pytest.raises(ValueError, match="code"):
        p.reply_error("r", "made_up", "m")  # type: ignore[arg-type]


def test_cues_are_typed_and_bad_ones_refused():
    cue = parse_cue(
        b'{"cmd": "transition", "screens": ["a"], "args": {"mode": "reveal", "centre": [0.2, 0.3]}, "at": 1.5}'
    )
    assert isinstance(cue, p.TransitionCue) and cue.args.applied_to(Look()).centre == (0.2, 0.3)
    with pytest.raises(ValueError):
        parse_cue(b'{"cmd": "dance", "screens": ["a"], "args": {}, "at": 1.0}')
    with pytest.raises(ValueError):
        parse_cue(b'{"cmd": "wipe", "screens": ["a"], "args": {"position": NaN, "angle": 0}, "at": 1.0}')


def test_authored_steps_and_the_operators_commands_share_the_looks_limits():
    for angle, ok in ((90.0, True), (-90.0, True), (90.5, False)):
        body = request("transition", {"mode": "wipe", "angle": angle}, "t")
        if ok:
            parse_request(body)
            assert Step(at=0.0, mode="wipe", angle=angle).look().angle == angle
        else:
            assert refused(body).code == "bad_args"
            with pytest.raises(ValueError):
                Step(at=0.0, mode="wipe", angle=angle)
    assert refused(request("wipe", {"position": 0.5, "angle": 91}, "w")).code == "bad_args"
    with pytest.raises(ValueError):
        Look(angle=120.0)
