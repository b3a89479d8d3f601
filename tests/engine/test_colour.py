"""Colour from keyframes, on a made-up clip whose true colour is known: the archivist's colour
stays on a moving object, does not bleed, stops at a cut, and bad keyframes are refused before
any long work, each named."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from scipy.ndimage import binary_dilation, binary_erosion

from config.presets import BUILTIN_PRESETS
from content.demo.degrade import LUMA_BT601
from content.library import Library
from content.media import LOSSLESS, read_frames
from engine.colour.keyframes import KeyframeError
from engine.colour.lab import to_lab, to_rgb8
from engine.job import open_job
from engine.segments import segment_path, write_windows
from tests.engine.clips import ingest_args, mutoscope
from tests.engine.colour_clips import DISC_RGB, FIRST_SHOT, SIZE, ColourClip, make_colour_clip

DISC_AB = to_lab(np.array(DISC_RGB, np.uint8).reshape(1, 1, 3))[0, 1:, 0, 0]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> ColourClip:
    return make_colour_clip(tmp_path_factory.mktemp("colour"))


def paint(grey: Path, disc: np.ndarray, out: Path) -> None:
    """Colour an exported greyscale frame as an archivist would: the disc's chroma inside the
    disc, the frame's own lightness everywhere."""
    light = to_lab(np.repeat(np.asarray(Image.open(grey))[..., None], 3, axis=2))[:, :1] / 100.0
    chroma = torch.zeros(1, 2, *disc.shape)
    chroma[0, :, torch.from_numpy(disc)] = DISC_AB[:, None]
    Image.fromarray(to_rgb8(light, chroma)[0]).save(out)


@pytest.fixture(scope="module")
def keyframes(clip: ColourClip, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Frame 0 exported by the real command and painted; the second shot has no keyframe."""
    exported = tmp_path_factory.mktemp("exported")
    run = mutoscope("keyframes", "export", str(clip.scan), str(exported), "--at", "0", "--device", "cpu")
    assert run.returncode == 0, run.stderr
    folder = tmp_path_factory.mktemp("keyframes")
    paint(exported / "0000.png", clip.disc[0], folder / "0000.png")
    return folder


def lab_frames(path: Path) -> torch.Tensor:
    return torch.cat([to_lab(frame) for frame in read_frames(path)])


def test_colour_stays_on_the_moving_disc_and_stops_at_the_cut(
    clip: ColourClip, keyframes: Path, tmp_path: Path
) -> None:
    out = tmp_path / "coloured.mp4"
    run = mutoscope(
        "restore", str(clip.scan), "-o", str(out), "--keyframes", str(keyframes), "--device", "cpu"
    )
    assert run.returncode == 0, run.stderr
    assert "coloured from 1 keyframes" in run.stdout
    assert f"frames {FIRST_SHOT} to {len(clip.truth) - 1} has no keyframe; it stays greyscale" in run.stderr
    lab = lab_frames(out)
    assert lab.shape == (len(clip.truth), 3, SIZE[1], SIZE[0])
    painted = to_lab(np.asarray(Image.open(keyframes / "0000.png")))
    assert float((lab[0] - painted[0]).norm(dim=0).mean()) < 1.0, "the keyframe's own frame keeps its colours"
    chroma = lab[:, 1:]
    for i in range(1, FIRST_SHOT):
        inside = torch.from_numpy(binary_erosion(clip.disc[i], iterations=6))
        outside = torch.from_numpy(~binary_dilation(clip.disc[i], iterations=8))
        on_disc = chroma[i][:, inside].mean(dim=1)
        assert float((on_disc - DISC_AB).norm()) < 0.35 * float(DISC_AB.norm()), (
            f"frame {i}: colour left the disc"
        )
        assert float(chroma[i][:, outside].norm(dim=0).mean()) < 3.0, f"frame {i}: colour bled off the disc"
    # where the disc was in the keyframe is grey by the end of the shot: the colour moved with it
    left_behind = torch.from_numpy(
        binary_erosion(clip.disc[0] & ~binary_dilation(clip.disc[FIRST_SHOT - 1], iterations=8), iterations=4)
    )
    assert float(chroma[FIRST_SHOT - 1][:, left_behind].norm(dim=0).mean()) < 4.0
    assert float(chroma[FIRST_SHOT:].norm(dim=1).mean()) < 1.0, "colour crossed the cut"


def test_colouring_keeps_the_restored_luma(clip: ColourClip, keyframes: Path, tmp_path: Path) -> None:
    """The coloured frames' BT.601 luma is the restored grey frames' (a saturated red disc, whose
    CIELAB colour at that lightness lies partly outside sRGB, included)."""
    job = open_job(clip.scan, BUILTIN_PRESETS["standard"], device="cpu", keyframes=keyframes)
    lumas = ({"luma": frame} for _, frame in job.frames())
    write_windows(tmp_path, job, range(job.windows), {"luma": LOSSLESS}, lumas, None)
    grey = np.concatenate(
        [np.stack(list(read_frames(segment_path(tmp_path, "luma", w), "gray"))) for w in range(job.windows)]
    )
    coloured = np.stack(list(job.coloured(tmp_path))).astype(np.float64)
    error = np.abs(coloured @ LUMA_BT601 - grey)
    assert error.mean() <= 1.0 and np.percentile(error, 99) <= 4.0, (error.mean(), np.percentile(error, 99))
    disc = coloured[1:FIRST_SHOT][binary_erosion(clip.disc[1:FIRST_SHOT], iterations=6, axes=(1, 2))]
    assert float((disc[:, 0] - disc[:, 1]).mean()) > 40, "the disc is coloured red, not left grey"


def test_a_shot_without_a_keyframe_can_take_the_nearest_palette(clip: ColourClip, keyframes: Path) -> None:
    preset = BUILTIN_PRESETS["standard"].model_copy(update={"no_keyframe": "nearest-palette"})
    job = open_job(clip.scan, preset, device="cpu", keyframes=keyframes, frames=(0, FIRST_SHOT + 4))
    colourist = job.colourist()
    assert colourist.unkeyed_shots() == [(FIRST_SHOT, FIRST_SHOT + 3)]
    grey = np.full((SIZE[1], SIZE[0]), 118, np.uint8)  # the disc's own lightness
    full, work = colourist.lightness(grey)
    rgb = colourist.blend(FIRST_SHOT + 1, full, work, None, None)
    hue = to_lab(rgb)[0, 1:].mean(dim=(1, 2))
    assert float(hue.norm()) > 3.0 and float(torch.dot(hue, DISC_AB)) > 0, "takes the keyframe's reds"


def _keyframe(clip: ColourClip, frame: int, size: tuple[int, int] = SIZE) -> Image.Image:
    return Image.fromarray(clip.truth[frame]).resize(size)


BAD = {
    "wrong size": (lambda c, d: _keyframe(c, 0, (200, 150)).save(d / "0000.png"), "0000.png: is 200x150"),
    "greyscale": (lambda c, d: _keyframe(c, 0).convert("L").save(d / "0000.png"), "0000.png: is greyscale"),
    "grey in RGB": (
        lambda c, d: _keyframe(c, 30).save(d / "0030.png"),
        "0030.png: has no colour",
    ),
    "transparent": (
        lambda c, d: (
            _keyframe(c, 0).convert("RGBA").crop((-10, 0, SIZE[0] - 10, SIZE[1])).save(d / "0000.png")
        ),
        "0000.png: has transparent pixels",
    ),
    "past the end": (
        lambda c, d: _keyframe(c, 0).save(d / "0099.png"),
        "frame 99 is past the end of the clip",
    ),
    "another frame": (
        lambda c, d: _keyframe(c, 2).save(d / "0030.png"),
        "0030.png: its picture is not frame 30",
    ),
    "not an index": (
        lambda c, d: _keyframe(c, 0).save(d / "first.png"),
        "first.png: the name is not a frame index",
    ),
    "two for one frame": (
        lambda c, d: (_keyframe(c, 0).save(d / "0000.png"), _keyframe(c, 0).save(d / "0.tif")),
        "frame 0 already has a keyframe",
    ),
    "not an image": (
        lambda c, d: (d / "0000.png").write_bytes(b"\x89PNG broken"),
        "0000.png: cannot be read",
    ),
    "empty": (lambda c, d: None, "holds no keyframes"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_keyframes_are_named_before_any_work(case: str, clip: ColourClip, tmp_path: Path) -> None:
    make, message = BAD[case]
    folder = tmp_path / "keys"
    folder.mkdir()
    make(clip, folder)
    with pytest.raises(KeyframeError, match=message):
        open_job(clip.scan, BUILTIN_PRESETS["standard"], device="cpu", keyframes=folder)


@pytest.mark.parametrize("where", ["missing", "a file"])
def test_an_unreadable_keyframe_folder_fails_the_command_cleanly(
    where: str, clip: ColourClip, tmp_path: Path
) -> None:
    folder = tmp_path / "keys"
    if where == "a file":
        folder.write_text("not a folder")
    out = tmp_path / "out.mp4"
    run = mutoscope("restore", str(clip.scan), "-o", str(out), "--keyframes", str(folder), "--device", "cpu")
    assert run.returncode == 1
    assert str(folder) in run.stderr and ("does not exist" in run.stderr or "is not a folder" in run.stderr)
    assert not out.exists() and "Traceback" not in run.stderr


def test_suggest_starts_every_shot_and_export_keeps_coloured_work(clip: ColourClip, tmp_path: Path) -> None:
    run = mutoscope("keyframes", "suggest", str(clip.scan), "--count", "3")
    assert run.returncode == 0, run.stderr
    picks = [int(line.split()[0]) for line in run.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert len(picks) == 3 and 0 in picks and FIRST_SHOT in picks
    assert f"--at {','.join(map(str, picks))}" in run.stdout
    folder = tmp_path / "keys"
    run = mutoscope("keyframes", "export", str(clip.scan), str(folder), "--at", "5,30", "--device", "cpu")
    assert run.returncode == 0, run.stderr
    image = Image.open(folder / "0005.png")
    assert image.mode == "L" and image.size == SIZE
    paint(folder / "0005.png", clip.disc[5], folder / "0005.png")
    coloured = (folder / "0005.png").read_bytes()
    run = mutoscope("keyframes", "export", str(clip.scan), str(folder), "--at", "5", "--device", "cpu")
    assert run.returncode == 0 and "kept" in run.stdout
    assert (folder / "0005.png").read_bytes() == coloured, "an archivist's colouring was overwritten"
    assert sorted(p.name for p in folder.iterdir()) == ["0005.png", "0030.png"]


def test_ingest_with_keyframes_puts_the_coloured_clip_in_the_library(
    clip: ColourClip, keyframes: Path, tmp_path: Path
) -> None:
    library = tmp_path / "library"
    run = mutoscope(*ingest_args(clip.scan, library, "--keyframes", str(keyframes)))
    assert run.returncode == 0, run.stderr
    lib = Library(library)
    entry = lib.read().get("relay")
    assert entry is not None
    assert entry.provenance.keyframes == [0] and entry.provenance.quality["shots"] == 2
    restored = lab_frames(lib.path_of(entry.restored))
    assert entry.frame_count == len(restored) == len(clip.truth)
    assert float(restored[1:FIRST_SHOT, 1:].norm(dim=1).amax(dim=(1, 2)).min()) > 20, (
        "the restored version is in colour"
    )
    poster = to_lab(np.asarray(Image.open(lib.path_of(entry.poster)).convert("RGB")))
    assert poster.shape[-2:] == (SIZE[1], SIZE[0]) and float(poster[0, 1:].norm(dim=0).amax()) > 20
    assert not any((library / ".staging").glob("relay*")), "the work folder is removed after the commit"
    shutil.rmtree(library)


def test_a_keyframe_at_the_scan_size_colours_too(clip: ColourClip, keyframes: Path, tmp_path: Path) -> None:
    folder = tmp_path / "small"
    folder.mkdir()
    small = (SIZE[0] // 2, SIZE[1] // 2)
    Image.open(keyframes / "0000.png").resize(small, Image.Resampling.BOX).save(folder / "0000.png")
    out = tmp_path / "small.mp4"
    run = mutoscope(
        "restore",
        str(clip.scan),
        "-o",
        str(out),
        "--keyframes",
        str(folder),
        "--frames",
        "0:8",
        "--device",
        "cpu",
    )
    assert run.returncode == 0, run.stderr
    chroma = lab_frames(out)[:, 1:]
    assert chroma.shape[-2:] == (SIZE[1], SIZE[0])
    for i in range(8):
        inside = torch.from_numpy(binary_erosion(clip.disc[i], iterations=6))
        assert float((chroma[i][:, inside].mean(dim=1) - DISC_AB).norm()) < 0.35 * float(DISC_AB.norm()), i
