"""Demo footage and the film-degradation model: camera moves over scikit-image's sample
photographs, with objects cut from other photographs moving over them, aged as archive film,
with the ground truth kept (docs/degradation.md).

It needs the ``demo`` extra (scikit-image, scipy) and is imported only by the commands,
benchmarks and tests that make footage; the kiosk's base install never loads it. The scene
names are here, light, so that ``mutoscope demo-source --help`` can list them.
"""

SCENE_NAMES: tuple[str, ...] = ("demo", "cat", "table", "crossing")
"""The scenes :func:`content.demo.source.make_demo_source` can make."""
