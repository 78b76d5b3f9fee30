"""The tolerances of issue 14 and the comparison of what a panel shows with what is true.

count (counts, rates, money): within 1% relative; ratio: within 0.1 percentage point
(0.001 on a 0-1 ratio); quantile: within one bucket of the histogram's buckets.
A key the truth has and the panel lacks fails (a zero count may be absent: Prometheus has
no series for what never happened; a ratio must show 0, not nothing); a key the panel
shows and the truth lacks fails unless its value is zero or NaN (Grafana draws nothing);
NaN where there is a true value fails.
"""

from __future__ import annotations

import bisect
import math

REL = 0.01
RATIO_ABS = 0.001
TINY = 1e-9


def bucket_index(value: float, buckets: tuple[float, ...]) -> int:
    """0 for (−inf, b0], i for (b[i-1], b[i]], len(buckets) above the top finite bucket."""
    return bisect.bisect_left(buckets, value * (1 - 1e-9) if value > 0 else value)


def close(got: float, want, kind: str, buckets: tuple[float, ...] = ()) -> bool:
    """`want` is a number, or for a quantile of raw observations the (lowest, highest) value
    that is a q-quantile of them (they differ where the rank falls between two observations)."""
    lo, hi = want if isinstance(want, tuple) else (want, want)
    if math.isnan(got) or math.isnan(lo) or math.isnan(hi):
        return math.isnan(got) and math.isnan(lo) and math.isnan(hi)  # both draw nothing
    if kind == "ratio":
        return abs(got - lo) <= RATIO_ABS + TINY
    if kind == "quantile":
        i = bucket_index(got, buckets)
        return bucket_index(lo, buckets) - 1 <= i <= bucket_index(hi, buckets) + 1
    return abs(got - lo) <= REL * abs(lo) + TINY


def _show(v) -> str:
    return f"{v[0]:.6g}..{v[1]:.6g}" if isinstance(v, tuple) else f"{v:.6g}"


def compare(observed: dict, expected: dict, kind: str, buckets: tuple[float, ...] = ()) -> list[str]:
    """What differs beyond tolerance, one line per key ([] = the panel is right)."""
    out = []
    for k in sorted(expected.keys() | observed.keys()):
        want, got = expected.get(k), observed.get(k)
        name = "/".join(k) or "(total)"
        if got is None:
            if kind == "ratio" or isinstance(want, tuple) or abs(want) > TINY:
                out.append(f"{name}: no series, expected {_show(want)}")
        elif want is None:
            if not math.isnan(got) and abs(got) > TINY:  # NaN: Grafana draws nothing
                out.append(f"{name}: {got:.6g} shown, expected no series")
        elif not close(got, want, kind, buckets):
            out.append(f"{name}: {got:.6g} shown, expected {_show(want)}")
    return out
