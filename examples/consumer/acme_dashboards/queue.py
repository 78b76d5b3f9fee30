"""Acme - Request queue: our own exporter's metrics, drawn with the llm-gateway kit,
plus an override that adds our queue panel to the shipped Plano HTTP RED dashboard."""

from llm_gateway_dashboards.dashctl import add_panel
from llm_gateway_dashboards.panels import catalog, kit, plano
from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels import variables as v

ACME = catalog.register(catalog.Source("acme", "Acme's request queue exporter", [
    catalog.Metric("acme_queue_depth", "gauge", "acme", "short", "requests waiting", ("queue",)),
    catalog.Metric("acme_queue_wait_seconds", "histogram", "acme", "s", "time spent waiting", ("queue",),
                   buckets=(0.01, 0.1, 1, 10)),
]))
DEPTH, WAIT = ACME.metrics


def queue_depth(s):
    return kit.timeseries("Queue depth", kit.target(q.sum_(q.raw_gauge(DEPTH), ("queue",)), "{{queue}}"),
                          unit="short", desc="Requests waiting in each Acme queue before reaching the gateway.")


def skips_by_reason_table(s):
    return kit.table("Router skips by reason (table)",
                     kit.target(q.sum_increase(plano.ROUTER_SKIPS, ("reason",)), table=True, instant=True),
                     unit="short", columns={"Value": "skips"}, sort_by="skips",
                     desc="Requests the router skipped over the selected range, by reason, largest first.")


def dashboard(s):
    return kit.board(
        s, uid="acme-queue", title="Acme - Request queue", folder="Acme",
        desc="Acme's request queue in front of the LLM gateway.", variables=(v.label("queue", DEPTH),),
        rows=[kit.row("Queue", queue_depth(s),
                      kit.timeseries("Queue wait p50 / p95 / p99", kit.quantile_targets(WAIT, ("queue",)),
                                     unit="s", desc="How long requests wait in each queue."))],
    )


def overrides(s):
    return [add_panel("plano-http-red", queue_depth, row="Rate")]
