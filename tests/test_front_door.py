"""The ``mutoscope`` command as a user runs it: real processes, real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from content.importer import add_scan
from content.library import Library

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "engine", "player", "skimage", "scipy")


def mutoscope(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mutoscope", *args], capture_output=True, text=True, input=stdin, timeout=120
    )


def loaded_by(*args: str) -> set[str]:
    """Top-level packages imported while running ``mutoscope ARGS`` in a fresh interpreter."""
    code = (
        "import sys\nfrom mutoscope.cli import main\n"
        f"try:\n    main({list(args)!r})\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    return set(run.stdout.split("\n")[-2].split())


@pytest.fixture
def library(tmp_path, scan) -> Library:
    library = Library.create(tmp_path / "lib")
    add_scan(library, scan, "relay", "Relay, Paris", 1924)
    add_scan(library, scan, "marathon", "Marathon", 1928)
    return library


def test_help_lists_every_command_without_loading_them():
    run = mutoscope("--help")
    assert run.returncode == 0
    for name in ("config", "library", "demo-source", "play"):
        assert name in run.stdout
    assert not loaded_by("--help") & {"content", "config", *HEAVY}


def test_subcommands_load_only_their_own_package(library):
    assert not loaded_by("config", "check", "config/examples/demo.toml") & {"content", *HEAVY}
    used = loaded_by("library", "list", "--library", str(library.root))
    assert "content" in used and not used & {"config", *HEAVY}
    played = loaded_by("play", "--config", str(library.root / "nowhere.toml"), "--screen", "x")
    assert not played & {"torch", "engine", "skimage", "scipy"}


def test_config_check_reports_ok_and_problems_with_exit_status(tmp_path):
    good = mutoscope("config", "check", str(REPO / "config/examples/wall.toml"))
    assert good.returncode == 0 and "OK: 'Stadium wall', 3 screen(s)" in good.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nlibrary = "l"\n[[screens]]\nid = "a"\nfulscreen = true\n')
    run = mutoscope("config", "check", str(bad))
    assert run.returncode == 1
    assert f"{bad}:5: screens[0].fulscreen: unknown key; did you mean 'fullscreen'?" in run.stderr


def test_library_list_show_and_json(library):
    table = mutoscope("library", "list", "--library", str(library.root))
    assert table.returncode == 0 and "relay" in table.stdout and "Marathon" in table.stdout
    listed = json.loads(mutoscope("library", "list", "--library", str(library.root), "--json").stdout)
    assert [c["id"] for c in listed] == ["relay", "marathon"]
    shown = json.loads(mutoscope("library", "show", "--library", str(library.root), "relay").stdout)
    assert shown["year"] == 1924 and shown["provenance"]["restoration"] == "reencode"
    missing = mutoscope("library", "show", "--library", str(library.root), "nope")
    assert missing.returncode == 1 and "no clip 'nope'" in missing.stderr


def test_library_verify_names_each_bad_clip_and_file(library):
    assert mutoscope("library", "verify", "--library", str(library.root)).returncode == 0
    clips = {c.id: c for c in library.read().clips}
    library.path_of(clips["relay"].original).unlink()
    library.path_of(clips["marathon"].poster).write_bytes(b"not a jpeg")
    run = mutoscope("library", "verify", "--library", str(library.root))
    assert run.returncode == 1
    assert f"relay: {clips['relay'].original.path}: missing" in run.stderr
    assert f"marathon: {clips['marathon'].poster.path}: size is" in run.stderr
    assert "2 bad clip(s), 2 problem(s)" in run.stderr


def test_library_remove_asks_unless_told(library):
    declined = mutoscope("library", "remove", "--library", str(library.root), "relay", stdin="n\n")
    assert declined.returncode == 1 and library.read().get("relay") is not None
    run = mutoscope("library", "remove", "--library", str(library.root), "relay", "--yes")
    assert run.returncode == 0 and "removed relay" in run.stdout
    assert [c.id for c in library.read().clips] == ["marathon"]


def test_library_add_rejects_unsafe_ids_and_bad_files(tmp_path, scan):
    lib = tmp_path / "lib"
    run = mutoscope("library", "add", "--library", str(lib), str(scan), "--id", "../up", "--title", "x")
    assert run.returncode == 1 and "clip id '../up' is not allowed" in run.stderr
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\0" * 100)
    run = mutoscope("library", "add", "--library", str(lib), str(junk), "--id", "j", "--title", "x")
    assert run.returncode == 1 and f"{junk}: not a readable video" in run.stderr
    run = mutoscope("library", "list", "--library", str(lib), "--json")
    assert json.loads(run.stdout) == []


def test_library_add_never_replaces_a_clip_unasked(library, scan):
    before = library.manifest_path.read_bytes()
    args = ("library", "add", "--library", str(library.root), str(scan), "--id", "relay", "--title", "New")
    run = mutoscope(*args)
    assert run.returncode == 1 and "clip 'relay' already exists; pass --replace" in run.stderr
    assert library.manifest_path.read_bytes() == before
    assert mutoscope(*args, "--replace").returncode == 0
    assert library.read().get("relay").title == "New"


def test_the_base_install_never_pulls_torch():
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    requirements = [Requirement(text) for text in requires("mutoscope")]
    base = {r.name for r in requirements if r.marker is None}
    by_extra = {
        extra: {r.name for r in requirements if r.marker and r.marker.evaluate({"extra": extra})}
        for extra in ("engine", "gpu", "player", "dev")
    }
    assert "torch" not in base and {"av", "numpy", "pydantic"} <= base
    assert "torch" in by_extra["engine"] and "torch-tensorrt" in by_extra["gpu"]
    assert {"pyglet", "pyzmq"} <= by_extra["player"] and "torch" not in by_extra["player"]
