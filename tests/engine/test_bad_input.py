"""Bad input gets one clear message naming the file (and frame), and the library stays whole."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest

from content.library import Library
from engine.job import parse_frames
from tests.engine.clips import ingest_args, make_clip, mutoscope


@pytest.fixture(scope="module")
def aged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("bad"), "everything").scan


def test_a_file_that_is_not_video(tmp_path: Path) -> None:
    notes = tmp_path / "notes.mp4"
    notes.write_text("this is a shot list, not a film\n" * 20)
    run = mutoscope("restore", str(notes), "-o", str(tmp_path / "out.mp4"))
    assert run.returncode == 1
    assert str(notes) in run.stderr and "not a readable video" in run.stderr
    assert not (tmp_path / "out.mp4").exists()


def test_an_empty_video(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    with av.open(str(empty), "w") as container:
        stream = container.add_stream("libx264", rate=18)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        container.start_encoding()  # the header, and no frame
    run = mutoscope("restore", str(empty), "-o", str(tmp_path / "out.mp4"))
    assert run.returncode == 1
    # FFmpeg reports a stream without a single frame as no stream at all
    assert str(empty) in run.stderr and ("no frames" in run.stderr or "no video stream" in run.stderr)


def test_corrupt_packets_are_repaired_and_named(tmp_path: Path) -> None:
    """PNG frames in a QuickTime file, two of them torn: their packets fail to decode."""
    scan = tmp_path / "torn.mov"
    rng = np.random.default_rng(3)
    with av.open(str(scan), "w") as container:
        stream = container.add_stream("png", rate=18)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "gray"
        for i in range(30):
            frame = av.VideoFrame.from_ndarray((rng.random((48, 64)) * 255).astype(np.uint8), format="gray")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with av.open(str(scan)) as container:
        packets = [(p.pos, p.size) for p in container.demux() if p.size]
    data = bytearray(scan.read_bytes())
    for pos, size in packets[12:14]:  # frames 12 and 13 torn in the middle of their packets
        data[pos + size // 2 : pos + size // 2 + 64] = bytes(64)
    scan.write_bytes(bytes(data))
    out = tmp_path / "out.mp4"
    run = mutoscope("restore", str(scan), "-o", str(out), "--device", "cpu")
    assert run.returncode == 0, run.stderr
    assert "frames 12-13 could not be decoded" in run.stderr and str(scan) in run.stderr
    with av.open(str(out)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 30


def test_frame_ranges_are_read_and_refused_without_naming_an_option() -> None:
    assert parse_frames(None) == (0, None)
    assert parse_frames("4:24") == (4, 24)
    assert parse_frames(":10") == (0, 10)
    assert parse_frames("5:") == (5, None)
    with pytest.raises(ValueError, match=r"^'5:2': expected A:B with 0 <= A < B, e.g. 0:250$"):
        parse_frames("5:2")
    with pytest.raises(ValueError, match=r"^'a:b': expected A:B with whole numbers"):
        parse_frames("a:b")


def test_the_commands_name_the_option_that_is_wrong(aged: Path, tmp_path: Path) -> None:
    out, sheet = tmp_path / "out.mp4", tmp_path / "sheet.png"
    run = mutoscope("restore", str(aged), "-o", str(out), "--frames", "5:2")
    assert (
        run.returncode == 2
        and "Invalid value for --frames: '5:2': expected A:B with 0 <= A < B" in run.stderr
    )
    run = mutoscope("restore", str(aged), "-o", str(out), "--frames", "0:99", "--device", "cpu")
    assert run.returncode == 1
    assert f"{aged}: frames up to 98 were asked for, but the scan ends at frame 39" in run.stderr
    run = mutoscope("restore", str(aged), "--stages-sheet", str(sheet), "--frame", "40", "--device", "cpu")
    assert run.returncode == 2 and "Invalid value for --frame: 40: the clip has frames 0 to 39" in run.stderr
    assert not out.exists() and not sheet.exists()


def test_a_library_that_cannot_be_written(aged: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    run = mutoscope("ingest", str(aged), "--library", str(blocker / "lib"), "--id", "x", "--title", "X")
    assert run.returncode == 1
    assert str(blocker / "lib") in run.stderr and "cannot create the library" in run.stderr


def test_a_full_disk_mid_ingest_leaves_the_library_and_resumes(aged: Path, tmp_path: Path) -> None:
    """The third window's file is made to land on /dev/full, a device that answers every
    write with ENOSPC, exactly as a full disk does."""
    library = tmp_path / "lib"
    Library.create(library)
    args = ingest_args(aged, library)
    writer = subprocess.Popen([sys.executable, "-m", "mutoscope", *args], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(library.glob(".staging/relay.resume-*")):
        time.sleep(0.01)
    work = next(library.glob(".staging/relay.resume-*"))
    full = work / ".restored-000002.partial.mp4"
    full.symlink_to("/dev/full")
    _, stderr = writer.communicate(timeout=300)
    assert writer.returncode == 1, stderr
    assert "the disk is full" in stderr and "unchanged" in stderr and "resumes from frame 32" in stderr
    assert Library(library).read().clips == []
    assert (work / "restored-000001.mp4").is_file()
    os.unlink(full)
    resumed = mutoscope(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert Library(library).read().get("relay").frame_count == 40
