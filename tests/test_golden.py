"""The shipped dashboards' JSON, byte for byte, against tests/golden/ (the layout of
`dashctl build`: <folder>/<uid>.json). Every change of output shows in review as a diff of
those files; `make golden` rewrites them on purpose."""

from __future__ import annotations

import orjson

from conftest import ROOT
from llm_gateway_dashboards.dashctl.diff import change_lines
from llm_gateway_dashboards.dashctl.writer import out_of_date

GOLDEN = ROOT / "tests" / "golden"
MAX_LINES = 8  # of panel-level diff per dashboard


def differences(report) -> list[str]:
    """One line per file that differs from the golden tree, each followed by a short panel-level diff."""
    built = {d.path: d.data for d in report.dashboards}
    out = []
    for line in out_of_date(GOLDEN, built):
        out.append(line)
        rel = line.split(": ", 1)[0]
        if line.endswith(": differs"):
            old = orjson.loads((GOLDEN / rel).read_bytes())
            out += [f"    {c}" for c in change_lines(old, orjson.loads(built[rel]), MAX_LINES)]
    reported = {line.split(": ", 1)[0] for line in out}
    golden = {p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*.json") if ".dashctl" not in p.parts}
    return out + [f"{rel}: no longer built" for rel in sorted(golden - set(built) - reported)]


def test_the_build_is_byte_identical_to_the_golden_files(report):
    diffs = differences(report)
    assert not diffs, ("the build differs from tests/golden/ (run `make golden` if the change is intended, and "
                       "review the diff):\n" + "\n".join(diffs))


def test_a_changed_build_is_reported_with_its_file_and_panel(report, settings):
    import attrs

    from llm_gateway_dashboards.dashctl.builder import build

    changed = build(attrs.evolve(settings, brightstaff_job="other"), only=["plano-routing"])
    rep = attrs.evolve(report, dashboards=tuple(d for d in report.dashboards if d.uid != "plano-routing")
                       + changed.dashboards)
    diffs = differences(rep)
    assert diffs[0] == "Plano/plano-routing.json: differs"
    assert any(line.startswith("    ~ panel '") and "query A" in line for line in diffs), diffs
    assert all(not line.startswith(("LLM", "Plano/b")) for line in diffs)
