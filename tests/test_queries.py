"""Exact PromQL the helpers produce: the shapes every dashboard relies on."""

import pytest

from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels.catalog import BRIGHTSTAFF, LLM
from llm_gateway_dashboards.panels.queries import Binding, Context

M = {m.name: m for m in BRIGHTSTAFF.metrics + LLM.metrics}
HTTP = M["brightstaff_http_requests_total"]
CTX = Context(jobs={"brightstaff": "brightstaff", "llm": ""},
              bindings=(Binding("instance", "instance", ("brightstaff",)), Binding("model", "model")))


def test_rate_uses_rate_interval_and_splices_job_and_variables():
    e = q.sum_rate(HTTP, ("handler",), status_class="5xx")
    assert e.render(CTX) == ('sum by (handler) (rate(brightstaff_http_requests_total{job="brightstaff", '
                             'instance=~"$instance", status_class="5xx"}[$__rate_interval]))')


def test_variables_bind_only_labels_the_metric_has():
    pii = q.sum_rate(M["llm_pii_detected_total"], ("service_name",))
    assert pii.render(CTX) == "sum by (service_name) (rate(llm_pii_detected_total[$__rate_interval]))"
    tokens = q.sum_rate(M["llm_tokens_total"])
    assert 'model=~"$model"' in tokens.render(CTX)
    assert "instance" not in tokens.render(CTX)  # instance binding is restricted to brightstaff


def test_ratio_is_exact_at_low_traffic_and_never_clamps():
    e = q.ratio(q.sum_rate(HTTP, status_class="5xx"), q.sum_rate(HTTP))
    text = e.render(Context())
    assert "clamp_min" not in text
    # 0 (not empty) with traffic and no errors; no series (not NaN) without traffic: "no traffic"
    assert text == ('(sum (rate(brightstaff_http_requests_total{status_class="5xx"}[$__rate_interval])) or '
                    '(sum (rate(brightstaff_http_requests_total[$__rate_interval])) * 0)) / '
                    '(sum (rate(brightstaff_http_requests_total[$__rate_interval])) > 0)')


def test_disjoint_selections_are_added_inside_one_sum():
    a = q.rate(q.sel(HTTP, status_class="5xx"))
    b = q.rate(q.sel(HTTP, status_class="4xx", handler=q.ne("not_found")))
    assert q.add_disjoint([a, b], ("handler",)).render(Context()) == (
        'sum by (handler) (rate(brightstaff_http_requests_total{status_class="5xx"}[$__rate_interval]) or '
        'rate(brightstaff_http_requests_total{status_class="4xx", handler!="not_found"}[$__rate_interval]))')


def test_range_total_adds_the_first_value_of_series_born_in_the_range():
    assert q.range_total(HTTP, ("handler",)).render(Context()) == (
        'sum by (handler) (increase(brightstaff_http_requests_total[$__range]) or '
        'label_replace(min_over_time(brightstaff_http_requests_total[$__range]) unless '
        'brightstaff_http_requests_total offset $__range, "born_in_range", "true", "", ""))')


def test_histogram_quantile_sums_buckets_by_le():
    e = q.histogram_quantile(0.95, M["brightstaff_llm_upstream_duration_seconds"], ("provider", "model"))
    assert e.render(Context()) == ("histogram_quantile(0.95, sum by (le, provider, model) "
                                   "(rate(brightstaff_llm_upstream_duration_seconds_bucket[$__rate_interval])))")


def test_histogram_quantile_refuses_a_counter():
    with pytest.raises(TypeError, match="needs a histogram"):
        q.histogram_quantile(0.5, HTTP)


def test_refs_list_metric_and_labels_for_validation():
    e = q.sum_rate(HTTP, ("handler",), status_class="5xx")
    refs = list(e.refs())
    assert (HTTP, ("status_class",)) in refs and (HTTP, ("handler",)) in refs


def test_matcher_values_are_escaped():
    assert q.sel(HTTP, handler='a"b').render(Context()) == 'brightstaff_http_requests_total{handler="a\\"b"}'


def test_quantile_labels():
    assert [q.quantile_label(x) for x in (0.5, 0.95, 0.99, 0.999)] == ["p50", "p95", "p99", "p99.9"]
