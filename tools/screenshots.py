"""Screenshots of every transition for ``docs/``: the demo scan beside the engine's restoration
of it, from the library ``make demo`` ingests.

    python -m tools.screenshots [--library demo-out/library] [--out docs]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image

from config.load import load_installation
from config.look import Look
from content.library import Library
from player.virtual_display import virtual_display

REPO = Path(__file__).resolve().parents[1]
LOOKS = (
    ("wipe", 40, Look(mode="wipe", position=0.42, angle=10.0, handle=1.0)),
    ("crossfade", 128, Look(mode="crossfade", fade=0.5)),
    ("split", 150, Look(mode="split", split=1.0)),
    ("reveal", 196, Look(mode="reveal", centre=(0.42, 0.36), radius=0.3)),
)
SIZE = (1280, 720)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--library", type=Path, default=REPO / "demo-out/library")
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    args = parser.parse_args()
    library = Library(args.library)
    if library.read().get("demo") is None:
        parser.error(f"{args.library} holds no clip 'demo'; run make demo first")
    with virtual_display(f"{SIZE[0]}x{SIZE[1]}x24"):
        installation = load_installation(REPO / "config/examples/demo.toml")
        installation = installation.model_copy(update={"library": library.root})
        import pyglet  # connects to the display as it loads: only inside the virtual one

        from player.capture import still
        from player.screen import Screen

        window = pyglet.window.Window(*SIZE, visible=True)
        screen = Screen(window, installation, "main", library)
        overview = Image.new("RGB", (SIZE[0], SIZE[1]), (0, 0, 0))
        for i, (name, frame, look) in enumerate(LOOKS):
            image = Image.fromarray(still(screen, "demo", frame, look))
            image.save(args.out / f"player-{name}.jpg", quality=88)
            overview.paste(image.resize((SIZE[0] // 2, SIZE[1] // 2), Image.Resampling.LANCZOS),
                           ((i % 2) * SIZE[0] // 2, (i // 2) * SIZE[1] // 2))  # fmt: skip
            print(f"wrote {args.out / f'player-{name}.jpg'}")
        overview.save(args.out / "player-transitions.png")
        print(f"wrote {args.out / 'player-transitions.png'}")
        screen.close()
        window.close()


if __name__ == "__main__":
    main()
