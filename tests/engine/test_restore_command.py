"""``mutoscope restore``: the restored clip alone, the stages sheet, and every preset."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from config.presets import BUILTIN_PRESETS
from tests.engine.clips import FRAMES, SIZE, DefectClip, make_clip, restore, rmse, scan_frames


def mutoscope(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mutoscope", *args], capture_output=True, text=True, timeout=300
    )


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
