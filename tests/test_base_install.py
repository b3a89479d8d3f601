"""The kiosk's base install (no extras): the library and config commands work with neither the
engine's nor the demo's nor the player's packages present. Each run is a fresh interpreter in
which those packages cannot be imported, as on a PC that never installed them."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import content
import mutoscope.commands
from tests.helpers import write_scan

REPO = Path(__file__).resolve().parents[1]
ABSENT = ("torch", "torch_tensorrt", "kornia", "scipy", "skimage", "pyglet", "zmq", "aiohttp", "playwright")
"""What the extras bring, and the base install lacks."""

WITHOUT_EXTRAS = f"""
import sys
from importlib.abc import MetaPathFinder

class Absent(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {ABSENT!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}} (not in the base install)")
        return None

sys.meta_path.insert(0, Absent())
"""


def base_install(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRAS + code], capture_output=True, text=True, timeout=120, cwd=REPO
    )


def command(*args: str) -> subprocess.CompletedProcess[str]:
    return base_install(f"from mutoscope.cli import main\nmain({list(args)!r})")


def test_the_absent_packages_really_are_absent():
    run = base_install("import scipy")
    assert run.returncode == 1 and "not in the base install" in run.stderr


def test_every_content_module_but_the_demo_imports_without_extras():
    names = [f"content.{m.name}" for m in pkgutil.iter_modules(content.__path__) if m.name != "demo"]
    assert "content.library" in names and "content.testcard" in names
    run = base_install("import importlib\n" + "".join(f"importlib.import_module({n!r})\n" for n in names))
    assert run.returncode == 0, run.stderr
    run = base_install("import content.demo.source")
    assert run.returncode == 1 and "not in the base install" in run.stderr


def test_the_library_and_config_commands_work_without_extras(tmp_path: Path):
    assert command("--help").returncode == 0
    run = command("config", "check", "config/examples/demo.toml")
    assert run.returncode == 0 and "OK" in run.stdout, run.stderr
    scan = write_scan(tmp_path / "scan.mkv", frames=40)
    library = str(tmp_path / "lib")
    run = command("library", "add", "-l", library, str(scan), "--id", "relay", "--title", "Relay")
    assert run.returncode == 0, run.stderr
    assert [c["id"] for c in json.loads(command("library", "list", "-l", library, "--json").stdout)] == [
        "relay"
    ]
    assert command("library", "verify", "-l", library).returncode == 0
    assert command("library", "remove", "-l", library, "relay", "--yes").returncode == 0
    extras = {"play": "player", "conductor": "player", "send": "player", "keys": "player",
              "restore": "engine", "ingest": "engine", "keyframes": "engine", "demo-source": "demo"}  # fmt: skip
    for name, extra in extras.items():  # the extras' commands say what to install, no traceback
        run = command(name, *([str(tmp_path / "demo")] if name == "demo-source" else []))
        assert run.returncode == 1 and "Traceback" not in run.stderr, (name, run.stderr)
        assert f"mutoscope {name} needs the {extra} extra: pip install 'mutoscope[{extra}]'" in run.stderr


def test_the_command_modules_of_the_base_install_name_no_extra():
    kiosk = {"config", "library", "errors", "options", "progress", "services"}
    found = {m.name for m in pkgutil.iter_modules(mutoscope.commands.__path__)}
    assert kiosk <= found
    run = base_install("".join(f"import mutoscope.commands.{name}\n" for name in sorted(kiosk)))
    assert run.returncode == 0, run.stderr
