"""The built dashboards type-check against Grafana's published `@grafana/schema` types (tsc --strict).

One `dashctl build` into a temp dir, then one checker per Grafana line (11.6, 12.4, 13.2; pinned in
tests/schema/package-lock.json): no finding, apart from the keys Grafana itself writes that its
published types lack (SCHEMA_GAPS, each with its reason). The v2 output is checked the same way,
and the checker itself on hand-written resources in tests/schema/fixtures.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
from pathlib import Path

import pytest

from conftest import run_dashctl

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "schema"))
import schema_check as sc  # noqa: E402

FIXTURES = Path(__file__).parent / "schema" / "fixtures"

# Keys Grafana itself writes that its published types lack: not ours to fix. A query variable's
# `definition` is saved by Grafana's own variable editor (the text shown for the query) but the
# cue-generated VariableModel of every published version has no such field. An annotation's
# `target` is typed as the generic DataQuery (key, datasource, hide, queryType, refId): the
# Prometheus datasource's own query fields (`expr`, `interval`) are not in it, though
# Grafana's Prometheus annotation support reads exactly those. Likewise the Prometheus annotation
# editor (@grafana/prometheus components/AnnotationQueryEditor.tsx) keeps `titleFormat` and
# `textFormat` on the annotation itself, where the published AnnotationQuery type has no such keys.
SCHEMA_GAPS = (re.compile(r"^templating\.list\[\d+\]\.definition$"),
               re.compile(r"^annotations\.list\[\d+\]\.target\.(expr|interval)$"),
               re.compile(r"^annotations\.list\[\d+\]\.(titleFormat|textFormat)$"))

@pytest.fixture(scope="module")
def checker():
    if not sc.npm_available():
        pytest.skip("npm/node not installed: the schema check needs them (make schema-deps)")
    sc.ensure_installed()
    return sc


@pytest.fixture(scope="module")
def built(tmp_path_factory, checker) -> Path:
    out = tmp_path_factory.mktemp("schema-build")
    r = run_dashctl("build", "--out", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    return out


@pytest.fixture(scope="module")
def v1_findings(built) -> dict[str, list[sc.Finding]]:
    return {
        v: [f for f in found if not any(g.match(f.path) for g in SCHEMA_GAPS)]
        for v, found in sc.check_v1_dir(built).items()
    }


def test_pinned_packages_are_the_grafana_lines_we_check(checker):
    assert {v: sc.package_version(v).rsplit(".", 1)[0] for v in sc.V1_VERSIONS} == {
        v: v for v in sc.V1_VERSIONS
    }


@pytest.mark.parametrize("version", sc.V1_VERSIONS)
def test_v1_output_type_checks_cleanly(v1_findings, version):
    """Every shipped dashboard, as `dashctl build` writes it, against each Grafana line's types
    (no finding left: the bar gauges lost the gauge-only threshold switches, the tables the footer
    Grafana 12 removed)."""
    assert "\n".join(f.one_line() for f in v1_findings[version]) == ""


def test_the_check_finds_wrong_types_and_unknown_keys_where_they_are(checker, built):
    model = json.loads(next(built.rglob("plano-http-red.json")).read_text())
    model["graphTooltip"] = "shared"  # a number in every version
    i, panel = next((i, p) for i, p in enumerate(model["panels"]) if p["type"] == "timeseries")
    panel["options"]["legend"]["bogus"] = True
    panel["fieldConfig"]["defaults"]["custom"]["lineWidth"] = "thick"
    got = {(f.panel, f.path, f.message[:6]) for f in sc.check_v1([model], "13.2")}
    assert {
        ("", "graphTooltip", "TS2322"),
        (panel["title"], f"panels[{i}].options.legend.bogus", "TS2353"),
        (panel["title"], f"panels[{i}].fieldConfig.defaults.custom.lineWidth", "TS2322"),
    } <= got


@pytest.mark.parametrize("version", sc.V2_VERSIONS)
@pytest.mark.parametrize("api_version", ["v2beta1", "v2"])
def test_v2_checker_accepts_a_valid_resource(checker, tmp_path, version, api_version):
    doc = json.loads((FIXTURES / "v2-valid.json").read_text())
    doc["apiVersion"] = f"dashboard.grafana.app/{api_version}"
    f = tmp_path / "gw-v2.json"
    f.write_text(json.dumps(doc))
    assert [x.one_line() for x in sc.check_v2(f, version)] == []


@pytest.mark.parametrize("version", sc.V2_VERSIONS)
def test_v2_checker_names_each_fault_of_an_invalid_resource(checker, version):
    got = {(f.uid, f.path, f.message[:6]) for f in sc.check_v2(FIXTURES / "v2-invalid.json", version)}
    assert got == {
        ("gw-v2", "spec.cursorSync", "TS2322"),  # v1's number where v2 has "Crosshair" | "Tooltip" | "Off"
        ("gw-v2", "spec.schemaVersion", "TS2353"),  # a v1-only key
        ("gw-v2", "spec.elements.panel-1.spec.data.spec.queries[0].spec", "TS2741"),  # `hidden` missing
    }


def test_v2_types_are_not_published_for_11(checker):
    with pytest.raises(sc.SchemaCheckError, match="no published v2 types"):
        sc.check_v2(FIXTURES / "v2-valid.json", "11.6")


# --- v2: what `build --schema v2` writes (apiVersion v2, Grafana 13) and the v2beta1 form (Grafana 12.x; 13
# serves it too) that a resource-API push to a Grafana 12 sends, each against the types of that line -----------
V2_TARGETS = [("13.2", "v2"), ("12.4", "v2beta1"), ("13.2", "v2beta1")]


@pytest.fixture(scope="module")
def built_v2(tmp_path_factory, checker, built) -> dict[str, dict]:
    """uid -> the v2 resource `dashctl build --schema v2` wrote."""
    out = tmp_path_factory.mktemp("schema-build-v2")
    r = run_dashctl("build", "--schema", "v2", "--out", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    docs = {p.stem: json.loads(p.read_text()) for p in sorted(out.rglob("*.json")) if ".dashctl" not in p.parts}
    assert len(docs) == len([p for p in built.rglob("*.json") if ".dashctl" not in p.parts]) > 10  # as v1
    assert {d["apiVersion"] for d in docs.values()} == {"dashboard.grafana.app/v2"}
    return docs


def _v2_docs(built_v2: dict[str, dict], report, api_version: str) -> list[dict]:
    if api_version == "v2":
        return list(built_v2.values())
    from llm_gateway_dashboards.dashctl.compile import to_v2

    return [to_v2(d, api_version) for d in report.dashboards]


def _v2_findings(docs: list[dict], version: str) -> list[str]:
    return [f.one_line() for f in sc.check_v2_docs(docs, version)]


@pytest.mark.parametrize(("version", "api_version"), V2_TARGETS)
def test_v2_output_of_every_shipped_dashboard_type_checks(built_v2, report, version, api_version):
    docs = _v2_docs(built_v2, report, api_version)
    assert len(docs) == len(report.dashboards) > 10
    assert _v2_findings(docs, version) == []


def test_a_broken_v2_output_fails_the_check(built_v2, report):
    """The check above can fail: each fault a v2 emitter could make is named where it is."""
    docs = copy.deepcopy(_v2_docs(built_v2, report, "v2"))
    by_uid = {d["metadata"]["name"]: d for d in docs}
    routing = by_uid["plano-routing"]["spec"]
    del routing["layout"]  # a field dropped
    upstream = by_uid["plano-llm-upstream"]["spec"]
    name, element = next((n, e) for n, e in upstream["elements"].items()
                         if e["spec"]["data"]["spec"]["transformations"])
    t = element["spec"]["data"]["spec"]["transformations"][0]
    t["spec"]["id"] = t.pop("group")  # the v2beta1 shape under apiVersion v2
    t["kind"] = t["spec"]["id"]
    red = by_uid["plano-http-red"]["spec"]
    red["variables"][1]["spec"]["refresh"] = 2  # v1's number where v2 has a name
    got = {line.split(": ")[0] for line in _v2_findings(docs, "13.2")}
    where = f"13.2 plano-llm-upstream spec.elements.{name}.spec.data.spec.transformations[0]"
    assert got == {"13.2 plano-routing spec",  # layout missing
                   where, f"{where}.kind", f"{where}.spec.id",  # no group; kind not "Transformation"; no id in v2
                   "13.2 plano-http-red spec.variables[1].spec.refresh"}
