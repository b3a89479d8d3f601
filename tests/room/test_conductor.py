"""The conductor on real ZeroMQ sockets on 127.0.0.1: every command answered, bad requests get
errors naming the field, late subscribers get the state at once, clients retry, and a fuzz of
random and mutated messages never stops it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import zmq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content.importer import add_scan
from content.library import Library
from room.client import Client, ConductorUnreachable, SecurityError
from room.conductor import Conductor
from room.protocol import MAX_MESSAGE_BYTES, request
from tests.room.running import Running, site


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, scan: Path) -> Path:
    root = tmp_path_factory.mktemp("conductor") / "library"
    add_scan(Library.create(root), scan, "relay", "Relay race", 1912)
    return root


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory, library: Path) -> Iterator[Running]:
    server = Running(site(tmp_path_factory.mktemp("fuzz"), library))
    yield server
    assert Client(server.command).call("status")["ok"]
    server.close()


@pytest.fixture
def running(tmp_path: Path, library: Path) -> Iterator[Running]:
    server = Running(site(tmp_path, library))
    yield server
    server.close()


def raw_call(endpoint: str, body: bytes, timeout_ms: int = 2000) -> dict | None:
    sock = zmq.Context.instance().socket(zmq.REQ)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(endpoint)
    try:
        sock.send(body)
        return json.loads(sock.recv()) if sock.poll(timeout_ms) else None
    finally:
        sock.close()


def test_every_command_is_answered(running: Running) -> None:
    client = Client(running.command)
    clips = client.call("list")["data"]["clips"]
    assert [(c["id"], c["title"], c["year"], c["frames"]) for c in clips] == [
        ("relay", "Relay race", 1912, 12)
    ]
    assert clips[0]["duration_s"] == pytest.approx(12 / 18, abs=1e-3)
    assert client.call("play", clip="relay", screens=["left"])["data"]["screens"] == ["left"]
    for cmd, args in [("pause", {}), ("resume", {}), ("seek", {"frame": 5}), ("wipe", {"position": 0.3}),
                      ("transition", {"mode": "split", "split": 1}), ("playlist", {"clips": ["relay"]}),
                      ("stop", {"screens": ["right"]}), ("reload", {})]:  # fmt: skip
        reply = client.call(cmd, **args)
        assert reply["ok"], (cmd, reply)
    status = client.call("status")["data"]
    left, right = status["screens"]["left"], status["screens"]["right"]
    assert left["wanted"]["clip"] == "relay" and right["wanted"]["clip"] is None
    assert left["wanted"]["look"]["mode"] == "split" and left["wanted"]["look"]["split"] == 1.0
    assert not left["connected"] and status["playlist"] == ["relay"]
    client.close()


@pytest.mark.parametrize(
    ("body", "code", "names"),
    [
        (b"{not json", "bad_json", "not JSON"),
        (b"[1, 2]", "bad_request", "JSON object"),
        (request("play", {}, "r1").replace(b'"v": 1', b'"v": 9'), "unsupported_version", "v:"),
        (json.dumps({"v": 1, "cmd": "status"}).encode(), "bad_request", "id"),
        (request("dance", {}, "r2"), "unknown_command", "cmd: no command 'dance'"),
        (request("seek", {"frame": "ten"}, "r3"), "bad_args", "args.frame"),
        (request("seek", {"frame": 3, "speed": 2}, "r4"), "bad_args", "args.speed"),
        (request("play", {"clip": "nope"}, "r5"), "unknown_clip", "args.clip: no clip 'nope'"),
        (request("pause", {"screens": ["centre"]}, "r6"), "unknown_screen", "'centre'"),
        (request("wipe", {"position": 1.5}, "r7"), "bad_args", "args.position"),
        (request("list", {"pad": "x" * (MAX_MESSAGE_BYTES + 10)}, "r8"), "too_large", "limit"),
    ],
)
def test_a_bad_request_gets_an_error_naming_the_field(
    running: Running, body: bytes, code: str, names: str
) -> None:
    reply = raw_call(running.command, body)
    assert reply is not None and reply["ok"] is False
    assert reply["error"]["code"] == code and names in reply["error"]["message"]
    assert Client(running.command).call("status")["ok"]  # and everyone else is still served


def test_a_late_subscriber_gets_the_state_at_once_and_cues_follow(running: Running) -> None:
    sub = zmq.Context.instance().socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(running.publish)
    try:
        # the heartbeat is a minute away: only the subscription itself can bring the state
        assert sub.poll(3000), "no state for a subscriber that joined late"
        topic, body = sub.recv_multipart()
        assert topic == b"state" and set(json.loads(body)["screens"]) == {"left", "right"}
        Client(running.command).call("wipe", position=0.25, angle=12, screens=["right"])
        deadline = time.monotonic() + 3
        cue = None
        while time.monotonic() < deadline and cue is None:
            if sub.poll(100):
                topic, body = sub.recv_multipart()
                cue = json.loads(body) if topic == b"cue" else None
        assert cue is not None and cue["cmd"] == "wipe" and cue["screens"] == ["right"]
        assert cue["args"] == {"position": 0.25, "angle": 12}
    finally:
        sub.close()


def test_a_reporting_screen_shows_as_connected(running: Running) -> None:
    client = Client(running.command)
    status = {"screen": "left", "state": "playing", "clip": "relay", "frame": 7, "fps": 18.0, "dropped": 1}
    assert client.call("report", status=status)["ok"]
    left = client.call("status")["data"]["screens"]["left"]
    assert left["connected"] and left["frame"] == 7 and left["dropped"] == 1
    assert not client.call("status")["data"]["screens"]["right"]["connected"]


def test_a_client_picks_up_a_conductor_that_starts_late(tmp_path: Path, library: Path) -> None:
    config = site(tmp_path, library)
    from config.load import load_installation

    command = load_installation(config).conductor.command
    client = Client(command, timeout_s=0.3, retries=1)
    with pytest.raises(ConductorUnreachable, match="no reply to 'status' after 2 tries"):
        client.call("status")
    starter = threading.Timer(0.5, lambda: servers.append(Running(config)))
    servers: list[Running] = []
    starter.start()
    try:
        patient = Client(command, timeout_s=0.3, retries=20)
        assert patient.call("status")["ok"]
    finally:
        starter.join()
        for server in servers:
            server.close()


def test_a_conductor_beyond_loopback_without_curve_refuses_to_start(tmp_path: Path, library: Path) -> None:
    with pytest.raises(SecurityError, match=r"must require CURVE keys; name the key files in \[security\]"):
        Conductor(site(tmp_path, library, host="0.0.0.0"))


def test_curve_serves_allowed_keys_and_refuses_unknown_ones(tmp_path: Path, library: Path) -> None:
    import zmq.auth

    from config.load import load_installation
    from room.client import ClientKeys, client_keys

    keys = tmp_path / "keys"
    made = subprocess.run([sys.executable, "-m", "mutoscope", "keys", "generate", str(keys), "--client", "tablet"],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert made.returncode == 0, made.stderr
    config = site(tmp_path, library, host="0.0.0.0", security=made.stdout)  # the [security] it prints
    server = Running(config)  # bound to every interface, with CURVE: it starts
    try:
        command = server.command.replace("0.0.0.0", "127.0.0.1")
        allowed = client_keys(load_installation(config))
        assert allowed is not None
        assert Client(command, keys=allowed).call("status")["ok"]
        _, stranger = zmq.auth.create_certificates(str(tmp_path), "stranger")
        public, secret = zmq.auth.load_certificate(stranger)
        unknown = ClientKeys(allowed.server_public, public, secret)
        with pytest.raises(ConductorUnreachable):
            Client(command, keys=unknown, timeout_s=0.5, retries=1).call("status")
        with pytest.raises(ConductorUnreachable):
            Client(command, timeout_s=0.5, retries=1).call("status")  # no CURVE at all
        assert Client(command, keys=allowed).call("status")["ok"]  # and the allowed one still is
    finally:
        server.close()


def test_send_prints_the_reply_as_json(running: Running) -> None:
    config = running.conductor.config_path
    run = subprocess.run([sys.executable, "-m", "mutoscope", "send", "--config", str(config), "play", "clip=relay"],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["data"]["screens"] == ["left", "right"]
    run = subprocess.run([sys.executable, "-m", "mutoscope", "send", "--config", str(config), "seek", "frame=-3"],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 1 and json.loads(run.stdout)["error"]["code"] == "bad_args"
    run = subprocess.run([sys.executable, "-m", "mutoscope", "send", "--config", str(config), "wipe", "position=NaN"],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert json.loads(run.stdout)["error"]["code"] == "bad_args"  # NaN is no number: the text "NaN"


VALID = [
    request(c, a, "f") for c, a in [("status", {}), ("play", {"clip": "relay"}), ("wipe", {"position": 0.5})]
]


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.binary(max_size=300),
        st.sampled_from(VALID).flatmap(
            lambda v: st.tuples(st.just(v), st.integers(0, len(v) - 1), st.binary(min_size=1, max_size=4))
        ).map(lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + len(t[2]) :]),
        st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                     max_leaves=12).map(lambda v: json.dumps(v).encode()),
    )
)  # fmt: skip
def test_fuzzed_messages_always_get_a_reply_and_never_stop_it(fuzz_target: Running, body: bytes) -> None:
    reply = raw_call(fuzz_target.command, body)
    assert reply is not None, f"no reply to {body!r}"
    assert reply["v"] == 1 and isinstance(reply["ok"], bool)
    if not reply["ok"]:
        assert reply["error"]["code"] != "internal", reply
    fuzz_target.sent += 1
    if fuzz_target.sent % 250 == 0:  # after each batch, a valid request is still served
        assert Client(fuzz_target.command).call("status")["ok"]


def test_the_conductor_still_answers_after_a_flood_of_garbage(running: Running) -> None:
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(running.command)
    for i in range(2000):
        sock.send_multipart([b"", bytes([i % 256]) * (i % 50)])
    answered = 0
    while sock.poll(1000):
        sock.recv_multipart()
        answered += 1
    sock.close()
    assert answered == 2000
    assert Client(running.command).call("status")["ok"]


def test_every_new_subscriber_gets_the_state_at_once_even_on_topics_already_taken(running: Running) -> None:
    subscribers = []
    try:
        for _ in range(3):  # the heartbeat is a minute away: only each subscription brings the state
            sub = zmq.Context.instance().socket(zmq.SUB)
            sub.setsockopt(zmq.LINGER, 0)
            sub.setsockopt(zmq.SUBSCRIBE, b"state")
            sub.connect(running.publish)
            subscribers.append(sub)
            assert sub.poll(1000), f"subscriber {len(subscribers)} waited for its first state"
            topic, _ = sub.recv_multipart()
            assert topic == b"state"
    finally:
        for sub in subscribers:
            sub.close()
