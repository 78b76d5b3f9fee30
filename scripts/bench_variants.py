#!/usr/bin/env python3
"""One benchmark repetition, run by scripts/bench.py in a fresh process:

    python scripts/bench_variants.py VARIANT N OUT_DIR SPEC_JSON

Every variant does the same phases inside its clock, on the same logical dashboards (N
dashboards of 20 time series panels, each with a target, a legend, a unit, thresholds and a
description; the queries are the PromQL our compile renders, given in SPEC_JSON): construct
the objects, compile, serialise, write one file per dashboard under OUT_DIR/<folder>/<uid>.json.
Imports happen before the clock (the cold start is measured on its own). Prints one JSON line:
{"seconds": wall clock, "cpu": CPU time of the process inside the clock}; the parent reads
the peak RSS from the child's rusage.

- ours: a dashboard module (`dashboards(settings)` built with our kit and catalog queries)
  through `dashctl.builder.build` and `dashctl.writer.write_tree`, as `dashctl build` does;
- grafanalib: grafanalib's own objects written as its docs write them
  (`json.dump(board.to_json_data(), fh, sort_keys=True, indent=2, cls=DashboardEncoder)`);
- sdk: the Grafana Foundation SDK's builders, `json.dumps(board, sort_keys=True, indent=2,
  cls=JSONEncoder)` as its docs write them;
- floor: the finished dashboard dicts (made before the clock) serialised with orjson and
  written atomically (temporary file + rename): what no builder can go below.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

PANELS = 20
FOLDERS = 10


def _folder(i: int) -> str:
    return f"Gen{i % FOLDERS}"


def _uid(i: int) -> str:
    return f"gen-{i:05d}"


def _thresholds(j: int) -> tuple:
    return ((None, "green"), (0.5 + j, "orange"), (1.0 + j, "red"))


# --- ours -------------------------------------------------------------------------------
def ours_module(n: int):
    """The dashboards as a module of ours declares them: kit factories, catalog queries."""
    from llm_gateway_dashboards.panels import kit, plano
    from llm_gateway_dashboards.panels import queries as q

    specs = [(lambda: q.sum_rate(plano.HTTP, ("handler",)), "{{handler}}", "reqps"),
             (lambda: q.sum_rate(plano.UPSTREAM, ("provider",)), "{{provider}}", "reqps"),
             (lambda: q.histogram_quantile(0.95, plano.UPSTREAM_DURATION, ("provider",)), "p95 {{provider}}", "s"),
             (lambda: q.sum_rate(plano.TOKENS, ("kind",)), "{{kind}}", "short"),
             (lambda: q.sum_(q.sel(plano.IN_FLIGHT)), "in flight", "short")]

    def dashboards(s):
        boards = []
        for i in range(n):
            panels = []
            for j in range(PANELS):
                query, legend, unit = specs[j % len(specs)]
                panels.append(kit.timeseries(f"Panel {j}", kit.target(query(), legend), unit=unit,
                                             desc=f"What panel {j} shows and how to read it.",
                                             thresholds=_thresholds(j)))
            boards.append(kit.board(s, uid=_uid(i), title=f"Generated {i}", folder=_folder(i),
                                    desc="generated for the benchmark", rows=panels))
        return boards

    return dashboards


def run_ours(n: int, out: Path, spec: dict) -> tuple[float, float]:
    import types

    from llm_gateway_dashboards.dashctl import discover
    from llm_gateway_dashboards.dashctl.builder import build
    from llm_gateway_dashboards.dashctl.writer import Stager, write_tree
    from llm_gateway_dashboards.panels.settings import Settings

    mod = types.ModuleType("bench_generated")
    mod.dashboards = ours_module(n)
    sys.modules[mod.__name__] = mod
    settings = Settings()
    modules = [discover.DashboardModule(mod.__name__, "--module")]
    # what `dashctl build` does: each file written ahead, then all renamed in
    t, cpu = time.perf_counter(), time.process_time()
    stager, staged = Stager(out), {}
    try:
        report = build(settings, modules, keep_models=False, sink=stager.sink(staged))
        if report.errors:
            raise SystemExit(f"ours failed: {report.errors[0].one_line()}")
        write_tree(out, staged)
    finally:
        stager.cleanup()
    return time.perf_counter() - t, time.process_time() - cpu


# --- grafanalib -------------------------------------------------------------------------
def run_grafanalib(n: int, out: Path, spec: dict) -> tuple[float, float]:
    import grafanalib.core as g
    from grafanalib._gen import DashboardEncoder

    exprs = spec["exprs"]
    t, cpu = time.perf_counter(), time.process_time()
    boards = []
    for i in range(n):
        panels = []
        for j in range(PANELS):
            expr, legend, unit = exprs[j % len(exprs)]
            panels.append(g.TimeSeries(
                title=f"Panel {j}", description=f"What panel {j} shows and how to read it.",
                dataSource="${datasource}", unit=unit, gridPos=g.GridPos(h=8, w=12, x=(j % 2) * 12, y=(j // 2) * 8),
                targets=[g.Target(expr=expr, legendFormat=legend, refId="A")],
                thresholdType="absolute",
                thresholds=[g.Threshold(color=c, index=k, value=0.0 if v is None else float(v))
                            for k, (v, c) in enumerate(_thresholds(j))]))
        boards.append((_folder(i), g.Dashboard(title=f"Generated {i}", uid=_uid(i),
                                               description="generated for the benchmark", panels=panels)))
    for folder, b in boards:
        path = out / folder / f"{b.uid}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as fh:
            json.dump(b.to_json_data(), fh, sort_keys=True, indent=2, cls=DashboardEncoder)
    return time.perf_counter() - t, time.process_time() - cpu


# --- the Grafana Foundation SDK ---------------------------------------------------------
def run_sdk(n: int, out: Path, spec: dict) -> tuple[float, float]:
    from grafana_foundation_sdk.builders import dashboard as d
    from grafana_foundation_sdk.builders import prometheus, timeseries
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.models import dashboard as m

    exprs = spec["exprs"]
    ds = m.DataSourceRef(type_val="prometheus", uid="${datasource}")
    t, cpu = time.perf_counter(), time.process_time()
    boards = []
    for i in range(n):
        b = d.Dashboard(f"Generated {i}").uid(_uid(i)).description("generated for the benchmark")
        for j in range(PANELS):
            expr, legend, unit = exprs[j % len(exprs)]
            steps = [m.Threshold(value=v, color=c) for v, c in _thresholds(j)]
            b = b.with_panel(
                timeseries.Panel().title(f"Panel {j}").description(f"What panel {j} shows and how to read it.")
                .datasource(ds).unit(unit).height(8).span(12)
                .thresholds(d.ThresholdsConfig().mode(m.ThresholdsMode.ABSOLUTE).steps(steps))
                .with_target(prometheus.Dataquery().expr(expr).legend_format(legend).ref_id("A").datasource(ds)))
        boards.append((_folder(i), b.build()))
    for folder, board in boards:
        path = out / folder / f"{board.uid}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as fh:
            fh.write(json.dumps(board, sort_keys=True, indent=2, cls=JSONEncoder))
    return time.perf_counter() - t, time.process_time() - cpu


# --- the floor --------------------------------------------------------------------------
def run_floor(n: int, out: Path, spec: dict) -> tuple[float, float]:
    import orjson

    template = orjson.dumps(spec["model"])
    models = []
    for i in range(n):  # before the clock: the finished dicts, one independent tree each
        model = orjson.loads(template)
        model["uid"], model["title"] = _uid(i), f"Generated {i}"
        models.append((_folder(i), model))
    option = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
    t, cpu = time.perf_counter(), time.process_time()
    made = set()
    for folder, model in models:
        directory = out / folder
        if directory not in made:
            directory.mkdir(parents=True, exist_ok=True)
            made.add(directory)
        path = directory / f"{model['uid']}.json"
        tmp = directory / f".{model['uid']}.json.tmp"
        with open(tmp, "wb") as fh:
            fh.write(orjson.dumps(model, option=option) + b"\n")
        os.replace(tmp, path)
    return time.perf_counter() - t, time.process_time() - cpu


VARIANTS = {"ours": run_ours, "grafanalib": run_grafanalib, "sdk": run_sdk, "floor": run_floor}


def spec_for_others() -> dict:
    """The PromQL, legend and unit of each query as our compile renders them, and one finished
    dashboard model (ours, compiled) for the floor. Made once by the parent."""
    from llm_gateway_dashboards.dashctl.compile import compile_board
    from llm_gateway_dashboards.panels.settings import Settings

    s = Settings()
    board = ours_module(1)(s)[0]
    c = compile_board(board, s)
    panels = [p for p in c.model["panels"] if p.get("type") == "timeseries"]
    exprs = []
    for p in panels[:5]:
        t = p["targets"][0]
        exprs.append((t["expr"], t["legendFormat"], p["fieldConfig"]["defaults"]["unit"]))
    return {"exprs": exprs, "model": c.model}


def main(argv: list[str]) -> int:
    variant, n, out, spec_file = argv[0], int(argv[1]), Path(argv[2]), argv[3]
    spec = json.loads(Path(spec_file).read_text())
    seconds, cpu = VARIANTS[variant](n, out, spec)
    files = sum(1 for p in out.glob("*/*.json") if not p.parent.name.startswith("."))
    if files != n:
        raise SystemExit(f"{variant}: wrote {files} files, expected {n}")
    print(json.dumps({"seconds": seconds, "cpu": cpu}))
    return 0


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    sys.exit(main(sys.argv[1:]))
