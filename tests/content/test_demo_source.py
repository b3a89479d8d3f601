import itertools
import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from content.demo.source import SCENES, make_demo_source, object_mask, render_frame
from content.media import probe, read_frames, sha256_file

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


def test_same_seed_gives_the_same_files_byte_for_byte_and_another_seed_does_not(tmp_path, demo):
    again = make_demo_source(tmp_path / "again", size=SMALL)
    other = make_demo_source(tmp_path / "other", size=SMALL, seed=7)
    files = sorted(p.relative_to(demo.folder) for p in demo.folder.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again.folder) for p in again.folder.rglob("*") if p.is_file())
    for name in files:  # the Matroska files too: no random segment ids, no dates
        assert sha256_file(demo.folder / name) == sha256_file(again.folder / name), name
    first = list(read_frames(demo.scan, "gray"))
    assert not np.array_equal(first[10], list(read_frames(other.scan, "gray"))[10])


def test_existing_output_is_never_overwritten_unasked(demo):
    before = demo.scan.read_bytes()
    with pytest.raises(FileExistsError, match="already exists"):
        make_demo_source(demo.folder, size=SMALL)
    assert demo.scan.read_bytes() == before


def test_every_scene_is_made_from_bundled_photographs():
    from content.demo.source import _cut, _photo

    for scene in SCENES.values():
        for shot in scene.shots:
            assert _photo(shot.photo).mode == "RGB"
            assert all(_cut(actor.cutout).mode == "RGBA" for actor in shot.actors)
        assert all(0 <= k < scene.frame_count for k in scene.keyframes)
        assert any(shot.actors for shot in scene.shots)  # every scene has motion not the camera's


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
    assert bad.returncode == 2 and "'moon' is not one of 'demo', 'cat', 'table', 'crossing'" in bad.stderr


def _without(shot, *names):
    """``shot`` with the actors ``names`` taken out."""
    return replace(shot, actors=tuple(a for a in shot.actors if a.cutout not in names))


def test_the_record_says_where_each_object_is_in_every_frame(demo):
    record = json.loads(demo.record.read_text())
    assert len(record["objects"]) == 216
    assert [o["name"] for o in record["objects"][0]] == ["patch", "cat-head"]  # back to front
    for index in (0, 150):
        for placed in record["objects"][index]:
            x0, y0, x1, y1 = placed["box"]
            mask = object_mask("demo", index, SMALL, name=placed["name"])
            assert mask.any() and not mask[:y0].any() and not mask[y1:].any()
            assert not mask[:, :x0].any() and not mask[:, x1:].any()


def test_the_object_mask_is_where_the_objects_change_the_picture():
    shot, local = SCENES["demo"].locate(30)  # the cat's head and the patch over the rocket pan
    drawn = render_frame(shot, local, SMALL)
    bare = render_frame(_without(shot, "cat-head", "patch"), local, SMALL)
    mask = object_mask("demo", 30, SMALL)
    assert 0.1 < mask.mean() < 0.5
    assert np.abs(drawn - bare)[mask].mean() > 0.05
    outside = ~ndimage.binary_dilation(mask, iterations=2)  # beyond the soft rim
    assert np.array_equal(drawn[outside], bare[outside])


def test_an_object_walks_across_a_locked_off_shot():
    scene = SCENES["crossing"]
    shot, _ = scene.locate(0)
    assert shot.start == shot.end  # the camera does not move
    first, last = object_mask("crossing", 0, SMALL), object_mask("crossing", 80, SMALL)
    centre = [ndimage.center_of_mass(m)[1] / SMALL[0] for m in (first, last)]
    assert centre[1] - centre[0] > 0.5  # left to right, most of the frame's width
    still = ~ndimage.binary_dilation(first | last, iterations=2)
    assert np.array_equal(render_frame(shot, 0, SMALL)[still], render_frame(shot, 80, SMALL)[still])


def test_the_object_in_front_hides_the_one_behind_where_they_cross():
    index = 162  # the cup (behind) and the cat's head (in front) cross mid-shot over the astronaut
    shot, local = SCENES["demo"].locate(index)
    assert [a.cutout for a in shot.actors] == ["cup", "cat-head"]
    bare = render_frame(_without(shot, "cup", "cat-head"), local, SMALL)
    cup = render_frame(_without(shot, "cat-head"), local, SMALL)
    cat = render_frame(_without(shot, "cup"), local, SMALL)
    both = render_frame(shot, local, SMALL)
    overlap = (np.abs(cup - bare).sum(-1) > 0.05) & (np.abs(cat - bare).sum(-1) > 0.05)
    assert overlap.sum() > 200
    assert np.abs(both - cat)[overlap].mean() < 0.01 < 0.05 < np.abs(both - cup)[overlap].mean()
    assert object_mask("demo", index, SMALL, name="cat-head")[overlap].mean() > 0.9
    assert object_mask("demo", index, SMALL, name="cup")[overlap].mean() < 0.1


def test_objects_turn_as_they_go():
    shot, _ = SCENES["demo"].locate(0)  # the patch turns in place
    start, end = (object_mask("demo", i, SMALL, name="patch") for i in (0, 60))
    assert abs(ndimage.center_of_mass(start)[1] - ndimage.center_of_mass(end)[1]) < 1
    patch = [render_frame(_without(shot, "cat-head"), i, SMALL)[start & end] for i in (0, 60)]
    assert np.abs(patch[0] - patch[1]).mean() > 0.05  # the same place, its picture turned
