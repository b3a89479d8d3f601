"""Every frame's small picture, kept on disk as the first pass reads the scan.

The first pass's photometry (:mod:`engine.exposure`, :mod:`engine.vignette_motion`) compares
frames far apart along the camera path, after the pass has read them all. It keeps each
frame's :func:`engine.vignette.cell_picture` (a few thousand cells) in a temporary file, with
where the camera had taken the frame's content and which shot it is in, so memory does not
grow with the reel.
"""

from __future__ import annotations

import tempfile

import numpy as np


class CellStore:
    """The cell pictures ``(N, h, w)`` float32 in [0, 1] of one scan, on disk."""

    def __init__(self) -> None:
        self._file = tempfile.NamedTemporaryFile(prefix="mutoscope-cells-", suffix=".f32")  # noqa: SIM115
        self.shape: tuple[int, int] | None = None
        """Cells ``(h, w)`` of each picture; None before the first frame."""
        self.frame: tuple[int, int] | None = None
        """The scan frame's size ``(H, W)`` in pixels."""
        self._positions: list[np.ndarray] = []
        self._shots: list[int] = []

    def add(self, cells: np.ndarray, frame: tuple[int, int], position: np.ndarray, shot: int) -> None:
        """One frame's :func:`engine.vignette.cell_picture` ``(h, w)``, the frame's size ``(H,
        W)``, its content position on the raw camera path (pixels ``(x, y)``) and its shot."""
        if self.shape is not None and cells.shape != self.shape:
            raise ValueError(f"cell picture of {cells.shape}, after pictures of {self.shape}")
        self.frame, self.shape = frame, cells.shape
        self._file.write(cells.astype(np.float32).tobytes())
        self._positions.append(np.asarray(position, dtype=np.float64).copy())
        self._shots.append(shot)

    def __len__(self) -> int:
        return len(self._shots)

    @property
    def pictures(self) -> np.ndarray:
        """A read-only view ``(N, h, w)`` float32 of every picture so far (on disk)."""
        if self.shape is None:
            return np.zeros((0, 1, 1), dtype=np.float32)
        self._file.flush()
        return np.memmap(self._file.name, dtype=np.float32, mode="r", shape=(len(self), *self.shape))

    @property
    def positions(self) -> np.ndarray:
        """Content position of each frame on the raw camera path ``(N, 2)``, pixels ``(x, y)``."""
        return np.asarray(self._positions, dtype=np.float64).reshape(-1, 2)

    @property
    def shots(self) -> np.ndarray:
        """Shot index of each frame ``(N,)``."""
        return np.asarray(self._shots, dtype=np.int64)

    @property
    def cell_pixels(self) -> np.ndarray:
        """The size of one cell in scan pixels ``(x, y)``."""
        assert self.shape is not None and self.frame is not None
        return np.array([self.frame[1] / self.shape[1], self.frame[0] / self.shape[0]])
