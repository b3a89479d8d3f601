"""The player on a real OpenGL context under Xvfb: pixels read back prove what is on screen.

Test clips carry their frame number (a bit code, twice across the top) and their side (blue
original, orange restored) in every frame, so a readback tells which frame of which version
shows where."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from config.look import Look, LookChange
from content.library import Library
from content.testcard import add_coded_clip, read_code, side_at
from player.animator import Animator, ease_in_out, neutral
from player.layout import split_view
from tests.player.conftest import ManualClock, installation_for

pytestmark = pytest.mark.usefixtures("xvfb")
W, H = 640, 480


@pytest.fixture
def make_screen():
    import pyglet

    from player.screen import Screen

    made = []

    def make(library: Library, playlist: list[str], size=(W, H), clock=None):
        window = pyglet.window.Window(*size, visible=True)
        screen = Screen(
            window, installation_for(library.root, playlist, size), "test", library, clock or ManualClock()
        )
        made.append((screen, window))
        return screen

    yield make
    for screen, window in made:
        screen.close()
        window.close()


def show(screen, frame: int, look: Look | None = None) -> np.ndarray:
    """Seek to ``frame`` of the coded clip (paused), put ``look`` on, draw, and read back."""
    from player.capture import still

    return still(screen, "coded", frame, look)


HALF_WIPE = Look(mode="wipe", position=0.5)


def test_frame_i_of_both_versions_is_on_screen_together(coded_library, make_screen):
    screen = make_screen(coded_library, ["coded"])
    for frame in (0, 1, 7, 13, 23):
        image = show(screen, frame, HALF_WIPE)
        assert read_code(image, 0, W // 2, 0, H) == frame, "original"
        assert read_code(image, W // 2, W, 0, H) == frame, "restored"
        assert side_at(image, W // 4, 300) == "original"
        assert side_at(image, 3 * W // 4, 300) == "restored"


def test_seeking_lands_on_the_exact_frame_in_any_order(coded_library, make_screen):
    screen = make_screen(coded_library, ["coded"])
    for frame in (17, 3, 22, 9, 0, 16):
        image = show(screen, frame, HALF_WIPE)
        assert (read_code(image, 0, W // 2, 0, H), read_code(image, W // 2, W, 0, H)) == (frame, frame)


@pytest.mark.parametrize(("position", "angle"), [(0.3, 0.0), (0.7, 0.0), (0.5, 25.0), (0.4, -40.0)])
def test_wipe_shows_the_original_left_of_the_divider_and_the_restored_right(
    coded_library, make_screen, position, angle
):
    screen = make_screen(coded_library, ["coded"])
    image = show(screen, 0, Look(mode="wipe", position=position, angle=angle))
    a = math.radians(angle)
    checked = 0
    for y in range(H // 4 + 10, H, 23):
        for x in range(3, W, 17):
            d = (x + 0.5 - position * W) * math.cos(a) + (y + 0.5 - H / 2) * math.sin(a)
            if abs(d) > 6:
                assert side_at(image, x, y) == ("original" if d < 0 else "restored"), (x, y, d)
                checked += 1
    assert checked > 300


def test_wipe_handle_is_visible_on_the_divider(coded_library, make_screen):
    screen = make_screen(coded_library, ["coded"])
    plain = show(screen, 0, Look(mode="wipe", position=0.5, handle=0.0))
    handled = show(screen, 0, Look(mode="wipe", position=0.5, handle=1.0))
    # the two pixels that straddle the divider: near white with the handle, film colour without
    assert (
        handled[300, W // 2 - 1 : W // 2 + 1].min() > 220 and plain[300, W // 2 - 1 : W // 2 + 1].min() < 100
    )
    ring_x = W // 2 + round(0.045 * H)
    assert handled[H // 2, ring_x - 1 : ring_x + 2].max() > 220  # the knob's ring


def test_crossfade_blends_by_the_eased_weight(coded_library, make_screen):
    clock = ManualClock()
    screen = make_screen(coded_library, ["coded"], clock=clock)
    original = show(screen, 0, Look(mode="crossfade", fade=0.0))[300, 320].astype(float)
    restored = show(screen, 0, Look(mode="crossfade", fade=1.0))[300, 320].astype(float)
    start = clock.time
    for t in (0.5, 1.0, 1.5):
        screen.director.animator = Animator(neutral("crossfade"))
        screen.director.animator.go(Look(mode="crossfade", fade=1.0), 2.0, start)
        clock.time = start + t
        screen.update()
        screen.draw()
        weight = ease_in_out(t / 2.0)
        assert screen.show.status.look.fade == pytest.approx(weight)
        pixel = screen.snapshot()[300, 320].astype(float)
        assert np.abs(pixel - (original + (restored - original) * weight)).max() <= 4, (t, pixel)


def test_split_puts_each_version_in_its_own_letterboxed_half(coded_library, make_screen):
    screen = make_screen(coded_library, ["coded"])
    image = show(screen, 5, Look(mode="split", split=1.0))
    left, right = split_view(4 / 3, W, H)
    for rect, side in ((left, "original"), (right, "restored")):
        top = round(H - rect.y - rect.h)
        cx, cy = round(rect.x + rect.w / 2), round(H - rect.y - rect.h / 3)
        assert side_at(image, cx, cy) == side
        assert read_code(image, round(rect.x), round(rect.x + rect.w / 2), top, round(rect.h)) == 5
        label = image[round(H - rect.y) + 4 : H, round(rect.x) : round(rect.x + rect.w)]
        assert (label.max(axis=2) > 150).sum() > 20, f"no {side} label under the film"
    gutter = round((left.x + left.w + right.x) / 2)
    assert image[H // 2, gutter].max() < 10


def test_reveal_shows_the_restored_film_inside_the_lens(coded_library, make_screen):
    screen = make_screen(coded_library, ["coded"])
    image = show(screen, 0, Look(mode="reveal", centre=(0.5, 0.6), radius=0.25))
    cx, cy, r = 0.5 * W, 0.6 * H, 0.25 * H
    assert side_at(image, int(cx), int(cy)) == "restored"
    for angle in np.linspace(0, 2 * np.pi, 12, endpoint=False):
        inside = (int(cx + 0.85 * r * np.cos(angle)), int(cy + 0.85 * r * np.sin(angle)))
        outside = (int(cx + 1.2 * r * np.cos(angle)), int(cy + 1.2 * r * np.sin(angle)))
        assert side_at(image, *inside) == "restored"
        if outside[1] > H // 4 + 4 and 0 <= outside[0] < W and outside[1] < H:
            assert side_at(image, *outside) == "original"


def test_archive_film_is_pillarboxed_on_a_wide_screen_with_the_caption_beside_it(coded_library, make_screen):
    screen = make_screen(coded_library, ["coded"], size=(640, 360))
    image = show(screen, 3, HALF_WIPE)
    film_w = 360 * 4 / 3
    x0 = round((640 - film_w) / 2)
    assert image[200, : x0 - 2].max(axis=1).max() < 240  # bar (caption aside) is no film colour
    assert image[100:200, 10:30].max() < 5 and image[200, x0 + 5].max() > 20
    assert side_at(image, x0 + 10, 250) == "original" and side_at(image, 640 - x0 - 10, 250) == "restored"
    assert read_code(image, x0, round(x0 + film_w / 2), 0, 360) == 3
    caption = image[300:360, 4 : x0 - 4]
    assert (caption.max(axis=2) > 150).sum() > 30, "the title and year are not in the bar"


def test_the_finger_drags_the_wipe_and_it_springs_back(coded_library, make_screen):
    clock = ManualClock()
    screen = make_screen(coded_library, ["coded"], clock=clock)
    show(screen, 0)
    assert screen.show.status.look.position == pytest.approx(0.5)  # the authored look
    screen.touch(0.25 * W, 240)
    screen.update()
    screen.draw()
    image = screen.snapshot()
    assert side_at(image, int(0.25 * W) - 8, 400) == "original"
    assert side_at(image, int(0.25 * W) + 8, 400) == "restored"
    assert screen.show.status.interacting
    screen.director.release()
    clock.time += 0.04
    screen.update()
    assert 0.25 < screen.show.status.look.position < 0.5  # on its way back
    clock.time += 0.08
    screen.update()
    assert 0.5 < screen.show.status.look.position < 0.55  # a gentle overshoot
    clock.time += 0.3
    screen.update()
    screen.draw()
    image = screen.snapshot()
    assert screen.show.status.look.position == pytest.approx(0.5)
    assert side_at(image, W // 2 - 8, 400) == "original" and side_at(image, W // 2 + 8, 400) == "restored"


def test_the_operators_look_stands_until_the_clip_ends(coded_library, make_screen):
    clock = ManualClock()
    screen = make_screen(coded_library, ["coded"], clock=clock)
    screen.show.play("coded")
    screen.director.transition_to(LookChange(mode="split", split=1.0), duration=0.0)
    screen.show.seek(10)  # a seek keeps it
    for _ in range(10):
        clock.time += 0.05
        screen.update()
    assert screen.show.status.look.mode == "split" and screen.show.status.look.split == 1.0
    screen.touch(0.2 * W, 240)  # a visitor's finger, then it springs back to the operator's look
    screen.update()
    assert screen.show.status.look.mode == "wipe"
    screen.director.release()
    clock.time += 1.0
    screen.update()
    assert screen.show.status.look.mode == "split" and screen.show.status.look.split == pytest.approx(1.0)
    screen.show.play("coded")  # the next clip: its own sequence again (the authored half wipe)
    clock.time += 0.5
    screen.update()
    clock.time += 0.5
    screen.update()
    assert screen.show.status.look.mode == "wipe" and screen.show.status.look.position == pytest.approx(0.5)


def test_the_reveal_lens_follows_the_finger(coded_library, make_screen):
    screen = make_screen(coded_library, ["coded"])
    show(screen, 0, Look(mode="reveal", centre=(0.5, 0.5), radius=0.2))
    screen.touch(0.25 * W, 0.3 * H)  # window y is from the bottom: film y = 0.7
    screen.update()
    screen.draw()
    assert screen.show.status.look.centre == pytest.approx((0.25, 0.7))
    assert side_at(screen.snapshot(), int(0.25 * W), int(0.7 * H)) == "restored"


def test_real_time_playback_keeps_both_versions_in_step(coded_library, make_screen):
    from player.clock import MonotonicClock

    screen = make_screen(coded_library, ["coded"], clock=MonotonicClock())
    seen: list[tuple[int, int, int]] = []

    def check() -> None:
        if screen.show.status.frame >= 0 and len(seen) < 60:
            image = screen.snapshot()
            seen.append(
                (
                    screen.show.status.frame,
                    read_code(image, 0, W // 2, 0, H),
                    read_code(image, W // 2, W, 0, H),
                )
            )

    screen.run(until=lambda: bool(screen.show.finished), on_frame=check)
    result = screen.show.finished[0]
    assert result.shown + result.dropped == result.frame_count == 24
    assert result.shown > 0 and not result.errors
    assert seen and all(frame == a == b for frame, a, b in seen), seen
    assert [f for f, _, _ in seen] == sorted(f for f, _, _ in seen)


def test_bad_clips_are_skipped_and_the_next_one_plays(tmp_path, make_screen):
    from player.clock import MonotonicClock

    library = Library.create(tmp_path / "lib")
    missing = add_coded_clip(library, "missing")
    truncated = add_coded_clip(library, "truncated", frames=50)
    add_coded_clip(library, "good")
    library.path_of(missing.restored).unlink()
    cut = library.path_of(truncated.restored)
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size * 2 // 5])

    screen = make_screen(library, ["missing", "truncated", "good"], clock=MonotonicClock())
    deadline = time.monotonic() + 30
    screen.run(
        until=lambda: (
            (screen.show.status.clip == "good" and screen.show.status.shown >= 5)
            or time.monotonic() > deadline
        )
    )
    assert screen.show.status.clip == "good" and screen.show.status.shown >= 5
    errors = "\n".join(screen.show.status.errors)
    assert "clip 'missing' skipped" in errors and "restored.mp4: no such file" in errors
    assert "clip 'truncated'" in errors
    assert [s.clip for s in screen.show.finished] == ["truncated"]


def test_status_is_one_typed_object_ready_for_the_wire(coded_library, make_screen):
    from room.protocol import PlayerStatus

    screen = make_screen(coded_library, ["coded"])
    show(screen, 4, HALF_WIPE)
    status = screen.show.status
    assert (status.clip, status.frame, status.frame_count, status.look.mode) == ("coded", 4, 24, "wipe")
    assert status.state == "paused"
    assert PlayerStatus.model_validate_json(status.model_dump_json()) == status


def test_clips_follow_each_other_without_a_gap(coded_library, make_screen):
    clock = ManualClock()
    screen = make_screen(coded_library, ["coded"], clock=clock)
    screen.show.play_next()
    first = screen.show.timeline
    end = first.start_time + 24 / 25
    shown: list[tuple[float, int]] = []
    while len(screen.show.finished) < 1 or screen.show.status.frame < 3:
        clock.time += 0.01
        time.sleep(0.004)  # real time for the decoders; the show clock is the test's
        screen.update()
        if not shown or shown[-1][1] != screen.show.status.frame:
            shown.append((clock.time, screen.show.status.frame))
        assert clock.time < end + 5, "the second pass never started"
    assert screen.show.timeline is not first and screen.show.timeline.start_time == pytest.approx(end)
    restart = next(t for t, frame in shown if frame == 0 and t > end - 0.01)
    assert restart - end < 1 / 25, "the next pass's first frame came late: a visible gap"
    assert screen.show.finished[0].dropped == 0 and screen.show.status.dropped == 0


def test_an_unreadable_manifest_never_takes_the_screen_down(tmp_path, make_screen):
    from player.clock import MonotonicClock

    library = Library.create(tmp_path / "lib")
    add_coded_clip(library, "coded")
    good = library.manifest_path.read_bytes()
    screen = make_screen(library, ["coded"], clock=MonotonicClock())
    broken_at: list[float] = []

    def break_it() -> None:  # mid-clip, an upgraded engine PC writes a manifest this player cannot read
        if screen.show.status.frame >= 5 and not broken_at:
            library.manifest_path.write_bytes(b'{"schema_version": "2.0", "clips": []}')
            broken_at.append(time.monotonic())

    deadline = time.monotonic() + 20
    screen.run(
        until=lambda: (
            (screen.show.status.state == "slate" and bool(broken_at)) or time.monotonic() > deadline
        ),
        on_tick=break_it,
    )
    assert screen.show.status.state == "slate" and not screen.window.has_exit
    assert any(
        "the library cannot be read" in e and "newer Mutoscope" in e for e in screen.show.status.errors
    )
    screen.show.play_next()  # what a `stop` cue does: it used to end the player at once
    screen.draw()
    assert screen.show.status.state == "slate"
    image = screen.snapshot()
    assert image.mean() < 20 and image.max() > 150  # black with the slate's words, no film
    library.manifest_path.write_bytes(good)
    screen.run(until=lambda: screen.show.status.frame >= 3 or time.monotonic() > deadline)
    assert screen.show.status.clip == "coded" and screen.show.status.frame >= 3, "it never recovered"


def test_a_failing_link_to_the_conductor_is_reported_once_and_the_clip_plays_on(coded_library, make_screen):
    from player.clock import MonotonicClock

    screen = make_screen(coded_library, ["coded"], clock=MonotonicClock())

    def broken() -> None:
        raise OSError("the socket is gone")

    started = time.monotonic()
    screen.run(until=lambda: time.monotonic() - started > 0.6, on_tick=broken)
    failures = [e for e in screen.show.status.errors if "following the conductor failed" in e]
    assert failures == ["following the conductor failed: the socket is gone"]
    assert screen.show.status.state == "playing" and screen.show.status.shown > 0
