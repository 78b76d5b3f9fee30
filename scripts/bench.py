#!/usr/bin/env python3
"""`make bench`: every benchmark side by side in one run, printed as ratios against its baseline.

- build: ours vs grafanalib's own encoder path on the same 1,000 dashboards; cold full build.
- watch: save-to-file latency vs Grafana's provisioning reload interval.
- push: 200 dashboards against the stand-in Grafana, parallel vs sequential, first and unchanged.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))


def main() -> int:
    import bench_build

    b = bench_build.run(1000)
    print(f"build  1,000 dashboards x 20 panels: ours {b['ours_s']:.3f} s vs grafanalib {b['grafanalib_s']:.3f} s "
          f"= {b['speedup']:.2f}x faster (target >= 3x)")
    print(f"build  cold full build of the shipped dashboards: {b['cold_build_s']:.3f} s "
          f"= {b['cold_build_s'] / 0.5:.2f} of the 0.5 s budget (python start alone {b['python_start_s']:.3f} s)")
    try:
        import bench_watch
    except ImportError:
        print("watch  (scripts/bench_watch.py missing)")
    else:
        w = bench_watch.run(50)
        print(f"watch  save-to-file over {w['edits']} edits: median {w['median_s'] * 1000:.0f} ms, "
              f"p95 {w['p95_s'] * 1000:.0f} ms = {w['p95_vs_interval']:.4f} of Grafana's "
              f"{w['grafana_interval_s']:g} s reload interval")
    try:
        import bench_push
    except ImportError:
        print("push   (scripts/bench_push.py missing)")
    else:
        p = bench_push.run(200)
        print(f"push   200 dashboards, stand-in answering after {p['delay_ms']:g} ms: first push "
              f"{p['parallel_first_s']:.2f} s with {p['workers']} workers vs {p['sequential_first_s']:.2f} s "
              f"one at a time = {p['first_speedup']:.1f}x")
        print(f"push   unchanged re-push: {p['parallel_repush_s']:.2f} s vs {p['sequential_repush_s']:.2f} s = "
              f"{p['repush_speedup']:.1f}x; {p['repush_requests']} requests, 0 writes; re-push / first push = "
              f"{p['parallel_repush_s'] / p['parallel_first_s']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
