"""``make bench`` runs suite after suite: each on a display of its own, and nothing a suite
started outlives it (real processes, real Xvfb, a real OpenGL context)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.run import isolated


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def xvfb_servers() -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "Xvfb":
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


def test_suites_that_open_windows_run_one_after_another():
    first = isolated("tests.bench_probe:window", {})
    second = isolated("tests.bench_probe:window", {})  # in one process, pyglet would die here (XIO)
    assert first["red"] == second["red"] == 255
    assert first["pid"] != second["pid"] != os.getpid()


def test_nothing_a_suite_started_outlives_it():
    before = xvfb_servers()
    left = isolated("tests.bench_probe:leaves_a_process", {})
    assert not alive(left["sleeper"]), "the suite's child process is still running"
    assert xvfb_servers() <= before, "the suite's Xvfb is still running"


def test_a_failing_suite_is_reported_and_cleaned_up():
    with pytest.raises(RuntimeError, match=r"tests\.bench_probe:nothing failed"):
        isolated("tests.bench_probe:nothing", {})
