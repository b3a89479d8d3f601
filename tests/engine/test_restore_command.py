"""``mutoscope restore``: the restored clip alone, the stages sheet, and every preset."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from config.presets import BUILTIN_PRESETS
from tests.engine.clips import FRAMES, SIZE, DefectClip, make_clip, mutoscope, restore, rmse, scan_frames


@pytest.fixture(scope="module")
def aged(tmp_path_factory: pytest.TempPathFactory) -> DefectClip:
    return make_clip(tmp_path_factory.mktemp("restore"), "everything")


def test_restore_writes_the_range_at_the_scale_and_rate(aged: DefectClip, tmp_path: Path) -> None:
    out = tmp_path / "restored.mp4"
    run = mutoscope("restore", str(aged.scan), "-o", str(out), "--scale", "2", "--frames", "4:24")
    assert run.returncode == 0, run.stderr
    assert f"restored 20 frames ({SIZE[0]}x{SIZE[1]})" in run.stdout
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="gray") for f in container.decode(stream)]
        assert stream.average_rate == Fraction(18)
    assert len(frames) == 20 and frames[0].shape == (SIZE[1], SIZE[0])
    # frame 0 of the output is frame 4 of the clip, restored: nearer its truth than to frame 0's
    first = frames[0].astype(np.float64) / 255.0
    assert np.abs(first - aged.truth_full[4]).mean() < np.abs(first - aged.truth_full[0]).mean()
    assert not list(tmp_path.glob(".*partial*"))


def test_stages_sheet_shows_one_frame_after_each_stage(aged: DefectClip, tmp_path: Path) -> None:
    from engine.sheet import COLUMNS, LABEL_HEIGHT, TILE_WIDTH

    sheet = tmp_path / "stages.png"
    run = mutoscope("restore", str(aged.scan), "--stages-sheet", str(sheet), "--frame", "20")
    assert run.returncode == 0, run.stderr
    image = np.asarray(Image.open(sheet).convert("L"), dtype=np.float64) / 255.0
    tile_h = round(TILE_WIDTH * SIZE[1] / SIZE[0])
    cell_h = tile_h + LABEL_HEIGHT
    assert image.shape == (2 * cell_h, COLUMNS * TILE_WIDTH)  # scan, 5 stages, upscale

    def tile(i: int) -> np.ndarray:
        y, x = i // COLUMNS * cell_h + LABEL_HEIGHT, i % COLUMNS * TILE_WIDTH
        return image[y : y + tile_h, x : x + TILE_WIDTH]

    def at_tile_size(frame: np.ndarray) -> np.ndarray:
        picture = Image.fromarray(np.round(frame * 255).astype(np.uint8))
        return np.asarray(picture.resize((TILE_WIDTH, tile_h)), dtype=np.float64) / 255.0

    truth = at_tile_size(aged.truth[20])
    scan_tile, grain_tile = tile(0), tile(5)
    assert np.abs(scan_tile - at_tile_size(scan_frames(aged.scan)[20])).mean() < 0.02
    # the tiles are the stages' real outputs: the last stage is clearly nearer the truth (which
    # still differs by the weave's unknowable mean shift)
    inner = (slice(24, -24), slice(24, -24))
    assert np.abs(grain_tile - truth)[inner].mean() < 0.75 * np.abs(scan_tile - truth)[inner].mean()


@pytest.mark.parametrize("name", sorted(BUILTIN_PRESETS))
def test_every_preset_brings_an_aged_clip_nearer_its_truth(aged: DefectClip, name: str) -> None:
    preset = BUILTIN_PRESETS[name].model_copy(update={"scale": 1})
    scan, restored = scan_frames(aged.scan), restore(aged.scan, preset)
    assert restored.shape == (FRAMES, SIZE[1] // 2, SIZE[0] // 2)
    assert rmse(restored, aged.truth, border=8) < 0.8 * rmse(scan, aged.truth, border=8)


def test_a_colour_scan_keeps_its_colour_only_when_the_preset_says_so(tmp_path: Path) -> None:
    from content.demo.source import render_shot
    from content.media import LOSSLESS_RGB, VideoWriter
    from tests.engine.clips import FPS, SHOT

    # the astronaut in colour at scan size, with grain in every channel
    rng = np.random.default_rng(5)
    clean = np.stack(render_shot(SHOT, (SIZE[0] // 2, SIZE[1] // 2)))
    noisy = np.clip(clean + rng.normal(0, 0.04, clean.shape), 0, 1)
    scan = tmp_path / "colour.mkv"
    with VideoWriter(scan, FPS, SIZE[0] // 2, SIZE[1] // 2, LOSSLESS_RGB) as writer:
        for frame in noisy:
            writer.write(np.round(frame * 255).astype(np.uint8))

    grey = restore(scan, BUILTIN_PRESETS["standard"])
    assert grey.shape == (FRAMES, SIZE[1], SIZE[0])  # greyscale film, as by default

    colour = restore(scan, BUILTIN_PRESETS["standard"].model_copy(update={"colour_scan": True}))
    assert colour.shape == (FRAMES, SIZE[1], SIZE[0], 3)
    inner = (slice(None), slice(16, -16), slice(16, -16))
    truth = clean.repeat(2, axis=1).repeat(2, axis=2)[inner]
    # the colour is the scan's: the same mean colour and the same red-green contrast
    assert np.abs(colour[inner].mean(axis=(0, 1, 2)) - truth.mean(axis=(0, 1, 2))).max() < 0.03
    red_green, true_red_green = colour[inner][..., 0] - colour[inner][..., 1], truth[..., 0] - truth[..., 1]
    assert np.corrcoef(red_green.ravel(), true_red_green.ravel())[0, 1] > 0.8
    # and its luma went through the same stages as the greyscale run's
    luma = colour @ np.array([0.299, 0.587, 0.114])
    assert np.abs(luma - grey)[inner].mean() < 0.01
