"""Screenshots of the operator's tablet page for ``docs/``: the demo room (conductor, page and a
screen playing under Xvfb), in Chromium at a tablet's size, landscape and portrait.

    python -m tools.page_screenshots [--config config/examples/demo.toml] [--out docs]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from config.load import load_installation
from player.virtual_display import virtual_display

REPO = Path(__file__).resolve().parents[1]
TABLET = (1180, 820)
"""A 10.9-inch tablet's viewport in CSS pixels, landscape."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=REPO / "config/examples/demo.toml")
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    installation = load_installation(args.config)
    conductor = installation.conductor
    mutoscope = [sys.executable, "-m", "mutoscope"]
    with virtual_display("1280x720x24"):
        processes = [
            subprocess.Popen(
                [*mutoscope, "conductor", "--config", str(args.config)], stderr=subprocess.DEVNULL
            )
        ]
        processes += [subprocess.Popen([*mutoscope, "play", "--config", str(args.config), "--screen", screen.id,
                                        "--windowed"], stderr=subprocess.DEVNULL)
                      for screen in installation.screens]  # fmt: skip
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=shutil.which("chromium"), args=["--no-sandbox"]
                )
                page = browser.new_page(viewport={"width": TABLET[0], "height": TABLET[1]})
                deadline = time.monotonic() + 30
                while True:
                    try:
                        page.goto(f"http://{conductor.web_host}:{conductor.web_port}/")
                        break
                    except Exception:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.5)
                page.fill("#pin", installation.security.pin or "")
                page.click("button[type=submit]")
                page.wait_for_selector(".screen:not(.unreachable) .progress")
                page.wait_for_timeout(3000)
                for name, size in (("landscape", TABLET), ("portrait", TABLET[::-1])):
                    page.set_viewport_size({"width": size[0], "height": size[1]})
                    page.wait_for_timeout(700)
                    path = args.out / f"tablet-page-{name}.png"
                    page.screenshot(path=str(path))
                    print(f"wrote {path}")
                browser.close()
        finally:
            for process in processes:
                process.terminate()
                process.wait(10)


if __name__ == "__main__":
    main()
