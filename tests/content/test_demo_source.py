import itertools
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from content.demo.source import SCENES, make_demo_source
from content.media import probe, read_frames

SMALL = (160, 120)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return make_demo_source(tmp_path_factory.mktemp("d") / "demo", size=SMALL)


def test_demo_is_twelve_seconds_at_18_fps_greyscale_at_half_size(demo):
    scan = probe(demo.scan, decode=True)
    truth = probe(demo.truth, decode=True)
    assert scan.frame_count == truth.frame_count == 216 and scan.fps == truth.fps == 18
    assert (scan.width, scan.height) == (80, 60) and (truth.width, truth.height) == SMALL
    record = json.loads(demo.record.read_text())
    assert record["cuts"] == [108] and len(record["frames"]) == 216
    assert record["params"]["downscale"] == 2 and record["seed"] == 1896


def test_keyframes_are_colour_frames_of_the_ground_truth_named_by_index(demo):
    assert [p.name for p in demo.keyframes] == ["0000.png", "0108.png", "0180.png"]
    truth = list(read_frames(demo.truth))
    for path in demo.keyframes:
        image = np.asarray(Image.open(path))
        assert image.shape == (120, 160, 3)
        assert np.array_equal(image, truth[int(path.stem)])
        assert np.abs(image[..., 0].astype(int) - image[..., 2]).mean() > 5  # really colour


def test_the_cut_changes_the_picture_and_camera_moves_between_cuts(demo):
    truth = [f.astype(float) for f in read_frames(demo.truth)]
    step = [np.abs(b - a).mean() for a, b in itertools.pairwise(truth)]
    assert int(np.argmax(step)) == 107  # frame 107 -> 108 is the cut
    assert 0 < np.median(step) < step[107] / 5


def test_same_seed_gives_the_same_clip_and_another_seed_does_not(tmp_path, demo):
    again = make_demo_source(tmp_path / "again", size=SMALL)
    other = make_demo_source(tmp_path / "other", size=SMALL, seed=7)
    first = list(read_frames(demo.scan, "gray"))
    assert all(np.array_equal(a, b) for a, b in zip(first, read_frames(again.scan, "gray"), strict=True))
    assert not np.array_equal(first[10], list(read_frames(other.scan, "gray"))[10])


def test_existing_output_is_never_overwritten_unasked(demo):
    before = demo.scan.read_bytes()
    with pytest.raises(FileExistsError, match="already exists"):
        make_demo_source(demo.folder, size=SMALL)
    assert demo.scan.read_bytes() == before


def test_every_scene_is_made_from_bundled_photographs():
    from content.demo.source import _photo

    for scene in SCENES.values():
        for shot in scene.shots:
            assert _photo(shot.photo).mode == "RGB"
        assert all(0 <= k < scene.frame_count for k in scene.keyframes)


def test_the_scene_names_the_command_offers_are_the_scenes():
    from content.demo import SCENE_NAMES

    assert tuple(SCENES) == SCENE_NAMES


def test_cli_makes_a_demo_source(tmp_path):
    out = tmp_path / "cli"
    run = subprocess.run(
        [sys.executable, "-m", "mutoscope", "demo-source", str(out), "--scene", "cat", "--strength", "0.5"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "keyframes:   0000.png, 0090.png, 0150.png" in run.stdout
    assert probe(out / "scan.mkv").frame_count == 180
    bad = subprocess.run(
        [sys.executable, "-m", "mutoscope", "demo-source", str(tmp_path / "x"), "--scene", "moon"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert bad.returncode == 2 and "'moon' is not one of 'demo', 'cat', 'table'" in bad.stderr
