import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content.manifest import (
    SCHEMA_MAJOR,
    ManifestError,
    NewerSchemaError,
    UnsafeClipIdError,
    check_clip_id,
    empty_manifest,
    parse_manifest,
)


@pytest.mark.parametrize("good", ["demo", "paris-1924", "a", "x_1", "0lympics"])
def test_safe_clip_ids_are_accepted(good):
    assert check_clip_id(good) == good


@pytest.mark.parametrize(
    "bad", ["../etc", "a/b", "", ".hidden", "a.b", "Demo", "a b", "-x", "x" * 65, "..", "a\\b", "é"]
)
def test_unsafe_clip_ids_are_refused(bad):
    with pytest.raises(UnsafeClipIdError, match="not allowed"):
        check_clip_id(bad)


def test_newer_major_schema_is_refused_with_a_clear_message():
    data = json.dumps({"schema_version": f"{SCHEMA_MAJOR + 1}.0", "clips": [], "new_thing": 1})
    with pytest.raises(NewerSchemaError, match=r"lib/manifest.json: schema version 2.0 .*newer Mutoscope"):
        parse_manifest(data.encode(), "lib/manifest.json")


def test_newer_minor_schema_of_the_same_major_is_read():
    data = json.dumps({"schema_version": f"{SCHEMA_MAJOR}.9", "clips": []})
    assert parse_manifest(data.encode(), "m").clips == []


def test_broken_json_names_the_file():
    with pytest.raises(ManifestError, match=r"^lib/manifest.json: not valid JSON"):
        parse_manifest(b'{"schema_version": ', "lib/manifest.json")


def test_round_trip_of_an_empty_manifest():
    manifest = empty_manifest()
    assert parse_manifest(manifest.model_dump_json().encode(), "m") == manifest


def test_manifest_naming_paths_outside_the_library_is_refused(tmp_path):
    clip = {
        "id": "../evil",
        "title": "t",
        "folder": "../../etc",
        "fps": "18/1",
        "frame_count": 1,
    }
    data = json.dumps({"schema_version": "1.0", "clips": [clip]})
    with pytest.raises(ManifestError) as caught:
        parse_manifest(data.encode(), "m.json")
    text = str(caught.value)
    assert "clips.0.id" in text and "not allowed" in text
    assert "clips.0.folder" in text and "stay inside the library" in text


@given(st.text(max_size=80))
def test_any_accepted_id_names_a_direct_child_of_the_library(text):
    root = Path("/srv/library/clips").resolve()
    try:
        clip_id = check_clip_id(text)
    except UnsafeClipIdError:
        return
    assert (root / f"{clip_id}.rev").resolve().parent == root
