"""The command line a user types: every option explained and meaning one thing, titles shown as
written, warnings for files that are not films, and clear errors where a traceback was."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import numpy as np
import pytest
from PIL import Image

from content.importer import add_scan
from content.library import Library
from tests.helpers import write_scan


def mutoscope(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mutoscope", *args],
        capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})},
    )  # fmt: skip


def every_command() -> Iterator[tuple[str, click.Command]]:
    from mutoscope.cli import main

    context = click.Context(main)
    stack = [(name, main.get_command(context, name)) for name in main.list_commands(context)]
    while stack:
        name, command = stack.pop()
        assert command is not None
        if isinstance(command, click.Group):
            stack += [(f"{name} {sub}", command.commands[sub]) for sub in command.commands]
        else:
            yield name, command


def test_every_option_of_every_command_says_what_it_does():
    for name, command in every_command():
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                assert parameter.help, f"mutoscope {name} {parameter.opts[0]} has no help"


def test_shared_options_mean_one_thing_everywhere():
    meanings: dict[str, set[str]] = {}
    for name, command in every_command():
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                for opt in parameter.opts:
                    meanings.setdefault(opt, set()).add(parameter.help or "")
        names = {opt for p in command.params if isinstance(p, click.Option) for opt in p.opts}
        assert "--overwrite" not in names, f"mutoscope {name}: --replace is the word"
    for opt in ("-v", "--library", "--device", "--scale", "--frames"):
        assert len(meanings[opt]) == 1, f"{opt} means {meanings[opt]}"
    assert all(help.startswith("Replace ") for help in meanings["--replace"])


@pytest.fixture
def library(tmp_path: Path, scan: Path) -> Library:
    library = Library.create(tmp_path / "lib")
    add_scan(library, scan, "relay", "Relay [reel 2] [/]", 1912)
    return library


def test_titles_are_shown_as_written_never_as_markup(library: Library):
    run = mutoscope("library", "list", "--library", str(library.root), env={"COLUMNS": "200"})
    assert run.returncode == 0, run.stderr
    assert "Relay [reel 2] [/]" in run.stdout and "Traceback" not in run.stderr


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` cannot be written, even by root (immutable), for the time being."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
            pytest.skip(f"{folder}: this file system cannot make a folder immutable (chattr +i)")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)


def test_removing_from_a_read_only_library_says_so_and_changes_nothing(library: Library):
    before = library.manifest_path.read_bytes()
    with read_only(library.root):
        run = mutoscope("library", "remove", "--library", str(library.root), "relay", "--yes")
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert f"{library.root}" in run.stderr and "cannot" in run.stderr
    assert library.manifest_path.read_bytes() == before


def test_a_still_image_or_a_fragment_is_added_with_a_warning(tmp_path: Path):
    still = tmp_path / "poster.png"
    Image.fromarray(np.full((48, 64, 3), 120, np.uint8)).save(still)
    run = mutoscope(
        "library", "add", "-l", str(tmp_path / "lib"), str(still), "--id", "poster", "--title", "P"
    )
    assert run.returncode == 0, run.stderr
    assert f"warning: {still}: a still image (png), not a film" in run.stderr
    fragment = write_scan(tmp_path / "fragment.mkv", frames=6)
    run = mutoscope(
        "library", "add", "-l", str(tmp_path / "lib"), str(fragment), "--id", "bit", "--title", "B"
    )
    assert run.returncode == 0 and "only 6 frames (0.3 s)" in run.stderr
    film = write_scan(tmp_path / "film.mkv", frames=60)
    run = mutoscope("library", "add", "-l", str(tmp_path / "lib"), str(film), "--id", "film", "--title", "F")
    assert run.returncode == 0 and "warning" not in run.stderr


def test_keys_generate_prints_a_key_line_for_every_client(tmp_path: Path):
    run = mutoscope("keys", "generate", str(tmp_path / "keys"), "--client", "screens", "--client", "tablet")
    assert run.returncode == 0, run.stderr
    for name in ("screens", "tablet"):
        assert f'client_key = "{tmp_path / "keys" / name}.key_secret"' in run.stdout
    import tomllib

    assert tomllib.loads(run.stdout)["security"]["client_key"].endswith("screens.key_secret")
    again = mutoscope("keys", "generate", str(tmp_path / "keys"), "--client", "tablet")
    assert again.returncode == 1 and "keys are never replaced" in again.stderr
