"""Alerts and recording rules: the files promtool accepts, generated `promtool test rules` cases
(every alert fires in its scenario with its labels and annotations, none in steady traffic),
mutations that must fail them, the rule lint, and bad input."""

from __future__ import annotations

import subprocess
from pathlib import Path

import attrs
import pytest
import yaml

from conftest import run_dashctl
from llm_gateway_dashboards.dashctl.errors import ConfigError
from llm_gateway_dashboards.dashctl.lint import pending
from llm_gateway_dashboards.dashctl.rules import cases
from llm_gateway_dashboards.dashctl.rules.build import (
    RuleError,
    check,
    group_dict,
    panel_ids,
    rule_files,
    rule_groups,
    rules_catalog,
)
from llm_gateway_dashboards.dashctl.rules.lint import lint_groups, lint_rules
from llm_gateway_dashboards.panels import plano as p
from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels.catalog import Metric
from llm_gateway_dashboards.panels.rules.model import Alert, Group, Record, above, windowed
from llm_gateway_dashboards.panels.settings import Settings
from prom import ensure_installed

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def promtool(*args, timeout=120) -> subprocess.CompletedProcess:
    ensure_installed()
    return subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=timeout)


def rendered(settings, dashboards) -> list[dict]:
    panels = panel_ids(dashboards)
    return [group_dict(g, settings, panels) for g in rule_groups(settings)]


def write_rules(settings, dashboards, directory: Path, fmt="prometheus") -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in rule_files(settings, dashboards, fmt).items():
        (directory / name).write_bytes(data)
        paths.append(str(directory / name))
    return sorted(paths)


@pytest.fixture(scope="module")
def default_rules(settings, report, tmp_path_factory) -> list[str]:
    return write_rules(settings, report.dashboards, tmp_path_factory.mktemp("rules"))


@pytest.fixture(scope="module")
def unit_tests(settings, report) -> dict:
    """The generated promtool test document (rule_files filled in per run)."""
    return cases.test_document(settings, rendered(settings, report.dashboards), [])


def run_unit_tests(doc: dict, rule_paths: list[str], directory: Path, only=None) -> subprocess.CompletedProcess:
    tests = [t for t in doc["tests"] if only is None or any(o in t["name"] for o in only)]
    path = directory / "tests.yml"
    path.write_text(yaml.safe_dump({**doc, "rule_files": rule_paths, "tests": tests}, sort_keys=False, width=10_000))
    return promtool("test", "rules", str(path))


# --- the files ---------------------------------------------------------------------------------
def test_cli_writes_rule_files_promtool_accepts(tmp_path):
    out = tmp_path / "rules"
    r = run_dashctl("rules", "--out", str(out))
    assert r.returncode == 0, r.stderr
    files = sorted(out.glob("*.yaml"))
    assert [f.name for f in files] == ["llm-observability.yaml", "plano-cost.yaml", "plano-http.yaml",
                                       "plano-process.yaml", "plano-routing.yaml", "plano-upstream.yaml"]
    check_ = promtool("check", "rules", *map(str, files))
    assert check_.returncode == 0, check_.stdout + check_.stderr
    assert check_.stdout.count("SUCCESS") == len(files)
    for f in files:
        group = yaml.safe_load(f.read_text())["groups"]
        assert len(group) == 1 and group[0]["name"] == f.stem and group[0]["interval"] == "1m"
    before = {f: f.stat().st_mtime_ns for f in files}
    again = run_dashctl("rules", "--out", str(out))
    assert "0 written, 6 unchanged" in again.stdout
    assert {f: f.stat().st_mtime_ns for f in files} == before


def test_prometheusrule_objects(tmp_path):
    out = tmp_path / "operator"
    r = run_dashctl("rules", "--out", str(out), "--format", "prometheusrule")
    assert r.returncode == 0, r.stderr
    for f in sorted(out.glob("*.yaml")):
        obj = yaml.safe_load(f.read_text())
        assert obj["apiVersion"] == "monitoring.coreos.com/v1" and obj["kind"] == "PrometheusRule"
        assert obj["metadata"]["name"] == f"llm-gateway-{f.stem}"
        assert len(obj["metadata"]["name"]) <= 253 and obj["metadata"]["name"].islower()
        spec = tmp_path / f"spec-{f.name}"
        spec.write_text(yaml.safe_dump(obj["spec"]))  # the operator hands spec.groups to Prometheus as is
        check_ = promtool("check", "rules", str(spec))
        assert check_.returncode == 0, check_.stdout + check_.stderr


def test_every_alert_is_complete(settings, report):
    alerts = [r for g in rendered(settings, report.dashboards) for r in g["rules"] if "alert" in r]
    assert len(alerts) == 18
    titles = {d.uid: {pn["id"]: pn["title"] for pn in d.model["panels"]} for d in report.dashboards}
    for a in alerts:
        ann = a["annotations"]
        assert a["labels"]["severity"] in ("critical", "warning", "info") and a["for"]
        assert ann["summary"] and ann["description"], a["alert"]
        assert ann["runbook_url"].endswith("#" + a["alert"].lower())
        assert int(ann["panel_id"]) in titles[ann["dashboard_uid"]], a["alert"]
        assert ann["dashboard_url"] == f"http://localhost:3000/d/{ann['dashboard_uid']}?viewPanel={ann['panel_id']}"


def test_threshold_is_the_setting(settings, report):
    over = attrs.evolve(settings, alert_upstream_error_ratio=0.25)
    rules = {r.get("alert"): r for g in rendered(over, report.dashboards) for r in g["rules"]}
    assert rules["PlanoUpstreamErrorRatioHigh"]["expr"] == (
        "(plano:upstream_error_ratio:rate5m > 0.25) and (plano:upstream_requests:rate5m > 0.1)")


# --- promtool test rules -------------------------------------------------------------------------
def test_every_alert_has_a_firing_and_a_silent_case(unit_tests, settings, report):
    names = {r["alert"] for g in rendered(settings, report.dashboards) for r in g["rules"] if "alert" in r}
    firing, silent = set(), set()
    for t in unit_tests["tests"]:
        for c in t["alert_rule_test"]:
            (firing if c["exp_alerts"] else silent).add(c["alertname"])
    assert firing == names and silent == names
    steady = unit_tests["tests"][0]
    assert steady["name"].startswith("steady") and {c["alertname"] for c in steady["alert_rule_test"]} == names


def test_simulator_scenarios_fire_their_alerts(unit_tests):
    """Outage, rate limit, cost spike and injection each fire the alert meant for them."""
    fired = {(t["name"].split(":")[0], c["alertname"]): [a["exp_labels"] for a in c["exp_alerts"]]
             for t in unit_tests["tests"] for c in t["alert_rule_test"] if c["exp_alerts"]}
    assert fired[("scenario outage", "PlanoUpstreamErrorRatioHigh")] == [{"severity": "critical",
                                                                          "provider": "anthropic"}]
    assert fired[("scenario ratelimit", "PlanoRateLimitingActive")] == [{"severity": "warning"}]
    assert {"provider": "openai", "model": "gpt-4o", "severity": "warning"} in fired[("scenario cost",
                                                                                      "PlanoSpendRateHigh")]
    assert len(fired[("scenario pii", "LLMPromptInjectionAttempts")]) == 2


def test_promtool_unit_tests_pass(unit_tests, default_rules, tmp_path):
    r = run_unit_tests(unit_tests, default_rules, tmp_path)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    assert "SUCCESS" in r.stdout


@pytest.mark.parametrize("setting, value, scenario, alert", [
    ("alert_upstream_error_ratio", 0.9, "scenario outage", "PlanoUpstreamErrorRatioHigh"),  # never fires
    ("alert_http_5xx_ratio", 0.01, "steady", "PlanoHTTP5xxRatioHigh"),  # fires on ordinary traffic
    ("alert_pii_rate", 1.0, "scenario pii", "LLMPIIDetectionsHigh"),  # fires for one service of two
])
def test_wrong_threshold_fails_the_unit_tests(unit_tests, settings, report, tmp_path, setting, value, scenario,
                                              alert):
    paths = write_rules(attrs.evolve(settings, **{setting: value}), report.dashboards, tmp_path / "rules")
    r = run_unit_tests(unit_tests, paths, tmp_path, only=[scenario])
    assert r.returncode != 0 and alert in r.stdout + r.stderr


@pytest.mark.parametrize("file, label", [("plano-upstream.yaml", "provider"), ("llm-observability.yaml",
                                                                                "service_name")])
def test_dropped_label_fails_the_unit_tests(unit_tests, default_rules, tmp_path, file, label):
    paths = []
    for path in default_rules:
        text = Path(path).read_text()
        if path.endswith(file):
            assert f"sum by ({label}) (" in text
            text = text.replace(f"sum by ({label}) (", "sum (")
        (tmp_path / Path(path).name).write_text(text)
        paths.append(str(tmp_path / Path(path).name))
    only = ["scenario outage"] if label == "provider" else ["scenario pii"]
    r = run_unit_tests(unit_tests, paths, tmp_path, only=only)
    assert r.returncode != 0, r.stdout


# --- lint -------------------------------------------------------------------------------------
def test_shipped_rules_lint_clean(settings, report):
    assert lint_rules(settings, report.dashboards) == []


def _lint_one(settings, report, rule, records=()) -> list:
    group = Group("bad", "1m", [*records, rule])
    doc = group_dict(group, settings, panel_ids(report.dashboards))
    return [f for f in lint_groups(tuple(rule_groups(settings)) + (group,),
                                   rendered(settings, report.dashboards) + [doc], settings)
            if not pending.covers(f)]


def _alert(expr, **kw) -> Alert:
    base = dict(alert="BadAlert", expr=expr, severity="warning", summary="s", description="d",
                dashboard="plano-http-red", panel="5xx ratio by handler", for_="5m", labels=("handler",))
    return Alert(**{**base, **kw})


def test_lint_names_the_rule(settings, report):
    ratio = q.ratio(q.sum_rate(p.HTTP, ("handler",), status_class="5xx"), q.sum_rate(p.HTTP, ("handler",)))
    unguarded = _lint_one(settings, report, _alert(above(windowed(ratio, "5m"), 0.05)))
    assert [(f.dashboard, f.panel, f.rule) for f in unguarded] == [("rules:bad", "BadAlert", "ratio-guard")]
    grafana = _lint_one(settings, report, _alert(above(ratio, 0.05)))
    assert [f.rule for f in grafana] == ["rule-window"] and "$__rate_interval" in grafana[0].message
    short = _lint_one(settings, report, _alert(above(windowed(q.sum_rate(p.HTTP, ("handler",)), "30s"), 1)))
    assert [f.rule for f in short] == ["rule-window"] and "[30s]" in short[0].message
    no_for = _lint_one(settings, report, _alert(above(q.sum_(q.rate(p.HTTP, "5m"), ("handler",)), 1), for_="0s"))
    assert [f.rule for f in no_for] == ["alert-fields"]
    wrong_labels = _lint_one(settings, report, _alert(above(q.sum_(q.rate(p.HTTP, "5m"), ("method",)), 1)))
    assert [f.rule for f in wrong_labels] == ["rule-labels"] and "(method)" in wrong_labels[0].message
    rec = Record("bad:requests:rate5m", q.sum_(q.rate(p.HTTP, "5m"), ("handler",)), ("handler",))
    mixed = _lint_one(settings, report, _alert(
        q.Bin("and", above(rec.sel(), 1), above(q.sum_(q.rate(p.HTTP, "5m"), ("method",)), 1))), records=[rec])
    assert any(f.rule == "rule-labels" and "left side carries (handler)" in f.message for f in mixed)


def test_cli_lint_includes_the_rules():
    r = run_dashctl("--set", "alert_scrape_interval=2m", "lint")
    assert r.returncode == 1
    assert 'rules:plano-upstream: "plano:upstream_error_ratio:rate5m": [rule-window]' in r.stdout


# --- bad input --------------------------------------------------------------------------------
def test_unknown_metric_or_label_names_the_rule(settings):
    ghost = Metric("brightstaff_ghost_total", "counter", "brightstaff", "short", "not emitted")
    for expr, text in ((above(q.sum_rate(ghost), 1), "unknown metric brightstaff_ghost_total"),
                       (above(q.sum_rate(p.HTTP, provider="openai"), 1), "has no label 'provider'")):
        group = Group("extra", "1m", [_alert(expr, labels=())])
        with pytest.raises(RuleError) as err:
            check((*rule_groups(settings), group), rules_catalog(settings, rule_groups(settings)))
        assert str(err.value).startswith("rule group extra, rule BadAlert: ") and text in str(err.value)


def test_unknown_panel_names_the_rule(settings, report):
    group = Group("extra", "1m", [_alert(above(q.sum_(q.rate(p.HTTP, "5m")), 1), panel="No such panel")])
    with pytest.raises(RuleError, match="rule group extra, rule BadAlert: links to panel 'No such panel'"):
        group_dict(group, settings, panel_ids(report.dashboards))


@pytest.mark.parametrize("assignment, text", [
    ("alert_pii_rate=lots", "setting alert_pii_rate: 'lots' is not float"),
    ("alert_for=5 minutes", "setting alert_for: '5 minutes' does not match"),
    ("slo_latency_seconds=7", "slo_latency_seconds=7: not a bucket boundary"),
])
def test_bad_setting_is_one_line_exit_2(tmp_path, assignment, text):
    r = run_dashctl("--set", assignment, "rules", "--out", str(tmp_path / "r"))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and text in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "r").exists()


def test_bad_setting_in_toml_is_exit_2(tmp_path):
    (tmp_path / "dashctl.toml").write_text('[settings]\nalert_upstream_error_ratio = "high"\n')
    r = run_dashctl("--config", str(tmp_path / "dashctl.toml"), "rules", "--out", str(tmp_path / "r"))
    assert r.returncode == 2 and "alert_upstream_error_ratio" in r.stderr and r.stderr.count("\n") == 1


def test_settings_convert_numbers():
    s = Settings(alert_pii_rate="0.5", alert_restarts=3)
    assert s.alert_pii_rate == 0.5 and s.alert_restarts == 3.0
    with pytest.raises(TypeError):
        Settings(alert_pii_rate=True)


def test_rule_groups_config_error(settings):
    with pytest.raises(ConfigError, match="slo_ttft_seconds=3"):
        rule_groups(attrs.evolve(settings, slo_ttft_seconds=3.0))


# --- dashboards show the alerts ------------------------------------------------------------------
def test_dashboards_annotate_their_firing_alerts(models, settings, report):
    alerts = {r["alert"]: r["annotations"]["dashboard_uid"] for g in rendered(settings, report.dashboards)
              for r in g["rules"] if "alert" in r}
    for uid, model in models.items():
        entries = [a for a in model["annotations"]["list"] if a.get("name") == "Alerts firing"]
        linked = sorted(a for a, d in alerts.items() if d == uid or (uid == "brightstaff" and a.startswith("Plano")))
        if not linked:
            assert entries == [], uid
            continue
        (entry,) = entries
        assert entry["datasource"] == {"type": "prometheus", "uid": "${datasource}"} and entry["enable"]
        assert entry["target"]["expr"] == f'ALERTS{{alertstate="firing", alertname=~"{"|".join(linked)}"}}'
    assert len(models["brightstaff"]["annotations"]["list"][1]["target"]["expr"].split("|")) == 14


# --- dashboards read the recording rules when asked -----------------------------------------------
def test_a_record_is_its_panel_expression_over_the_rule_window(settings):
    records = [r for g in rule_groups(settings) for r in g.records if r.reads is not None]
    assert len(records) >= 10
    for r in records:
        assert windowed(r.reads, settings.alert_rate_window) == r.expr, r.record


def _panel_expr(models, uid, title):
    return next(pn for pn in models[uid]["panels"] if pn["title"] == title)["targets"][0]["expr"]


def test_dashboards_read_recording_rules_only_when_asked(models, settings):
    from llm_gateway_dashboards.dashctl.builder import build

    assert _panel_expr(models, "plano-http-red", "5xx ratio by handler").startswith(
        '(sum by (handler) (rate(brightstaff_http_requests_total{job="brightstaff"')
    on = {d.uid: d.model for d in build(attrs.evolve(settings, dashboards_read_recording_rules=True)).dashboards}
    assert _panel_expr(on, "plano-http-red", "5xx ratio by handler") == "plano:http_5xx_ratio:rate5m"
    assert _panel_expr(on, "plano-llm-cost", "Spend rate by provider / model (USD/hour)") == (
        'plano:spend_usd_per_hour:rate5m{provider=~"$provider", model=~"$model"}')
    # a query that only contains a recorded part keeps its own window
    assert "plano:" not in _panel_expr(on, "plano-http-red", "4xx ratio by handler")
    r = run_dashctl("--set", "dashboards_read_recording_rules=true", "lint")
    assert r.returncode == 0, r.stdout + r.stderr
