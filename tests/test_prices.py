"""The model price file: what a bad one says, and that the cost queries price tokens exactly as it does."""

import json
import re
import subprocess
import textwrap
from pathlib import Path

import promql_parser as pp
import pytest

from conftest import ROOT, iter_panels, run_dashctl
from llm_gateway_dashboards.dashctl.builder import build
from llm_gateway_dashboards.dashctl.errors import ConfigError
from llm_gateway_dashboards.panels import cost
from llm_gateway_dashboards.panels.prices import DEFAULT_FILE, PACKAGED_FILE, load_prices, price_file
from llm_gateway_dashboards.panels.settings import Settings
from promql import parse, substitute

GOOD = """\
- model: gpt-4o
  provider: openai
  input_price_per_1m: 2.50
  output_price_per_1m: 10.00
  version: "2025-01-15"
- model: claude-sonnet-4-5
  provider: anthropic
  input_price_per_1m: 3
  output_price_per_1m: 15
  version: "2025-01-15"
"""


def _write(tmp_path, text, name="prices.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


# --- the shipped file -------------------------------------------------------------------------
def test_shipped_file_is_config_model_prices_and_prices_the_major_models():
    project = ROOT / "config" / "model_prices.yaml"
    assert not project.is_symlink() and project.is_file()  # a real file: `sed -i` edits what the build reads
    assert project.read_bytes() == PACKAGED_FILE.read_bytes(), (
        "the packaged copy is behind config/model_prices.yaml: cp config/model_prices.yaml panels/data/")
    prices = load_prices(ROOT / DEFAULT_FILE)
    assert {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "claude-sonnet-4-5", "gemini-2.5-pro",
            "mistral-large-latest"} <= set(prices.names)
    assert {m.provider for m in prices.models} >= {"openai", "anthropic", "google", "mistral"}
    gpt4o = prices.get("gpt-4o")
    assert (gpt4o.input_price_per_1m, gpt4o.output_price_per_1m) == (2.5, 10.0)
    assert gpt4o.per_kind() == {"prompt": 2.5, "completion": 10.0, "cache_read": 1.25, "cache_write": 2.5}
    assert prices.get("mistral-large-latest").per_kind()["cache_read"] == 2.0  # no cache price: input price
    assert all(m.version for m in prices.models)


def test_versions_read_as_text_and_a_range_is_shown(tmp_path):
    path = _write(tmp_path, GOOD.replace('version: "2025-01-15"', "version: 2025-03-01", 1))
    prices = load_prices(path)
    assert [m.version for m in prices.models] == ["2025-03-01", "2025-01-15"]  # unquoted YAML date
    assert prices.version == "2025-01-15 … 2025-03-01"
    assert load_prices(_write(tmp_path, GOOD, "same.yaml")).version == "2025-01-15"


# --- a bad file names the file, the entry and the field -----------------------------------------
BAD = {
    "missing field": (GOOD.replace("  output_price_per_1m: 15\n", ""),
                      "entry 2 (line 6, model 'claude-sonnet-4-5'): field output_price_per_1m: missing"),
    "negative price": (GOOD.replace("input_price_per_1m: 3\n", "input_price_per_1m: -3\n"),
                       "entry 2 (line 6, model 'claude-sonnet-4-5'): field input_price_per_1m: "
                       "must be a finite price >= 0, got -3"),
    "non-numeric price": (GOOD.replace("output_price_per_1m: 10.00", "output_price_per_1m: ten"),
                          "entry 1 (line 1, model 'gpt-4o'): field output_price_per_1m: "
                          "must be a number (USD per million tokens), got 'ten'"),
    "infinite price": (GOOD.replace("output_price_per_1m: 10.00", "output_price_per_1m: .inf"),
                       "entry 1 (line 1, model 'gpt-4o'): field output_price_per_1m: must be a finite price"),
    "duplicate model": (GOOD.replace("claude-sonnet-4-5", "gpt-4o"),
                        "entry 2 (line 6, model 'gpt-4o'): field model: duplicate: 'gpt-4o' is already "
                        "priced by entry 1"),
    "unknown field": (GOOD.replace("  version: \"2025-01-15\"\n- model: claude",
                                   "  version: \"2025-01-15\"\n  input_price_per_1M: 1\n- model: claude"),
                      "entry 1 (line 1, model 'gpt-4o'): field input_price_per_1M: unknown field"),
    "missing model": (GOOD.replace("- model: gpt-4o\n  provider", "- provider"),
                      "entry 1 (line 1): field model: missing"),
    "not a list": ("gpt-4o: 2.5\n", "expected a non-empty list of models"),
    "empty": ("", "expected a non-empty list of models"),
    "bad yaml": ("- model: [gpt\n", "not valid YAML at line 2"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_malformed_file_names_file_entry_and_field(tmp_path, case):
    text, expected = BAD[case]
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_prices(path)
    assert str(exc.value).startswith(f"{path}: "), str(exc.value)
    assert expected in str(exc.value)
    assert exc.value.exit_code == 2


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=re.escape(f"{tmp_path / 'nope.yaml'}: price file not found")):
        load_prices(tmp_path / "nope.yaml")


def test_cli_build_fails_on_a_malformed_price_file_with_one_line(tmp_path):
    path = _write(tmp_path, BAD["negative price"][0])
    r = run_dashctl("build", "--out", str(tmp_path / "out"), env={"DASHCTL_PRICES_FILE": str(path)})
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.strip() == (f"dashctl: error: {path}: entry 2 (line 6, model 'claude-sonnet-4-5'): "
                                f"field input_price_per_1m: must be a finite price >= 0, got -3")
    assert "Traceback" not in r.stderr


# --- which file: one rule (issue 13, point 2) -------------------------------------------------------
def test_the_price_file_is_the_setting_as_given_else_the_projects_else_the_packaged(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert price_file("") == PACKAGED_FILE  # no config/model_prices.yaml here
    (tmp_path / "config").mkdir()
    _write(tmp_path / "config", GOOD, "model_prices.yaml")
    assert price_file("") == DEFAULT_FILE and load_prices("").path == "config/model_prices.yaml"
    assert price_file("elsewhere/p.yaml") == Path("elsewhere/p.yaml")
    (tmp_path / "config" / "model_prices.yaml").unlink()
    (tmp_path / "config" / "model_prices.yaml").symlink_to("gone.yaml")  # a broken link is an error, not a fallback
    with pytest.raises(ConfigError, match="^config/model_prices.yaml: price file not found; create it or set "):
        load_prices("")


def test_an_edited_project_price_file_rebuilds_the_cost_dashboard(tmp_path):
    """As `sed -i` does: a new file renamed over config/model_prices.yaml. The next build reads it."""
    (tmp_path / "config").mkdir()
    prices = tmp_path / "config" / "model_prices.yaml"
    prices.write_text((ROOT / "config" / "model_prices.yaml").read_text())
    assert run_dashctl("build", "--out", "out", cwd=tmp_path).returncode == 0
    edited = tmp_path / "config" / ".model_prices.yaml.sed"
    edited.write_text(prices.read_text().replace("output_price_per_1m: 10.00", "output_price_per_1m: 12.00", 1))
    edited.replace(prices)
    r = run_dashctl("build", "--out", "out", cwd=tmp_path)
    # the cost dashboards (Plano, OTel GenAI) and the three scorecards with a USD/hour column
    assert r.returncode == 0 and r.stdout.startswith("14 dashboard(s): 5 written, 9 unchanged"), r.stdout
    cost = json.loads((tmp_path / "out" / "Plano" / "plano-llm-cost.json").read_text())
    spend = next(p for p in iter_panels(cost) if p["title"] == "Spend (selected range)")["targets"][0]["expr"]
    assert 'label_replace(label_replace(vector(12), "model", "gpt-4o", "", ""), "kind", "completion", "", "")' in spend


# --- the cost queries price tokens as the file does ----------------------------------------------
def _cost_model(settings):
    rep = build(settings, only=["plano-llm-cost"])
    assert rep.ok, [e.one_line() for e in rep.errors]
    return json.loads(rep.dashboards[0].data)


OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


def _matchers(vs):
    """{(label, op): value}; a label may appear with several ops (`model=~"$model", model="gpt-4o"`)."""
    return {(m.name, OPS[str(m.op)]): m.value for m in vs.matchers.matchers}


def _price_rows(expr):
    """{(model, kind): price} from the price table in the query: constant series
    `label_replace(label_replace(vector(price), "model", M, "", ""), "kind", K, "", "")`."""
    out = {}
    for node in _walk(expr):
        if not (isinstance(node, pp.Call) and node.func.name == "label_replace" and node.args[1].val == "kind"):
            continue
        inner = node.args[0]
        if not (isinstance(inner, pp.Call) and inner.func.name == "label_replace" and inner.args[1].val == "model"
                and isinstance(inner.args[0], pp.Call) and inner.args[0].func.name == "vector"):
            continue
        key, price = (inner.args[2].val, node.args[2].val), inner.args[0].args[0].val
        assert out.get(key, price) == price, f"{key} priced twice, differently"
        out[key] = price
    return out


def _priced_terms(expr):
    """The price table, and that the token series are multiplied by it on (model, kind)."""
    assert "* on (model, kind) group_left () (" in expr
    return _price_rows(expr)


def _expected(prices):
    return {(m.model, kind): price for m in prices.models for kind, price in m.per_kind().items()}


SPEND_PANELS = ("Spend (selected range)", "Spend rate now (USD/hour)", "Spend rate by provider / model (USD/hour)",
                "Spend by provider / model (selected range)", "Spend by provider (selected range)",
                "Prompt vs completion spend (selected range)", "Spend rate by token kind (USD/hour)")


@pytest.mark.parametrize("prices_file", ["", "custom"])
def test_every_spend_query_prices_each_model_and_kind_as_the_file(tmp_path, prices_file):
    if prices_file:
        prices_file = str(_write(tmp_path, """\
            - model: gpt-4.1
              provider: openai
              input_price_per_1m: 1.75
              output_price_per_1m: 7.125
              cache_read_price_per_1m: 0.4
              version: "2026-02-01"
            - model: my-model
              provider: local
              input_price_per_1m: 0
              output_price_per_1m: 0.001
              cache_write_price_per_1m: 9
              version: "2026-02-01"
            """))
    settings = Settings(prices_file=prices_file)
    prices = load_prices(prices_file)
    panels = {p["title"]: p for p in iter_panels(_cost_model(settings))}
    assert set(SPEND_PANELS) <= set(panels)
    for title in SPEND_PANELS:
        expr = panels[title]["targets"][0]["expr"]
        assert _priced_terms(expr) == _expected(prices), title
        if "USD/hour" in title:
            assert expr.endswith(" * 3600) / 1000000"), title
            assert "[$__rate_interval]" in expr and "$__range" not in expr, title
        else:
            assert expr.endswith(") / 1000000") and "[$__range]" in expr and "$__rate_interval" not in expr
    price_panel = next(t for t in panels if t.startswith("Prices: "))
    assert price_panel == f"Prices: version {prices.version} ({len(prices.models)} models)"


def test_priced_terms_keep_the_model_variable_and_unpriced_tokens_exclude_exactly_the_priced(settings):
    panels = {p["title"]: p for p in iter_panels(_cost_model(settings))}
    spend = panels["Spend by provider / model (selected range)"]["targets"][0]["expr"]
    assert spend.count('model=~"$model"') == spend.count("brightstaff_llm_tokens_total") >= 6
    unpriced = panels["Tokens without a price"]["targets"][0]["expr"]
    sels = [vs for vs in (n for n in _walk(unpriced) if isinstance(n, pp.VectorSelector))]
    regex = next(v for vs in sels for (name, op), v in _matchers(vs).items() if name == "model" and op == "!~")
    names = load_prices("").names
    assert all(re.fullmatch(regex, n) for n in names)  # each priced model is excluded...
    assert not re.fullmatch(regex, "gpt-4x1") and not re.fullmatch(regex, "gpt-4o-2024")  # ...and only those
    kinds = next(v for vs in sels for (name, op), v in _matchers(vs).items() if name == "kind" and op == "!~")
    assert kinds == "prompt|completion|cache_read|cache_write"  # a new token kind is not silently free


def _walk(expr):
    found = []
    pp.walk(parse(expr), lambda n: found.append(n))
    return found


# --- on a real Prometheus engine: known tokens x known price = expected USD ----------------------
def _bind(expr, scale):
    """The query as Grafana sends it with every filter on All, scaled and rounded to an integer
    (promtool 2.42 compares floats exactly: 0.6000000000000001 is not 0.6)."""
    expr = substitute(expr).replace('"$provider"', '".*"').replace('"$model"', '".*"')
    return f"round(({expr}) * {scale})"


def test_spend_numbers_on_prometheus(tmp_path, settings):
    """promtool evaluates the built queries on synthetic counters (one sample a minute, 1 h)."""
    panels = {p["title"]: p for p in iter_panels(_cost_model(settings))}
    micro = 1_000_000  # expected values below in micro-USD
    by_model = _bind(panels["Spend by provider / model (selected range)"]["targets"][0]["expr"], micro)
    per_hour = _bind(panels["Spend rate by provider / model (USD/hour)"]["targets"][0]["expr"], micro)
    by_kind = _bind(panels["Prompt vs completion spend (selected range)"]["targets"][0]["expr"], micro)
    unpriced = _bind(panels["Tokens without a price"]["targets"][0]["expr"], 60)  # tokens per minute

    def series(model, provider, kind, per_minute):
        return {"series": f'brightstaff_llm_tokens_total{{job="brightstaff", instance="b:9092", '
                          f'provider="{provider}", model="{model}", kind="{kind}"}}',
                "values": f"0+{per_minute}x60"}

    # gpt-4o over the hour: 180k prompt, of which 120k cached (OpenAI convention: prompt includes cache_read):
    # 60k uncached x 2.50 + 30k completion x 10 + 120k cache_read x 1.25 (per 1M)
    # = 0.15 + 0.30 + 0.15 = 0.60 USD; claude: 6k cache_write x 3.75 = 0.0225 USD; llama: no price
    test = {
        "rule_files": [], "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [series("gpt-4o", "openai", "prompt", 3000), series("gpt-4o", "openai", "completion", 500),
                             series("gpt-4o", "openai", "cache_read", 2000),
                             series("claude-sonnet-4-5", "anthropic", "cache_write", 100),
                             series("llama-3-70b", "local", "prompt", 5000)],
            "promql_expr_test": [
                {"expr": by_model, "eval_time": "60m", "exp_samples": [
                    {"labels": '{provider="openai", model="gpt-4o"}', "value": 600_000},
                    {"labels": '{provider="anthropic", model="claude-sonnet-4-5"}', "value": 22_500}]},
                {"expr": per_hour, "eval_time": "60m", "exp_samples": [  # a steady hour: same per hour
                    {"labels": '{provider="openai", model="gpt-4o"}', "value": 600_000},
                    {"labels": '{provider="anthropic", model="claude-sonnet-4-5"}', "value": 22_500}]},
                {"expr": by_kind, "eval_time": "60m", "exp_samples": [
                    {"labels": '{kind="prompt"}', "value": 150_000},
                    {"labels": '{kind="completion"}', "value": 300_000},
                    {"labels": '{kind="cache_read"}', "value": 150_000},
                    {"labels": '{kind="cache_write"}', "value": 22_500}]},
                {"expr": unpriced, "eval_time": "60m", "exp_samples": [
                    {"labels": '{provider="local", model="llama-3-70b", kind="prompt"}', "value": 5000}]},
            ],
        }],
    }
    path = tmp_path / "cost_test.yaml"
    path.write_text(json.dumps(test))  # JSON is YAML
    r = subprocess.run(["promtool", "test", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_cost_module_builds_queries_without_a_dashboard():
    prices = load_prices("")
    text = str(cost.spend(prices, ("model",)))
    assert text.startswith("sum by (model) ((increase(brightstaff_llm_tokens_total[$__range]) or label_replace(")
    assert '* on (model, kind) group_left () (label_replace(label_replace(vector(2.5), "model", "gpt-4o"' in text
    assert str(cost.spend_rate(prices, ())).endswith(" * 3600) / 1000000")
