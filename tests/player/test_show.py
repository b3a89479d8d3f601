"""The show's decisions without a window: which pair is due, drops, pause and seek, clip ends,
the attract loop against the library as it is now, and a library that cannot be read. Real
clips decoded by PyAV; the show clock is the test's."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from content.library import Library
from content.testcard import add_coded_clip
from player.show import Show
from tests.player.conftest import ManualClock, installation_for

SHOWS: list[Show] = []


def make_show(library: Library, playlist: list[str]) -> tuple[Show, ManualClock]:
    clock = ManualClock()
    show = Show(installation_for(library.root, playlist), "test", library, clock)
    SHOWS.append(show)
    return show, clock


@pytest.fixture(autouse=True)
def _close_shows():
    yield
    while SHOWS:
        SHOWS.pop().close()


def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


def due_pair(show: Show, now: float):
    """Update at ``now`` until the decoders deliver (real time for the decoder threads)."""
    pairs = []
    until(lambda: bool(pairs.append(show.update(now)) or pairs[-1] is not None))
    return pairs[-1]


@pytest.fixture
def library(tmp_path) -> Library:
    library = Library.create(tmp_path / "lib")
    add_coded_clip(library, "coded")
    return library


def test_the_pair_due_is_chosen_by_the_clock_and_late_ones_are_dropped(library):
    show, _clock = make_show(library, ["coded"])
    assert show.play("coded")
    start = show.timeline.start_time
    assert show.update(start - 0.1) is None  # the preroll: nothing is due yet
    assert due_pair(show, start).index == 0
    assert due_pair(show, start + 0.04).index == 1  # 25 fps
    pair = due_pair(show, start + 0.2)  # frames 2, 3 and 4 came too late
    assert pair.index == 5 and show.status.dropped == 3 and show.status.shown == 3
    assert show.status.frame == 5 and show.status.state == "playing"


def test_pause_holds_the_frame_and_seek_lands_on_it_exactly(library):
    show, clock = make_show(library, ["coded"])
    show.play("coded")
    due_pair(show, show.timeline.start_time)
    show.pause()
    assert show.status.state == "paused"
    show.seek(17)
    assert due_pair(show, clock.time + 5.0).index == 17 and show.status.state == "paused"
    clock.time += 3.0
    assert show.update(clock.time) is None and show.status.frame == 17  # held
    show.resume()
    assert due_pair(show, clock.time + 0.04).index == 18


def test_a_clip_that_ends_is_recorded_and_the_loop_plays_it_again_without_a_gap(library):
    show, _clock = make_show(library, ["coded"])
    show.play_next()
    first = show.timeline
    end = first.start_time + 24 / 25
    due_pair(show, first.start_time)
    show.update(end)  # past the last frame
    assert [s.clip for s in show.finished] == ["coded"] and show.finished[0].frame_count == 24
    assert show.timeline is not first and show.timeline.start_time == pytest.approx(end)
    assert show.epoch == 2


def test_a_clip_added_after_the_show_started_joins_the_attract_loop(library):
    show, _clock = make_show(library, ["coded", "later"])
    assert show.attract_loop.missing(library.read()) == ["later"]
    show.play_next()
    assert show.clip.id == "coded"
    add_coded_clip(library, "later")
    show.finish_clip()
    assert show.clip is not None and show.clip.id == "later"
    library.remove("coded")
    show.finish_clip()
    assert show.clip is not None and show.clip.id == "later", "a removed clip is still offered"


def test_every_clip_plays_in_library_order_when_no_playlist_is_set(library):
    show, _ = make_show(library, [])
    add_coded_clip(library, "second")
    show.play_next()
    assert show.clip.id == "coded"
    show.finish_clip()
    assert show.clip.id == "second"
    show.finish_clip()
    assert show.clip.id == "coded"


def test_the_slate_shows_no_frame_counts_of_the_clip_before(library):
    show, _clock = make_show(library, ["coded"])
    show.play("coded")
    due_pair(show, show.timeline.start_time + 0.2)
    assert show.status.shown > 0
    assert not show.play("nope")
    status = show.status
    assert status.state == "slate" and status.clip is None
    assert (status.frame, status.frame_count, status.shown, status.dropped) == (-1, 0, 0, 0)
    assert "clip 'nope' is not in the library" in status.errors[-1]


@pytest.mark.parametrize(
    "manifest",
    [b"{ not json", b'{"schema_version": "2.0", "clips": []}'],
    ids=["garbage", "newer-major-schema"],
)
def test_an_unreadable_manifest_shows_the_slate_and_the_show_recovers(library, manifest):
    show, clock = make_show(library, ["coded"])
    show.play_next()
    good = library.manifest_path.read_bytes()
    library.manifest_path.write_bytes(manifest)
    show.finish_clip()  # the clip ends while the manifest is broken
    assert show.status.state == "slate" and "the library cannot be read" in show.status.errors[-1]
    show.play_next()  # as a `stop` cue does
    assert show.status.state == "slate"
    clock.time += 1.0
    show.update(clock.time)  # the slate's time is over: it tries again, and stays up
    assert show.status.state == "slate"
    library.manifest_path.write_bytes(good)
    clock.time += 1.0
    show.update(clock.time)
    assert show.status.state == "playing" and show.clip.id == "coded"


def test_the_attract_loop_switched_off_rests_black_and_on_again_plays(library):
    show, clock = make_show(library, ["coded"])
    show.play_next()
    show.set_playlist([], attract=False)
    show.finish_clip()
    assert show.status.state == "idle" and show.clip is None
    clock.time += 100.0
    show.update(clock.time)
    assert show.status.state == "idle"
    show.set_playlist(["coded"], attract=True)
    show.update(clock.time)
    assert show.status.state == "playing" and show.clip.id == "coded"


def test_the_next_clip_is_looked_up_once_near_the_end_not_every_frame(library):
    show, _ = make_show(library, ["coded"])
    show.play("coded")
    start = show.timeline.start_time
    library.manifest_path.write_bytes(b"{ not json")  # so that every lookup leaves a trace
    for t in (0.6, 0.64, 0.68, 0.72, 0.76):  # the clip's last second (24 frames at 25 fps)
        show.update(start + t)
    assert sum("the library cannot be read" in e for e in show.status.errors) == 1
