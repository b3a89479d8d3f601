import itertools
import json
import shutil
from pathlib import Path

import av
import pytest
from PIL import Image

from content.importer import add_scan
from content.library import ClipExistsError, ClipNotFoundError, Library, LibraryError
from content.manifest import ManifestError, NewerSchemaError
from content.media import MediaError, read_frames
from content.verify import verify_library
from tests.helpers import write_scan


def _decoded(path: Path) -> list[tuple[int, bool, int]]:
    """(pts, keyframe, grey level) of every frame."""
    with av.open(str(path)) as container:
        return [
            (frame.pts, frame.key_frame, int(frame.to_ndarray(format="gray").mean().round()))
            for frame in container.decode(video=0)
        ]


def test_added_clip_has_both_versions_in_step_with_short_gops(tmp_path, scan):
    library = Library.create(tmp_path / "lib")
    clip = add_scan(library, scan, "run", "The run", 1924)

    assert library.read().clips == [clip]
    original = _decoded(library.path_of(clip.original))
    restored = _decoded(library.path_of(clip.restored))
    assert len(original) == len(restored) == clip.frame_count == 12
    assert [f[0] for f in original] == [f[0] for f in restored]  # same timestamps
    levels = [f[2] for f in original]
    assert all(abs(level - (16 + 10 * i)) <= 2 for i, level in enumerate(levels))  # frame i is frame i
    keyframes = [i for i, f in enumerate(original) if f[1]]
    assert keyframes[0] == 0 and max(b - a for a, b in itertools.pairwise(keyframes)) <= 9
    assert clip.fps == "18/1" and clip.duration == pytest.approx(12 / 18)
    assert clip.provenance.restoration == "reencode"
    assert Image.open(library.path_of(clip.poster)).size == (32, 24)
    record = json.loads((library.root / clip.folder / "clip.json").read_text())
    assert record["provenance"]["source"]["filename"] == "scan.mkv"
    assert verify_library(library) == []


def test_replacing_a_clip_keeps_one_revision_and_the_others(tmp_path, scan):
    library = Library.create(tmp_path / "lib")
    add_scan(library, scan, "a", "A")
    first = add_scan(library, scan, "b", "B")
    with pytest.raises(ClipExistsError, match="clip 'b' already exists"):
        add_scan(library, scan, "b", "B again")
    assert library.read().get("b") == first and list((library.root / ".staging").iterdir()) == []
    second = add_scan(library, scan, "b", "B again", replace=True)

    manifest = library.read()
    assert [c.id for c in manifest.clips] == ["a", "b"]
    assert manifest.get("b").title == "B again"
    assert not (library.root / first.folder).exists()
    assert (library.root / second.folder).is_dir()
    assert sorted(p.name.split(".")[0] for p in (library.root / "clips").iterdir()) == ["a", "b"]


def test_remove_takes_out_one_clip_and_its_files(tmp_path, scan):
    library = Library.create(tmp_path / "lib")
    keep = add_scan(library, scan, "keep", "Keep")
    gone = add_scan(library, scan, "gone", "Gone")
    library.remove("gone")
    assert [c.id for c in library.read().clips] == ["keep"]
    assert not (library.root / gone.folder).exists()
    assert verify_library(library) == [] and (library.root / keep.folder).is_dir()
    with pytest.raises(ClipNotFoundError, match="no clip 'gone'"):
        library.remove("gone")


def test_verify_reports_every_bad_clip_by_id_and_file(tmp_path, scan):
    library = Library.create(tmp_path / "lib")
    missing = add_scan(library, scan, "missing", "M")
    truncated = add_scan(library, scan, "truncated", "T")
    changed = add_scan(library, scan, "changed", "C")
    good = add_scan(library, scan, "good", "G")

    library.path_of(missing.restored).unlink()
    path = library.path_of(truncated.original)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    poster = library.path_of(changed.poster)
    poster.write_bytes(poster.read_bytes()[:-1] + b"\0")

    problems = {(p.clip_id, p.file): p.message for p in verify_library(library)}
    assert problems[("missing", missing.restored.path)] == "missing"
    assert "size is" in problems[("truncated", truncated.original.path)]
    assert "SHA-256" in problems[("changed", changed.poster.path)]
    assert not any(clip_id == good.id for clip_id, _ in problems)
    assert len(problems) == 3


def test_verify_finds_a_video_that_decodes_short_despite_matching_hash(tmp_path, scan):
    library = Library.create(tmp_path / "lib")
    clip = add_scan(library, scan, "short", "S")
    shorter = write_scan(tmp_path / "short.mkv", frames=5)
    # An edited manifest that claims a shorter file is whole: verify decodes and counts.
    bad = library.path_of(clip.restored)
    shutil.copy(shorter, bad)
    from content.media import sha256_file

    data = json.loads(library.manifest_path.read_text())
    data["clips"][0]["restored"].update(sha256=sha256_file(bad), size=bad.stat().st_size)
    library.manifest_path.write_text(json.dumps(data))
    [problem] = verify_library(library)
    assert problem.clip_id == "short" and "decodes to 5 frames, expected 12" in problem.message


def test_a_failed_add_leaves_the_library_as_it_was(tmp_path, scan):
    library = Library.create(tmp_path / "lib")
    add_scan(library, scan, "keep", "Keep")
    before = library.manifest_path.read_bytes()
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("this is not a video")
    with pytest.raises(MediaError, match=r"notes.mp4: not a readable video"):
        add_scan(library, not_video, "bad", "Bad")
    assert library.manifest_path.read_bytes() == before
    assert list((library.root / ".staging").iterdir()) == []
    assert verify_library(library) == []


def test_a_newer_library_is_refused_and_left_untouched(tmp_path, scan):
    library = Library.create(tmp_path / "lib")
    newer = b'{"schema_version": "2.0", "clips": [], "future": true}'
    library.manifest_path.write_bytes(newer)
    with pytest.raises(NewerSchemaError, match="newer Mutoscope"):
        library.read()
    with pytest.raises(NewerSchemaError):
        add_scan(library, scan, "x", "X")
    assert library.manifest_path.read_bytes() == newer


def test_unsafe_ids_never_touch_the_file_system(tmp_path, scan):
    library = Library.create(tmp_path / "lib")
    with pytest.raises(ValueError, match="not allowed"):
        add_scan(library, scan, "../escape", "X")
    assert not (tmp_path / "escape").exists() and not list((tmp_path / "lib" / ".staging").iterdir())


def test_a_library_where_none_can_be_made_says_so(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(LibraryError, match=r"cannot create the library here"):
        Library.create(blocker / "lib")
    with pytest.raises(LibraryError, match="no library here"):
        Library(tmp_path / "nowhere").read()


def test_hand_edited_manifest_with_a_bad_field_is_named(tmp_path, scan):
    library = Library.create(tmp_path / "lib")
    add_scan(library, scan, "a", "A")
    data = json.loads(library.manifest_path.read_text())
    data["clips"][0]["restored"]["frame_count"] = "many"
    library.manifest_path.write_text(json.dumps(data))
    with pytest.raises(ManifestError, match=r"clips\.0\.restored\.frame_count"):
        library.read()


def test_read_frames_yields_every_frame_in_order(scan):
    levels = [int(frame.mean().round()) for frame in read_frames(scan, "gray")]
    assert levels == [16 + 10 * i for i in range(12)]


def test_a_restoration_made_elsewhere_is_imported_frame_for_frame(tmp_path, scan):
    library = Library.create(tmp_path / "lib")
    restored = write_scan(tmp_path / "restored.mkv", frames=12, size=(64, 48))
    clip = add_scan(library, scan, "ext", "External", restored=restored)
    assert clip.provenance.restoration == "external"
    assert (clip.original.width, clip.restored.width) == (32, 64)
    levels = [int(f.mean().round()) for f in read_frames(library.path_of(clip.restored), "gray")]
    assert all(abs(level - (16 + 10 * i)) <= 2 for i, level in enumerate(levels)) and len(levels) == 12
    before = library.manifest_path.read_bytes()
    short = write_scan(tmp_path / "short.mkv", frames=5)
    with pytest.raises(LibraryError, match=r"short.mkv: 5 frames at 18 fps, but the scan .* frame for frame"):
        add_scan(library, scan, "bad", "Bad", restored=short)
    assert library.manifest_path.read_bytes() == before
