"""The catalog is the metric contract: it must hold exactly what metrics-reference.md lists."""

import re

import pytest

from conftest import FIXTURES
from llm_gateway_dashboards.panels import catalog as c

REFERENCE = (FIXTURES / "metrics-reference.md").read_text()


METRIC_LIKE = re.compile(r"^(brightstaff|process|envoy|llm|traces_span_metrics|calls|duration_milliseconds|ratelimited"
                         r"|active_http|time_to_first|time_per_output|request_latency|tokens_per_second"
                         r"|input_sequence|output_sequence)_\w*[a-z]$|^gen_ai[_.][\w.]*[a-z]$")  # OTel: dotted too
# backticked names that are no metric: the value of OTEL_SEMCONV_STABILITY_OPT_IN, a crate, the SDK's
# decorator, a name the reference says not to query, source files
NOT_METRICS = re.compile(r"^(gen_ai_latest_experimental|llm_gateway|llm_observe|ratelimited_rq_total)$|\.py$")


def _reference_metrics() -> set[str]:
    """Every backticked metric-like name of the reference (OTel's dotted names too), minus labels and
    `_bucket/_sum/_count` lists."""
    tokens = set()
    spans = re.findall(r"`([^`]+)`", re.sub(r"```.*?```", "", REFERENCE, flags=re.S))  # fenced blocks: no spans
    for quoted in spans:  # "…x" is short for a name, "a/b" a path
        tokens.update(t for t in re.findall(r"(?<![…\w./])[a-z_:][a-z0-9_:.]*(?![\w/])", quoted)
                      if METRIC_LIKE.match(t) and not NOT_METRICS.search(t))
    metrics = c.default_catalog().metrics
    labels = {label for m in metrics for label in m.labels}
    values = {v for m in metrics for _, vs in m.values for v in vs}
    return tokens - labels - values


def test_every_metric_of_the_reference_is_in_the_catalog():
    cats = [c.default_catalog(), c.default_catalog("traces_span_metrics")]
    names = _reference_metrics()
    assert len(names) > 40
    # "as time_to_first_chunk": the last part of an OTel name, short for it
    otel_parts = {m.name.rsplit(".", 1)[-1].removesuffix("_seconds") for m in c.OTEL_GENAI.metrics}
    unsuffixed = {n for n in names if re.sub(r"_(bucket|sum|count)$", "", n) in c.GENAI_UNSUFFIXED}  # lint's
    for name in sorted(names - unsuffixed - otel_parts):
        assert any(name in {m.name for m in cat.metrics} or cat.by_series(name) for cat in cats), (
            f"{name} (metrics-reference.md) is missing from panels/catalog.py")
    assert {"gen_ai.client.operation.duration_bucket", "gen_ai_client_operation_duration_bucket"} <= unsuffixed


def test_abbreviated_names_of_the_reference_end_a_catalog_name():
    """`…time_to_first_chunk_seconds` and the like: the end of a name the catalog holds."""
    names = {m.name for m in c.default_catalog().metrics}
    abbreviated = set(re.findall(r"`…([a-z_][a-z0-9_.]*[a-z])", REFERENCE))
    assert len(abbreviated) >= 4
    for tail in sorted(abbreviated):
        assert any(n.endswith(tail) or any((n + x).endswith(tail) for x in ("_bucket", "_sum", "_count"))
                   or tail in n for n in names), tail


def test_labels_match_the_reference_tables():
    cat = c.default_catalog()
    rows = re.findall(r"^\| `([a-z_]+)` \| ([^|]+) \| ([^|]+) \|", REFERENCE, re.M)
    checked = 0
    for name, _kind, labels in rows:
        want = set(re.findall(r"`([a-z_]+)`", re.sub(r"\([^)]*\)", "", labels)))  # "(values)" are not labels
        if not want or name not in {m.name for m in cat.metrics}:
            continue
        assert set(cat.metric(name).labels) == want, name
        checked += 1
    assert checked >= 20


def test_kinds_follow_the_reference():
    cat = c.default_catalog()
    assert cat.metric("llm_latency_ms_total").kind == "histogram"  # a histogram whose name ends in _total
    assert cat.by_series("llm_latency_ms_total_bucket").name == "llm_latency_ms_total"
    assert cat.metric("brightstaff_build_info").kind == "gauge"
    assert cat.metric("brightstaff_llm_upstream_requests_total").known("error_class") == c.ERROR_CLASSES
    assert "error" in cat.metric("brightstaff_llm_upstream_requests_total").known("status_class")


def test_spanmetrics_namespace_changes_names():
    assert {m.name for m in c.spanmetrics_source("").metrics} == {"calls_total", "duration_milliseconds"}
    assert {m.name for m in c.spanmetrics_source("traces_span_metrics").metrics} == {
        "traces_span_metrics_calls_total", "traces_span_metrics_duration_milliseconds"}


def test_unknown_metric_lookup_names_it():
    with pytest.raises(c.CatalogError, match="unknown metric 'brightstaff_nope'"):
        c.default_catalog().metric("brightstaff_nope")


def test_invalid_metric_is_refused_at_declaration():
    with pytest.raises(c.CatalogError, match="labels it lacks"):
        c.Metric("x_total", "counter", "s", "short", "h", ("a",), {"b": ("1",)})
    with pytest.raises(ValueError):
        c.Metric("x_total", "summary", "s", "short", "h")


def test_register_a_new_source_reaches_the_catalog():
    metric = c.Metric("my_requests_total", "counter", "myexporter", "reqps", "h", ("route",))
    src = c.Source("myexporter", "test", [metric])
    try:
        c.register(src)
        assert c.default_catalog().metric("my_requests_total").labels == ("route",)
    finally:
        c._EXTRA.remove(src)
