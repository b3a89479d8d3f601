"""Floors: each figure a suite promises, checked on every clip, and a plain summary of which
held and which were missed.

A suite records one :class:`Floors` row per floor and clip (``check``); ``summary()`` is the
suite's ``floors`` section: for every floor its limit, whether it held on every named clip and
its worst clip, the same over the family's draws (the worst draw), and the list of every miss.
A figure that could not be measured (a run that died at its memory limit) is given as a string,
``"exceeded"``, and counts as missed.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Literal

Op = Literal[">=", "<=", "<", ">"]
_OPS = {">=": operator.ge, "<=": operator.le, "<": operator.lt, ">": operator.gt}


@dataclass(frozen=True)
class Row:
    """One floor on one clip."""

    floor: str
    clip: str
    value: float | str
    op: Op
    limit: float
    draw: bool

    @property
    def held(self) -> bool:
        """The value meets the limit (a value that is not a number never does)."""
        return isinstance(self.value, int | float) and bool(_OPS[self.op](self.value, self.limit))

    def badness(self) -> float:
        """Larger is worse: how far the value sits on the wrong side of what the floor wants."""
        if not isinstance(self.value, int | float):
            return float("inf")
        return -float(self.value) if self.op in (">=", ">") else float(self.value)


class Floors:
    """The rows of one suite's floors."""

    def __init__(self) -> None:
        self.rows: list[Row] = []

    def check(
        self, floor: str, clip: str, value: float | str, op: Op, limit: float, *, draw: bool = False
    ) -> dict[str, Any]:
        """Record ``value op limit`` for ``floor`` on ``clip``; returns the row as the clip's
        own report shows it."""
        row = Row(floor, clip, value, op, limit, draw)
        self.rows.append(row)
        return {"value": value, "limit": f"{op} {limit}", "held": row.held}

    def _group(self, rows: list[Row]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in dict.fromkeys(r.floor for r in rows):
            mine = [r for r in rows if r.floor == name]
            worst = max(mine, key=Row.badness)
            out[name] = {
                "limit": f"{worst.op} {worst.limit}",
                "held": all(r.held for r in mine),
                "worst": {"clip": worst.clip, "value": worst.value},
                "clips": {r.clip: r.value for r in mine},
            }
        return out

    def summary(self) -> dict[str, Any]:
        """The ``floors`` section: ``all_held``, ``missed`` (one line per miss), ``clips``
        (per floor over the named clips) and ``worst_over_draws`` (per floor over the draws)."""
        missed = [
            f"{r.floor} on {r.clip}: {r.value} (floor {r.op} {r.limit})" for r in self.rows if not r.held
        ]
        return {
            "all_held": not missed,
            "held": sum(r.held for r in self.rows),
            "checked": len(self.rows),
            "missed": missed,
            "clips": self._group([r for r in self.rows if not r.draw]),
            "worst_over_draws": self._group([r for r in self.rows if r.draw]),
        }
