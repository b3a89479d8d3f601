"""The director's arbitration without a window: the authored sequence, the visitor's finger and
its spring-back, and the operator's look that stands until the clip ends."""

from __future__ import annotations

import pytest

from config.look import Look, LookChange
from content.library import Library
from content.testcard import add_coded_clip
from player.director import Director
from player.show import Show
from tests.player.conftest import ManualClock

SEQUENCE = """
[[sequences.default]]
at = 0.0
mode = "wipe"
position = 0.5
duration = 0.0

[[sequences.default]]
at = 0.4
mode = "crossfade"
duration = 0.2
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    library = Library.create(tmp_path_factory.mktemp("director") / "lib")
    add_coded_clip(library, "coded")
    return library


@pytest.fixture
def room(library: Library):
    from config.load import parse_installation

    installation = parse_installation(
        INSTALLATION.format(library=library.root) + SEQUENCE, library.root.parent / "site.toml"
    )
    clock = ManualClock()
    show = Show(installation, "test", library, clock)
    director = Director(installation, show, clock)
    show.interacting = director.interacting
    yield show, director, clock
    show.close()


INSTALLATION = """\
name = "Test"
library = "{library}"

[[screens]]
id = "test"
fullscreen = false

[player]
idle_seconds = 1.0
spring_seconds = 0.3
"""


def test_the_authored_sequence_plays_step_by_step(room):
    show, director, _clock = room
    show.play("coded")
    start = show.timeline.start_time
    assert director.look(start) == Look(mode="wipe", position=0.5, handle=1.0)
    assert director.look(start + 0.39).mode == "wipe"
    director.look(start + 0.4)  # the crossfade step begins: it eases through the neutral look
    assert director.look(start + 0.5) == Look(mode="crossfade", fade=0.0)
    assert director.look(start + 0.6) == Look(mode="crossfade", fade=1.0)


def test_a_finger_moves_the_wipe_and_it_springs_back_to_the_sequence(room):
    show, director, clock = room
    show.play("coded")
    clock.time = show.timeline.start_time
    director.look(clock.time)
    director.touch(0.2, 0.5)
    assert director.look(clock.time).position == pytest.approx(0.2) and director.interacting()
    clock.time += 0.2
    director.release()
    assert director.interacting()  # for idle_seconds after the finger lifts
    clock.time += 0.12
    assert 0.5 < director.look(clock.time).position < 0.55  # a gentle overshoot
    clock.time += 0.2
    assert director.look(clock.time).position == pytest.approx(0.5)
    clock.time += 1.0
    assert not director.interacting()


def test_the_operators_look_stands_through_seeks_and_ends_with_the_clip(room):
    show, director, clock = room
    show.play("coded")
    clock.time = show.timeline.start_time
    director.transition_to(LookChange(mode="reveal", centre=(0.3, 0.4)), duration=0.0)
    held = Look(mode="reveal", centre=(0.3, 0.4))
    assert director.look(clock.time) == held
    show.seek(10)
    assert director.look(clock.time + 0.5) == held  # past the crossfade step's time
    director.touch(0.6, 0.6)  # a finger moves the lens, and it springs back to the operator's
    assert director.look(clock.time).centre == pytest.approx((0.6, 0.6))
    director.release()
    clock.time += 0.5
    assert director.look(clock.time).centre == pytest.approx((0.3, 0.4))
    show.play("coded")  # a new clip: the sequence again
    assert director.look(show.timeline.start_time) == Look(mode="wipe", position=0.5, handle=1.0)


def test_the_live_wipe_moves_at_once_and_keeps_its_angle(room):
    show, director, clock = room
    show.play("coded")
    director.wipe_to(0.3, 12.0)
    look = director.look(clock.time)
    assert (look.mode, look.position, look.angle, look.handle) == ("wipe", 0.3, 12.0, 1.0)
    director.touch(0.7, 0.5)
    assert director.look(clock.time).angle == 12.0  # the finger keeps the divider's tilt


def test_a_spring_back_never_leaves_the_looks_limits(room):
    from room.protocol import PlayerStatus, parse_request, request

    show, director, clock = room
    show.play("coded")
    director.wipe_to(1.0, 0.0)  # the operator's divider at the edge: the spring overshoots it
    director.touch(0.2, 0.5)
    director.release()
    start, positions = clock.time, []
    while clock.time < start + 0.4:
        clock.time += 0.01
        look = director.look(clock.time)
        positions.append(look.position)
        status = PlayerStatus(screen="test", look=look).model_dump(mode="json")
        parse_request(request("report", {"status": status}, "r"))  # the conductor takes it
    assert max(positions) == 1.0 and min(positions) >= 0.2
