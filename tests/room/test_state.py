"""The room's show state without sockets: what each command does, the cues it queues, and the
replies it types."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.load import parse_installation
from content.importer import add_scan
from content.library import Library
from room import protocol as p
from room.protocol import ProtocolError
from room.state import Room

SITE = """
name = "Room"
library = "{library}"
[[screens]]
id = "left"
[[screens]]
id = "right"
[schedule]
attract_playlist = {playlist}
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, scan: Path) -> Library:
    library = Library.create(tmp_path_factory.mktemp("state") / "library")
    add_scan(library, scan, "relay", "Relay race", 1912)
    add_scan(library, scan, "hurdles", "Hurdles", 1908)
    return library


def room_of(library: Library, playlist: str = '["relay"]') -> Room:
    text = SITE.format(library=library.root, playlist=playlist)
    return Room(parse_installation(text, library.root.parent / "site.toml"), now=lambda: 10.0)


def test_list_names_each_poster_by_its_path_in_the_library(library):
    clips = room_of(library).handle(p.ListClips()).clips
    assert [(c.id, c.frames, c.fps, c.duration_s) for c in clips] == [
        ("relay", 12, "18/1", 0.667), ("hurdles", 12, "18/1", 0.667),
    ]  # fmt: skip
    for clip in clips:
        assert (library.root / clip.poster).is_file(), clip.poster
        assert clip.poster.count("clips/") == 1


def test_commands_queue_cues_for_their_screens_at_a_common_time(library):
    room = room_of(library)
    cued = room.handle(p.Play(clip="hurdles", screens=["right"]))
    assert cued == p.Cued(screens=["right"], at=10.1)
    room.handle(p.Transition(mode="reveal", centre=(0.2, 0.3)))
    assert [type(c) for c in room.cues] == [p.PlayCue, p.TransitionCue]
    assert room.cues[0].args == p.PlayArgs(clip="hurdles", frame=0)
    state = room.state()
    assert state.screens["right"].wanted.clip == "hurdles" and state.screens["left"].wanted.clip is None
    assert state.screens["left"].wanted.look.centre == (0.2, 0.3)
    assert not state.screens["left"].connected and state.screens["left"].state == "starting"


def test_unknown_clips_and_screens_are_refused_with_their_codes(library):
    room = room_of(library)
    with pytest.raises(ProtocolError) as caught:
        room.handle(p.Play(clip="nope"))
    assert caught.value.code == "unknown_clip" and "args.clip" in str(caught.value)
    with pytest.raises(ProtocolError) as caught:
        room.handle(p.Pause(screens=["left", "centre"]))
    assert caught.value.code == "unknown_screen" and "'centre'" in str(caught.value)
    with pytest.raises(ProtocolError) as caught:
        room.handle(p.SetPlaylist(clips=["relay", "nope"]))
    assert caught.value.code == "unknown_clip" and "args.clips.1" in str(caught.value)
    assert room.cues == []


def test_a_report_shows_the_screen_as_connected(library):
    room = room_of(library)
    room.handle(p.Report(status=p.PlayerStatus(screen="left", state="playing", clip="relay", frame=7)))
    left = room.state().screens["left"]
    assert left.connected and left.frame == 7 and left.clip == "relay"
    with pytest.raises(ProtocolError, match="no screen 'nobody'"):
        room.handle(p.Report(status=p.PlayerStatus(screen="nobody")))


def test_the_attract_loop_starts_on_and_a_reload_takes_the_files_playlist(library):
    room = room_of(library, playlist="[]")
    assert room.state().attract and room.state().playlist == []  # every clip, as the screens play
    text = SITE.format(library=library.root, playlist='["hurdles"]').replace('id = "right"', 'id = "centre"')
    reloaded = room.reload(parse_installation(text, library.root.parent / "site.toml"))
    assert reloaded == p.Reloaded(screens=["left", "centre"], clips=2)
    assert room.state().playlist == ["hurdles"]
    assert isinstance(room.cues[-1], p.PlaylistCue) and room.cues[-1].args.clips == ["hurdles"]
    assert room.cues[-1].screens == ["left", "centre"]


def test_a_reload_whose_library_cannot_be_read_changes_nothing(library, tmp_path):
    room = room_of(library)
    broken = Library.create(tmp_path / "broken")
    broken.manifest_path.write_text("{ not json")
    text = SITE.format(library=broken.root, playlist='["hurdles"]')
    with pytest.raises(ProtocolError) as caught:
        room.reload(parse_installation(text, tmp_path / "site.toml"))
    assert caught.value.code == "internal" and "cannot be read" in str(caught.value)
    assert room.playlist == ["relay"] and room.installation.library == library.root and room.cues == []
