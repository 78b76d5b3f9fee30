"""The emitted series: counters, gauges and histograms created on first use, reset when their
process restarts, and their samples at every scrape.

`Registry` holds the live values (what a `/metrics` endpoint would show now) and, when asked
to, the history of every series (one sample per scrape), from which the OpenMetrics file for
promtool is written.
"""

from __future__ import annotations

import bisect
from array import array
from typing import IO

import attrs


@attrs.frozen
class Family:
    """One metric family as exposed: its name, type, source (its scrape job) and buckets."""

    name: str
    kind: str  # counter | gauge | histogram
    source: str
    bounds: tuple[float, ...] = ()
    help: str = ""


def fmt_le(b: float) -> str:
    return str(int(b)) if float(b).is_integer() else repr(float(b))


def fmt_value(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


class Series:
    """One label set of one family. Histograms keep per-bucket (non-cumulative) counts."""

    __slots__ = ("family", "labels", "value", "buckets", "sum", "count", "alive", "steps", "history", "reset",
                 "resets")

    def __init__(self, family: Family, labels: tuple):
        self.family, self.labels = family, labels
        self.value = 0.0
        self.buckets = [0] * (len(family.bounds) + 1) if family.kind == "histogram" else None
        self.sum = 0.0
        self.count = 0
        self.alive = False
        self.steps = array("l")  # scrape times at which the series was exposed
        self.history: list[array] = []  # counter/gauge: [values]; histogram: [bucket_0..bucket_n, +Inf, sum]
        self.reset = False  # its process restarted since the last sample
        self.resets = array("l")  # times of the first sample after each restart

    def zero(self) -> None:
        self.value, self.sum, self.count = 0.0, 0.0, 0
        if self.buckets is not None:
            self.buckets = [0] * len(self.buckets)

    def values(self) -> list[float]:
        """What a scrape shows now: [value], or [cumulative buckets..., +Inf (= count), sum]."""
        if self.buckets is None:
            return [self.value]
        out, acc = [], 0
        for c in self.buckets:
            acc += c
            out.append(acc)
        out.append(self.sum)
        return out

    def record(self, t: int) -> None:
        vals = self.values()
        if not self.history:
            self.history = [array("d") for _ in vals]
        self.steps.append(t)
        if self.reset:
            self.resets.append(t)
            self.reset = False
        for col, v in zip(self.history, vals, strict=True):
            col.append(v)


class Registry:
    """Every family and series of the simulated deployment, keyed by (source, name, labels)."""

    def __init__(self, keep_history: bool = True):
        self.families: dict[str, Family] = {}
        self.series: dict[tuple, Series] = {}
        self.alive: list[Series] = []
        self.keep_history = keep_history

    def family(self, fam: Family) -> Family:
        have = self.families.get(fam.name)
        if have is not None and (have.kind, have.bounds) != (fam.kind, fam.bounds):
            raise ValueError(f"simulator: family {fam.name} declared twice differently")
        self.families.setdefault(fam.name, fam)
        return fam

    def get(self, fam: Family, labels: tuple) -> Series:
        key = (fam.source, fam.name, labels)
        s = self.series.get(key)
        if s is not None and s.alive:
            return s
        if s is None:
            s = self.series[key] = Series(fam, labels)
        s.alive = True
        self.alive.append(s)
        return s

    def inc(self, fam: Family, labels: tuple, n: float = 1) -> None:
        self.get(fam, labels).value += n

    def set(self, fam: Family, labels: tuple, v: float) -> None:
        self.get(fam, labels).value = v

    def observe(self, fam: Family, labels: tuple, v: float, n: int = 1) -> None:
        s = self.get(fam, labels)
        s.buckets[bisect.bisect_left(fam.bounds, v)] += n
        s.sum += v * n
        s.count += n

    def restart(self, source: str) -> None:
        """The process of `source` restarted: its series vanish and start again from zero on first use."""
        for s in self.alive:
            if s.family.source == source:
                s.alive = False
                s.reset = True
                s.zero()
        self.alive = [s for s in self.alive if s.alive]

    def scrape(self, t: int) -> None:
        if self.keep_history:
            for s in self.alive:
                s.record(t)

    def by_family(self) -> list[tuple[Family, list[Series]]]:
        groups: dict[str, list[Series]] = {}
        for s in self.series.values():
            groups.setdefault(s.family.name, []).append(s)
        return [(self.families[name], sorted(groups[name], key=lambda s: (s.family.source, s.labels)))
                for name in self.families if name in groups]


# --- output -----------------------------------------------------------------------------------
def _escape(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def labels_text(labels: tuple, scrape: tuple, extra: str = "") -> str:
    body = ",".join(f'{k}="{_escape(v)}"' for k, v in labels + scrape if v != "")
    if extra:
        body = f"{body},{extra}" if body else extra
    return "{" + body + "}"


def openmetrics_type(fam: Family) -> tuple[str, str]:
    """(OpenMetrics family name, type): counters not named *_total are typed unknown."""
    if fam.kind == "counter":
        return (fam.name[:-6], "counter") if fam.name.endswith("_total") else (fam.name, "unknown")
    return fam.name, fam.kind


def sample_names(fam: Family, labels: tuple, scrape: tuple) -> list[str]:
    """The exposed sample heads (name + labels) of a series, in the order of Series.values()."""
    if fam.kind != "histogram":
        return [fam.name + labels_text(labels, scrape)]
    heads = [f"{fam.name}_bucket" + labels_text(labels, scrape, f'le="{fmt_le(b)}"') for b in fam.bounds]
    heads.append(f"{fam.name}_bucket" + labels_text(labels, scrape, 'le="+Inf"'))
    heads.append(f"{fam.name}_sum" + labels_text(labels, scrape))
    return heads


@attrs.frozen
class Stats:
    series: int
    samples: int
    metrics: int


def write_history(out: IO[str], registry: Registry, scrape_labels) -> Stats:
    """Every series over time, series by series, in OpenMetrics with timestamps; ends with # EOF.

    `scrape_labels(source)` gives the (job, instance) label pairs of a source."""
    series = samples = metrics = 0
    for fam, group in registry.by_family():
        group = [s for s in group if len(s.steps)]
        if not group:
            continue
        metrics += 1
        family, kind = openmetrics_type(fam)
        out.write(f"# TYPE {family} {kind}\n")
        for s in group:
            heads = sample_names(fam, s.labels, scrape_labels(s.family.source))
            cols = s.history
            if fam.kind == "histogram":  # _count equals the +Inf bucket
                heads.append(heads[-1].replace("_sum{", "_count{", 1))
                cols = cols + [cols[-2]]
            steps = s.steps
            for head, col in zip(heads, cols, strict=True):
                out.writelines([f"{head} {fmt_value(v)} {t}\n" for t, v in zip(steps, col, strict=True)])
            series += len(heads)
            samples += len(heads) * len(steps)
    out.write("# EOF\n")
    return Stats(series, samples, metrics)


def write_current(registry: Registry, scrape_labels) -> str:
    """Prometheus text format (0.0.4) of every live series."""
    lines = []
    for fam, group in registry.by_family():
        group = [s for s in group if s.alive]
        if not group:
            continue
        kind = fam.kind if fam.kind != "counter" or fam.name.endswith("_total") else "counter"
        lines.append(f"# HELP {fam.name} {fam.help or fam.name}\n# TYPE {fam.name} {kind}\n")
        for s in group:
            heads = sample_names(fam, s.labels, scrape_labels(s.family.source))
            vals = s.values()
            if fam.kind == "histogram":
                heads.append(heads[-1].replace("_sum{", "_count{", 1))
                vals.append(vals[-2])
            lines.extend(f"{h} {fmt_value(v)}\n" for h, v in zip(heads, vals, strict=True))
    return "".join(lines)
