"""`dashctl lint`: each rule fires on a deliberately broken panel, with a finding that names the
dashboard, the panel and the rule; the shipped dashboards are clean."""

from __future__ import annotations

import copy
import json
import textwrap

import attrs
import grafanalib.core as g
import pytest

from conftest import run_dashctl
from llm_gateway_dashboards.dashctl import grafana_vars as gv
from llm_gateway_dashboards.dashctl.compile import compile_board
from llm_gateway_dashboards.dashctl.lint import RULES, lint, pending
from llm_gateway_dashboards.dashctl.lint.run import lint_dashboard, suppress
from llm_gateway_dashboards.panels import kit
from llm_gateway_dashboards.panels import variables as v
from llm_gateway_dashboards.panels.catalog import default_catalog
from llm_gateway_dashboards.panels.plano import BUILD_INFO, UPSTREAM
from llm_gateway_dashboards.panels.settings import Settings

S = Settings()
CAT = default_catalog()


def board(*panels, uid="t-board", title="Test board", variables=(), exceptions=()):
    return compile_board(kit.board(S, uid=uid, title=title, folder="T", desc="a test dashboard",
                                   rows=[kit.row("Row", *panels)], variables=variables,
                                   lint_exceptions=exceptions), S, CAT)


def panel(expr: str, title="Broken", unit="short", **kw):
    """A panel with a raw query string, as a non-kit panel would have."""
    return kit.timeseries(title, g.Target(expr=expr, refId="A"), unit=unit, desc="a deliberately broken panel", **kw)


def findings(*compiled):
    return [f.line() for f in lint(compiled, CAT, S)]


def one(expr, **kw) -> str:
    out = findings(board(panel(expr), **kw))
    assert len(out) == 1, out
    return out[0]


def edit(c, fn):
    """The compiled dashboard with its model changed by fn(model)."""
    model = copy.deepcopy(c.model)
    fn(model)
    return attrs.evolve(c, model=model)


OK = 'sum(rate(brightstaff_http_requests_total{job="brightstaff"}[$__rate_interval]))'


def test_a_correct_panel_has_no_finding():
    assert findings(board(panel(OK))) == []


def test_syntax():
    assert one('sum(rate(brightstaff_http_requests_total{job="brightstaff"}[$__rate_interval])') == (
        't-board: "Broken": [syntax] A: unclosed left parenthesis: '
        'sum(rate(brightstaff_http_requests_total{job="brightstaff"}[$__rate_interval])')


def test_unknown_metric():
    assert one('sum(rate(brightstaff_http_request_total{job="brightstaff"}[$__rate_interval]))') == (
        't-board: "Broken": [unknown-metric] A: unknown metric brightstaff_http_request_total: not in the metric '
        'catalog, so no source emits it')


def test_unknown_metric_names_a_histogram_queried_without_its_suffix():
    assert one('brightstaff_http_request_duration_seconds{job="brightstaff"}') == (
        't-board: "Broken": [unknown-metric] A: brightstaff_http_request_duration_seconds is a histogram: Prometheus '
        'stores brightstaff_http_request_duration_seconds_bucket, brightstaff_http_request_duration_seconds_sum '
        'and brightstaff_http_request_duration_seconds_count, not brightstaff_http_request_duration_seconds')


def test_unknown_label_in_a_matcher_and_in_by():
    assert one('sum by (provider) (rate(brightstaff_http_requests_total{job="brightstaff"}[$__rate_interval]))') == (
        't-board: "Broken": [unknown-label] A: sum by (provider): no series inside has label \'provider\' (they '
        'have: handler, instance, job, method, status_class)')
    line = one('sum(rate(brightstaff_http_requests_total{job="brightstaff", status="500"}[$__rate_interval]))')
    assert line.startswith('t-board: "Broken": [unknown-label] A: brightstaff_http_requests_total has no label '
                           "'status' (its labels: handler, instance, job, method, status_class)")


def test_unknown_label_follows_label_replace_and_on():
    made = ('sum by (vendor) (label_replace(rate(brightstaff_llm_tokens_total{job="brightstaff", kind="completion"}'
            '[$__rate_interval]), "vendor", "$1", "provider", "(.*)"))')
    assert findings(board(panel(made))) == []
    line = one('brightstaff_build_info{job="brightstaff"} * on (model) group_left '
               'sum by (model) (rate(brightstaff_llm_tokens_total{job="brightstaff", kind="completion"}'
               '[$__rate_interval]))')
    assert line == 't-board: "Broken": [unknown-label] A: on (model): the left side has no label \'model\''


def test_unknown_value():
    assert one('sum(rate(brightstaff_http_requests_total{job="brightstaff", status_class="500"}'
               '[$__rate_interval]))') == (
        't-board: "Broken": [unknown-value] A: status_class="500": brightstaff_http_requests_total never has '
        "status_class '500' (it has: 1xx, 2xx, 3xx, 4xx, 5xx, other)")
    assert findings(board(panel('sum(rate(brightstaff_http_requests_total{job="brightstaff", '
                                'status_class=~"4xx|5xx"}[$__rate_interval]))'))) == []


def test_job():
    assert one("sum(rate(brightstaff_http_requests_total[$__rate_interval]))") == (
        't-board: "Broken": [job] A: brightstaff_http_requests_total has no job="brightstaff" matcher: it also reads '
        "any other job's series of that name")
    assert one('sum(rate(brightstaff_http_requests_total{job="plano"}[$__rate_interval]))') == (
        't-board: "Broken": [job] A: brightstaff_http_requests_total matches job="plano", the settings say '
        '"brightstaff"')


def test_counter_rate():
    assert one('sum(rate(brightstaff_http_in_flight_requests{job="brightstaff"}[$__rate_interval]))') == (
        't-board: "Broken": [counter-rate] A: rate() over brightstaff_http_in_flight_requests, a gauge: rate is for '
        'counters (show the gauge itself, or deriv()/delta())')


def test_histogram_quantile_needs_sum_by_le():
    assert one('histogram_quantile(0.95, sum by (handler) (rate(brightstaff_http_request_duration_seconds_bucket'
               '{job="brightstaff"}[$__rate_interval])))') == (
        't-board: "Broken": [histogram-quantile] A: histogram_quantile needs its buckets summed by (le, ...): '
        'histogram_quantile(q, sum by (le, ...) (rate(x_bucket[$__rate_interval])))')


def test_histogram_quantile_needs_bucket_series_and_their_rate():
    out = findings(board(panel('histogram_quantile(0.95, sum by (le) (brightstaff_http_request_duration_seconds_sum'
                               '{job="brightstaff"}))')))
    assert 't-board: "Broken": [histogram-quantile] A: histogram_quantile over ' \
           "brightstaff_http_request_duration_seconds_sum: it needs a histogram's _bucket series" in out
    assert any("[histogram-quantile] A: histogram_quantile over raw bucket counters" in f for f in out)


def test_rate_interval():
    assert one('sum(rate(brightstaff_http_requests_total{job="brightstaff"}[5m]))') == (
        't-board: "Broken": [rate-interval] A: rate(...[5m]): use [$__rate_interval], right at any zoom and '
        'scrape interval')
    assert one('sum(increase(brightstaff_http_requests_total{job="brightstaff"}[$__interval]))') == (
        't-board: "Broken": [rate-interval] A: increase(...[$__interval]): use [$__rate_interval or $__range], '
        'right at any zoom and scrape interval')
    assert findings(board(panel('sum(increase(brightstaff_http_requests_total{job="brightstaff"}[$__range]))'))) == []


def test_ratio_clamp():
    assert one(f'sum(rate(brightstaff_http_requests_total{{job="brightstaff", status_class="5xx"}}'
               f'[$__rate_interval])) / clamp_min({OK}, 1)') == (
        't-board: "Broken": [ratio-clamp] A: a ratio divided by clamp_min(..., 1): under 1/s it under-reports '
        '(0.1 of 0.1 req/s failing shows as 10%); use (part or whole * 0) / whole')


def test_multi_value_matcher():
    line = one('sum(rate(brightstaff_llm_upstream_requests_total{job="brightstaff", provider="$provider"}'
               '[$__rate_interval]))', variables=(v.provider(UPSTREAM),))
    assert line == ('t-board: "Broken": [multi-value-matcher] A: provider="$provider": $provider is multi-value '
                    '(or All); use =~ so several values match')
    single = attrs.evolve(v.provider(UPSTREAM), multi=False, include_all=False)
    assert findings(board(panel('sum(rate(brightstaff_llm_upstream_requests_total{job="brightstaff", '
                                'provider="$provider"}[$__rate_interval]))'), variables=(single,))) == []


def test_unknown_variable():
    assert one('sum(rate(brightstaff_llm_upstream_requests_total{job="brightstaff", provider=~"${vendor:regex}"}'
               '[$__rate_interval]))') == (
        't-board: "Broken": [unknown-variable] A: provider=~"${vendor:regex}": the dashboard has no variable '
        "'vendor', so the matcher never matches")


def test_variable_query():
    c = board(panel(OK), variables=(v.instance(BUILD_INFO),))

    def break_it(model):
        var = model["templating"]["list"][1]
        var["query"]["query"] = var["definition"] = 'label_values(brightstaff_build_info{job="brightstaff"}, pod)'

    assert findings(edit(c, break_it)) == [
        "t-board: [variable-query] variable instance: brightstaff_build_info has no label 'pod': the variable has "
        "no values"]


def test_duplicate_uid_and_title():
    a = board(panel(OK), uid="same", title="One")
    b = board(panel(OK), uid="same", title="Two")
    c = board(panel(OK), uid="other", title="One")
    assert findings(a, b, c) == ["same: [duplicate-uid] uid also used by 'One'",
                                 "other: [duplicate-title] title 'One' is also the title of same"]


def test_panel_title():
    assert findings(board(panel(OK, title="Twice"), panel(OK, title="Twice"))) == [
        't-board: "Twice": [panel-title] another panel of this dashboard has the same title']


def test_uid():
    c = edit(board(panel(OK)), lambda m: m.update(uid="a/b"))
    assert findings(attrs.evolve(c, uid="a/b")) == [
        "a/b: [uid] uid 'a/b' must be 1 to 40 characters of [A-Za-z0-9_-] (Grafana refuses others)"]


def test_datasource():
    def fixed(model):
        model["panels"][1]["datasource"] = {"type": "prometheus", "uid": "prometheus"}

    assert findings(edit(board(panel(OK)), fixed)) == [
        "t-board: \"Broken\": [datasource] panel datasource {'type': 'prometheus', 'uid': 'prometheus'} is not the "
        "${datasource} variable"]


def test_unit():
    assert findings(board(panel(OK, unit=""))) == [
        't-board: "Broken": [unit] no unit: set fieldConfig.defaults.unit (s, reqps, percentunit, ...)']


def test_overlap():
    def squeeze(model):
        model["panels"][2]["gridPos"]["x"] = 6

    c = edit(board(panel(OK, title="Left"), panel(OK, title="Right")), squeeze)
    assert findings(c) == ["t-board: \"Right\": [overlap] gridPos x=6 y=1 w=12 h=8 overlaps panel 'Left'"]
    wide = edit(board(panel(OK)), lambda m: m["panels"][1]["gridPos"].update(x=20))
    assert findings(wide) == ['t-board: "Broken": [overlap] gridPos x=20 w=12 h=8 is outside the 24-column grid']


def test_suppression_with_a_reason_silences_one_rule_on_one_panel():
    bad = 'sum(rate(brightstaff_http_requests_total{job="brightstaff"}[5m]))'
    ok = board(panel(bad), panel(bad, title="Other"),
               exceptions=[("Broken", "rate-interval", "matches the provider's 5-minute billing window")])
    assert findings(ok) == ['t-board: "Other": [rate-interval] A: rate(...[5m]): use [$__rate_interval], right at '
                            'any zoom and scrape interval']


def test_suppression():
    bad = 'sum(rate(brightstaff_http_requests_total{job="brightstaff"}[5m]))'
    out = findings(board(panel(bad), exceptions=[("Broken", "rate-interval", " "), ("Nope", "unit", "why"),
                                                 ("Broken", "speling", "why")]))
    assert out[:3] == [
        't-board: "Broken": [suppression] lint exception for rate-interval has no reason: say why the finding is '
        'acceptable',
        't-board: "Nope": [suppression] lint exception for unit: no panel has this title',
        f't-board: "Broken": [suppression] lint exception names unknown rule \'speling\' (rules: {", ".join(RULES)})']
    assert out[3].startswith('t-board: "Broken": [rate-interval]')  # a suppression without reason suppresses nothing


# --- what the sources really emit (metrics-reference.md, "Verified against the emitting code") ---------
def rated(metric: str, *matchers: str) -> str:
    """rate(metric{job="brightstaff", matchers...}[$__rate_interval])"""
    return "rate(" + metric + "{" + ", ".join(('job="brightstaff"',) + matchers) + "}[$__rate_interval])"


def upstream(*matchers: str) -> str:
    return rated("brightstaff_llm_upstream_requests_total", *matchers)


def tokens(*matchers: str) -> str:
    return rated("brightstaff_llm_tokens_total", *matchers)


def decisions(*matchers: str) -> str:
    return rated("brightstaff_router_decisions_total", *matchers)


P95_UPSTREAM = ('histogram_quantile(0.95, sum by (le) (rate(brightstaff_llm_upstream_duration_seconds_bucket'
                '{job="brightstaff"}[$__rate_interval])))')
P95_SDK_MS = "histogram_quantile(0.95, sum by (le) (rate(llm_latency_ms_total_bucket[$__rate_interval])))"
BASE = (None, kit.GREEN)
FAILED, BROKEN = 'status_class=~"5xx|error"', 'error_class!="none"'
PROMPT, CACHE_READ, PROMPT_OR_CACHE = 'kind="prompt"', 'kind="cache_read"', 'kind=~"prompt|cache_read"'
GPT4O, O3, ANTHROPIC = 'model="gpt-4o"', 'model="o3"', 'provider="anthropic"'
ANTHROPIC_RE, NOT_ANTHROPIC = 'provider=~"anthropic"', 'provider!~"anthropic"'
FALLBACK, NOT_NONE, UNKNOWN = 'fallback="true"', 'selected_model!="none"', 'selected_model="unknown"'
AGENT_ROUTE, LLM_ROUTE = 'route="agent"', 'route="llm"'


def test_or_overlap():
    assert one(f"sum by (provider) ({upstream(FAILED)}) or sum by (provider) ({upstream(BROKEN)})") == (
        't-board: "Broken": [or-overlap] A: `or` between two aggregates by (provider) (left reads '
        '{status_class=~"5xx|error"}, right reads {error_class!="none"}): where both sides have a series for the '
        "same labels, `or` keeps the left value and drops the right one (a failure counted only on the right "
        "vanishes); add disjoint selections with `+`, or put the `or` inside the aggregation, over the raw series: "
        "sum by (...) (rate(a[...]) or rate(b[...]))")
    served = rated("brightstaff_http_requests_total")
    assert one(f"sum({served}) or sum({upstream(FAILED)})").startswith(
        't-board: "Broken": [or-overlap] A: `or` between two aggregates without labels (left reads '
        "brightstaff_http_requests_total, right reads brightstaff_llm_upstream_requests_total)")


def test_raw_counter():
    assert one('sum by (model) (brightstaff_llm_tokens_total{job="brightstaff", kind="completion"})') == (
        't-board: "Broken": [raw-counter] A: brightstaff_llm_tokens_total is a counter read raw (no rate/increase): '
        "it restarts at 0 with its process, so a sum or cumulative line built on it falls at every restart; use "
        "increase(brightstaff_llm_tokens_total[$__range]) for a count over the range, "
        "rate(brightstaff_llm_tokens_total[$__rate_interval]) for a rate")
    cumulative = "llm_cost_usd_micro_total - llm_cost_usd_micro_total @ start()"
    assert [f.split(" is a counter")[0] for f in findings(board(panel(cumulative)))] == [
        't-board: "Broken": [raw-counter] A: llm_cost_usd_micro_total']


def test_prompt_cache_sum():
    expected = ('t-board: "Broken": [prompt-cache-sum] A: brightstaff_llm_tokens_total kind="prompt" and '
                'kind="cache_read" summed: for OpenAI-convention providers prompt already includes the cached tokens, '
                "so they count twice; uncached input is prompt - cache_read (prompt alone for anthropic), or keep "
                "kinds apart with sum by (kind)")
    assert one(f"sum by (model) ({tokens(PROMPT_OR_CACHE)})") == expected
    assert one(f"sum by (model) ({tokens(PROMPT)}) + sum by (model) ({tokens(CACHE_READ)})") == expected
    priced = f"sum by (model) (({tokens(GPT4O, PROMPT)} * 2.5) or ({tokens(GPT4O, CACHE_READ)} * 1.25))"
    assert one(priced) == expected


def test_quantile_threshold():
    slow = board(panel(P95_UPSTREAM, unit="s", thresholds=(BASE, (30, kit.ORANGE), (300, kit.RED))))
    assert findings(slow) == [
        't-board: "Broken": [quantile-threshold] A: p95 of brightstaff_llm_upstream_duration_seconds cannot read '
        'above its top finite bucket (le="120", 120 on this panel): the threshold 300 is never reached; lower it to '
        "at most 120, or show the share of observations above the top bucket "
        "(brightstaff_llm_upstream_duration_seconds_count minus its top finite bucket, over _count)"]
    in_seconds = board(panel(f"{P95_SDK_MS} / 1000", unit="s", thresholds=(BASE, (30, kit.RED))))
    assert [f.split(": the threshold")[0] for f in findings(in_seconds)] == [
        't-board: "Broken": [quantile-threshold] A: p95 of llm_latency_ms_total cannot read above its top finite '
        'bucket (le="10000", 10 on this panel)']


def test_fallback_none():
    fix = ('select real routing decisions with selected_model!="none" (in the numerator and the denominator); '
           'router errors are selected_model="unknown"')
    assert one(f"sum({decisions(FALLBACK)}) / sum({decisions()})") == (
        't-board: "Broken": [fallback-none] A: fallback="true" includes selected_model="none": brightstaff counts '
        "every request of a gateway without routing preferences as a fallback (100% where nothing failed); " + fix)
    assert one(f"sum({decisions(FALLBACK, NOT_NONE)}) / sum({decisions()})") == (
        't-board: "Broken": [fallback-none] A: a fallback ratio whose denominator includes selected_model="none" '
        "(requests without routing preferences, not routing decisions): " + fix)


def test_router_route():
    assert one(f"sum by (route) ({decisions()})") == (
        't-board: "Broken": [router-route] A: sum by (route): brightstaff only ever emits route="llm", so '
        "splitting by route shows one series; drop route (tell /routing/* traffic apart with "
        "brightstaff_routing_service_requests_total or brightstaff_http_requests_total{handler})")
    # the catalog knows route="agent" is never emitted (unknown-value); router-route says why and what to use
    agent = findings(board(panel(f"sum({decisions(AGENT_ROUTE)})")))
    assert [line.split("]")[0].rsplit("[", 1)[1] for line in agent] == ["unknown-value", "router-route"], agent
    assert agent[1] == (
        't-board: "Broken": [router-route] A: route="agent": brightstaff only ever emits route="llm", so this never '
        "matches")


def test_build_version():
    shown = 'sum by (version, git_sha) (brightstaff_build_info{job="brightstaff"})'
    assert one(shown) == (
        't-board: "Broken": [build-version] A: shows brightstaff_build_info\'s version label: that is the crate '
        'version ("0.1.0", never bumped by releases; git_sha is "unknown" in published builds), not the Plano '
        'release; title the panel "crate version" or drop the label, and never alert on it')
    assert findings(board(panel(shown, title="Crate version (not the Plano release)"))) == []


def test_process_job():
    expected = ('t-board: "Broken": [process-job] A: process_resident_memory_bytes without a job matcher: the LLM '
                "SDK's endpoint exports its own process_* series (its Python process), so this mixes processes; "
                'add job="{}"')
    assert one("sum(process_resident_memory_bytes)") == expected.format("brightstaff")
    any_job = attrs.evolve(S, brightstaff_job="")  # the job rule is silent then; process-job is not
    out = [f.line() for f in lint([board(panel('sum(process_resident_memory_bytes{job=~".*"})'))], CAT, any_job)]
    assert out == [expected.format("<the scrape job>")]


def test_sdk_error_status():
    assert one('sum(rate(llm_spans_total{status="error"}[$__rate_interval]))') == (
        't-board: "Broken": [sdk-error-status] A: status="error" misses the other failures: status is a free string '
        '(the REST API accepts any, a missing one becomes "unknown"); count errors as status!="success"')
    assert one('sum(rate(llm_spans_total{status!="error"}[$__rate_interval]))') == (
        't-board: "Broken": [sdk-error-status] A: status!="error" counts "unknown", "timeout" and any other failure '
        'string as a success: select successes with status="success", errors with status!="success"')


def test_sdk_sum_without():
    assert one("sum without (instance) (rate(llm_spans_total[$__rate_interval]))") == (
        't-board: "Broken": [sdk-sum-without] A: sum without (instance) over llm_spans_total: the SDK\'s exporter '
        "(0.64b0 and later) adds otel_scope_name/version/schema_url to every series, which a fixed without list "
        "keeps, splitting the series; name the labels to keep: sum by (has_retries, model, provider, service_name, "
        "status)")


STOP_EITHER_WAY = r'finish_reason=~"(?i)(FinishReason\\.)?stop"'


def test_finish_reason():
    assert one('sum(rate(llm_finish_reason_total{finish_reason="stop"}[$__rate_interval]))') == (
        't-board: "Broken": [finish-reason] A: finish_reason="stop": auto-instrumented calls emit the enum\'s string '
        '(finish_reason="FinishReason.STOP"), the REST API the provider\'s own; match both spellings, e.g. '
        + STOP_EITHER_WAY)


GENAI_CALLS = "rate(gen_ai_client_operation_duration_seconds_count{{{}}}[$__rate_interval])"


def test_genai_attributes():
    old_label = f'sum by (gen_ai_system) ({GENAI_CALLS.format("")})'
    assert one(old_label) == (
        't-board: "Broken": [genai-attributes] A: names gen_ai_system on a build for the new attribute generation '
        '(genai_attributes="new"): those series carry gen_ai_provider_name instead, so this matches or groups '
        'nothing; use gen_ai_provider_name, or set genai_attributes="both" for a fleet that emits both')
    new_label = "sum(" + GENAI_CALLS.format('gen_ai_provider_name="openai"') + ")"
    old_build = [f.line() for f in lint([board(panel(new_label))], CAT, Settings(genai_attributes="old"))]
    assert len(old_build) == 1 and "[genai-attributes] A: names gen_ai_provider_name on a build for the old" in (
        old_build[0])
    both = Settings(genai_attributes="both")
    assert [f.line() for f in lint([board(panel(old_label)), board(panel(new_label), uid="t2", title="T2")],
                                   CAT, both)] == []


def test_genai_unsuffixed():
    assert one("sum(rate(gen_ai_client_operation_duration_count[$__rate_interval]))") == (
        't-board: "Broken": [genai-unsuffixed] A: gen_ai_client_operation_duration_count has no unit suffix: that is '
        "the name under UnderscoreEscapingWithoutSuffixes or NoTranslation; the OTel SDK exporter, the Collector "
        "and Prometheus' OTLP receiver by default write gen_ai_client_operation_duration_seconds_count (seconds); "
        'query that (with UTF-8 names: genai_names="utf8")')


def test_bucket_rate():
    summed = "sum by (gen_ai_request_model) (rate(gen_ai_client_operation_duration_seconds_bucket[$__rate_interval]))"
    assert one(summed) == (
        't-board: "Broken": [bucket-rate] A: rate() over gen_ai_client_operation_duration_seconds_bucket summed '
        "without le: one series per bucket, each cumulative, so a sum adds every observation once per bucket above "
        "it; sum by (le, ...) for a quantile or heatmap, or read gen_ai_client_operation_duration_seconds_count for "
        "a rate of observations")
    assert "without an aggregation" in one('rate(brightstaff_llm_upstream_duration_seconds_bucket{job="brightstaff"}'
                                           "[$__rate_interval])")


CORRECT = {  # what each rule above asks for instead: no finding
    "or-overlap": [
        f"sum by (provider) ({upstream(FAILED)} or {upstream(BROKEN)})",
        f"sum by (provider, status_class, error_class) ({upstream(FAILED)}) or "
        f"sum by (provider, status_class, error_class) ({upstream(BROKEN)})",
        f"(sum by (provider) ({upstream(FAILED)}) or sum by (provider) ({upstream()}) * 0) / "
        f"sum by (provider) ({upstream()})",
        "sum(increase(llm_pii_detected_total[$__range])) or vector(0)"],
    "raw-counter": ['sum(increase(brightstaff_llm_tokens_total{job="brightstaff", kind="completion"}[$__range]))',
                    "count(llm_spans_total)", "absent(llm_spans_total)",
                    "sum(rate(llm_spans_total[$__rate_interval])) and on () llm_spans_total",
                    # every series counted, those born inside the range too (branch panels, queries.grown)
                    'sum(increase(llm_spans_total[$__range]) or label_replace(min_over_time(llm_spans_total[$__range]) '
                    'unless llm_spans_total offset $__range, "born_in_range", "true", "", ""))'],
    "prompt-cache-sum": [
        f"sum by (kind) ({tokens()})",
        f"sum by (model) ({tokens(PROMPT)}) - sum by (model) ({tokens(CACHE_READ)})",
        f"sum by (model) ({tokens(ANTHROPIC, PROMPT_OR_CACHE)})",
        f"sum by (model) (({tokens(GPT4O, PROMPT)} * 2.5) or ({tokens(O3, CACHE_READ)} * 1.25))",
        # branch panels (panels/tokens.py): the cached tokens inside prompt, relabelled and weighted -1
        f"sum by (model) ({tokens(PROMPT_OR_CACHE)} or label_replace(label_replace({tokens(CACHE_READ, NOT_ANTHROPIC)}"
        ', "kind", "prompt", "", ""), "counted_in", "prompt", "", "") * -1)',
        f"sum by (model) ({tokens(PROMPT)} or {tokens(ANTHROPIC_RE, CACHE_READ)})",
        f"(sum by (model) ({tokens(CACHE_READ)}) or sum by (model) ({tokens(PROMPT)}) * 0) / "
        f"(sum by (model) ({tokens(PROMPT)}) > 0)"],
    "fallback-none": [f"sum({decisions(FALLBACK, NOT_NONE)}) / sum({decisions(NOT_NONE)})",
                      f"sum({decisions(UNKNOWN)})"],
    "router-route": [f"sum by (selected_model) ({decisions(LLM_ROUTE)})"],
    "build-version": ['count(brightstaff_build_info{job="brightstaff"})'],
    "process-job": ['process_resident_memory_bytes{job="brightstaff"}'],
    "sdk-error-status": ['sum(rate(llm_spans_total{status!="success"}[$__rate_interval]))',
                         'sum(rate(llm_spans_total{status="success"}[$__rate_interval]))'],
    "sdk-sum-without": ["sum by (model) (rate(llm_spans_total[$__rate_interval]))"],
    "finish-reason": ["sum(rate(llm_finish_reason_total{" + STOP_EITHER_WAY + "}[$__rate_interval]))"],
    "genai-attributes": ["sum by (gen_ai_provider_name) (" + GENAI_CALLS.format('gen_ai_provider_name!=""') + ")"],
    "genai-unsuffixed": [f"sum({GENAI_CALLS.format('')})"],
    "bucket-rate": ["histogram_quantile(0.95, sum by (le) (rate(gen_ai_client_operation_duration_seconds_bucket"
                    "[$__rate_interval])))",
                    'sum(increase(gen_ai_client_operation_duration_seconds_bucket{le="81.92"}[$__rate_interval]))',
                    "count(rate(gen_ai_client_operation_duration_seconds_bucket[$__rate_interval]))"],
}


@pytest.mark.parametrize("rule", sorted(CORRECT))
def test_the_correct_query_is_not_flagged(rule):
    for expr in CORRECT[rule]:
        assert findings(board(panel(expr))) == [], expr


def test_a_threshold_within_the_top_bucket_is_not_flagged():
    assert findings(board(panel(P95_UPSTREAM, unit="s", thresholds=(BASE, (120, kit.RED))))) == []
    assert findings(board(panel(f"{P95_SDK_MS} / 1000", unit="s", thresholds=(BASE, (5, kit.RED))))) == []


def test_a_new_rule_is_suppressed_with_a_reason_and_reported_in_json(tmp_path):
    route = f"sum by (route) ({decisions()})"
    assert findings(board(panel(route), exceptions=[("Broken", "router-route", "a future build emits agent")])) == []
    (tmp_path / "lint_route.py").write_text(textwrap.dedent(f"""
        import grafanalib.core as g
        from llm_gateway_dashboards.panels import kit

        def dashboard(s):
            return kit.board(s, uid="lint-route", title="Lint route", folder="T", desc="d", rows=[kit.row("R",
                kit.timeseries("By route", g.Target(expr={route!r}), unit="short", desc="a hand-written query"))])
    """))
    env = {"PYTHONPATH": str(tmp_path)}
    r = run_dashctl("lint", "--format", "json", "--module", "lint_route", "lint-route", env=env)
    assert r.returncode == 1
    assert [(f["dashboard"], f["panel"], f["rule"]) for f in json.loads(r.stdout)] == [
        ("lint-route", "By route", "router-route")]


def test_pending_fixes_still_match_a_shipped_finding(report):
    """dashctl/lint/pending.py holds back shipped findings that branch `panels` fixes (issue 14); an entry
    whose finding is gone must be deleted there, and nothing else is held back."""
    from llm_gateway_dashboards.dashctl.rules.build import group_dict, panel_ids, rule_groups
    from llm_gateway_dashboards.dashctl.rules.lint import lint_groups

    held = {(f.dashboard, f.panel, f.rule) for c in report.dashboards
            for f in suppress(c, lint_dashboard(c, CAT, S)) if pending.covers(f)}
    declared = rule_groups(S)
    rendered = [group_dict(g, S, panel_ids(report.dashboards)) for g in declared]
    held |= {(f.dashboard, f.panel, f.rule) for f in lint_groups(declared, rendered, S) if pending.covers(f)}
    stale = set(pending.PENDING_FIXES) - held
    assert not stale, f"fixed: delete these entries from dashctl/lint/pending.py: {sorted(stale)}"


def test_every_rule_has_a_test():
    tested = {name[len("test_"):].replace("_", "-") for name in globals() if name.startswith("test_")}
    tested |= {"duplicate-uid", "duplicate-title", "histogram-quantile", "unknown-label", "unknown-metric"}
    assert set(RULES) <= tested, set(RULES) - tested


# --- Grafana variables ------------------------------------------------------------------------
def test_variables_are_substituted_outside_string_literals_only():
    d = gv.Durations(rate_interval=60, interval=15, range=3600)
    expr = ('topk($n, sum by ($label) (rate(x{a=~"$a", b="[[b]]", c=~"${c:regex}"}[$__rate_interval]))) '
            '/ $__range_s + count_over_time(y[$__range]) + rate(z[$window]) + 0 * $__interval_ms')
    assert gv.substitute(expr, d) == (
        'topk(1, sum by (label) (rate(x{a=~"$a", b="[[b]]", c=~"${c:regex}"}[1m]))) / 3600 + '
        'count_over_time(y[1h]) + rate(z[5m]) + 0 * 15000')
    assert gv.substitute(expr, d, variables={"n": "5"}, strings={"a": ".*", "b": "x", "c": "y|z"}).startswith(
        'topk(5, sum by (label) (rate(x{a=~".*", b="x", c=~"y|z"}[1m])))')
    assert gv.substitute("x{a='$__range'}", d) == "x{a='$__range'}"


def test_grafana_interval_choice():
    assert gv.grafana_durations(3600, 15) == gv.Durations(rate_interval=60, interval=15, range=3600)
    assert gv.grafana_durations(86400, 15) == gv.Durations(rate_interval=135, interval=120, range=86400)
    assert gv.duration(3723.007) == "1h2m3s7ms"


# --- the command ------------------------------------------------------------------------------
def test_shipped_dashboards_are_clean():
    r = run_dashctl("lint")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""


def test_cli_reports_findings_as_lines_or_json_and_exits_1(tmp_path):
    (tmp_path / "lint_broken.py").write_text(textwrap.dedent('''
        import grafanalib.core as g
        from llm_gateway_dashboards.panels import kit

        def dashboard(s):
            return kit.board(s, uid="lint-broken", title="Lint broken", folder="T", desc="d", rows=[kit.row("R",
                kit.timeseries("Old style",
                               g.Target(expr='rate(brightstaff_http_requests_total{job="brightstaff"}[5m])'),
                               unit="reqps", desc="a hand-written query"))])
    '''))
    env = {"PYTHONPATH": str(tmp_path)}
    r = run_dashctl("lint", "--module", "lint_broken", "lint-broken", env=env)
    assert r.returncode == 1
    assert r.stdout == ('lint-broken: "Old style": [rate-interval] A: rate(...[5m]): use [$__rate_interval], right at '
                        'any zoom and scrape interval\n')
    assert r.stderr == "1 dashboard(s) linted, 1 finding(s)\ndashctl: error: 1 finding(s) in 1 dashboard(s)\n"
    j = run_dashctl("lint", "--format", "json", "--module", "lint_broken", "lint-broken", env=env)
    assert j.returncode == 1
    assert json.loads(j.stdout) == [{"dashboard": "lint-broken", "panel": "Old style", "rule": "rate-interval",
                                     "message": "A: rate(...[5m]): use [$__rate_interval], right at any zoom and "
                                                "scrape interval"}]


@pytest.mark.parametrize("uid", ["plano-routing"])
def test_lint_one_dashboard_by_uid(uid):
    r = run_dashctl("lint", uid)
    assert r.returncode == 0 and r.stdout == ""
