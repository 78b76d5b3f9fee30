"""Every sample the simulator wrote, read back from the OpenMetrics file Prometheus was
backfilled from: series name -> (labels, value at each grid time).

The counters' exact growth over any span of the grid is the ground truth the simulator
knows (`sim.totals()` gives the same numbers one call at a time); gauges' levels and
histogram buckets likewise.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterator

import attrs

SCRAPE = ("job", "instance")
_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')

Where = Callable[[dict], bool]


def _unescape(v: str) -> str:
    return v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


@attrs.frozen
class Series:
    name: str
    labels: dict = attrs.field(hash=False)
    times: tuple[int, ...] = attrs.field(repr=False)
    values: tuple[float, ...] = attrs.field(repr=False)

    def index(self, t: int) -> int:
        """Index of the last sample at or before t (-1: none)."""
        lo, hi = 0, len(self.times)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.times[mid] <= t:
                lo = mid + 1
            else:
                hi = mid
        return lo - 1

    def growth(self, t0: int, t1: int) -> float:
        """How much the counter grew from the sample at t0 to the one at t1, resets counted as
        growth from zero (a restart)."""
        i0, i1 = self.index(t0), self.index(t1)
        if i1 < 0:
            return 0.0
        if i0 < 0:  # born inside the span: its first value counts
            return self.values[0] + self._growth(0, i1)
        return self._growth(i0, i1)

    def _growth(self, i0: int, i1: int) -> float:
        total, prev = 0.0, self.values[i0]
        for v in self.values[i0 + 1:i1 + 1]:
            total += v - prev if v >= prev else v
            prev = v
        return total

    def at(self, t: int) -> float | None:
        i = self.index(t)
        return self.values[i] if i >= 0 else None


class Ledger:
    """The simulator's samples by series name."""

    def __init__(self, series: list[Series]):
        self.by_name: dict[str, list[Series]] = {}
        for s in series:
            self.by_name.setdefault(s.name, []).append(s)

    @classmethod
    def read(cls, path: Path) -> "Ledger":
        out: list[Series] = []
        head, times, values = None, [], []

        def flush():
            if head is not None:
                name, _, rest = head.partition("{")
                labels = {k: _unescape(v) for k, v in _PAIR.findall(rest)}
                out.append(Series(name, labels, tuple(times), tuple(values)))

        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("#"):
                    continue
                h, value, ts = line.rsplit(" ", 2)
                if h != head:
                    flush()
                    head, times, values = h, [], []
                times.append(int(float(ts)))
                values.append(float(value))
        flush()
        return cls(out)

    def series(self, name: str, where: Where | None = None) -> Iterator[Series]:
        for s in self.by_name.get(name, ()):
            if where is None or where(s.labels):
                yield s

    def names(self) -> list[str]:
        return sorted(self.by_name)
