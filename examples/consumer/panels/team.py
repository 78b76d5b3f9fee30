"""Our request queue in front of the gateway: its metrics and the panels that show them."""

from llm_gateway_dashboards.panels import catalog, kit
from llm_gateway_dashboards.panels import queries as q

QUEUE = catalog.register(catalog.Source("team", "Our request queue exporter", [
    catalog.Metric("team_queue_depth", "gauge", "team", "short", "requests waiting", ("queue",)),
    catalog.Metric("team_queue_wait_seconds", "histogram", "team", "s", "time spent waiting", ("queue",),
                   buckets=(0.01, 0.1, 1, 10)),
]))
DEPTH, WAIT = QUEUE.metrics


def queue_depth(s):
    return kit.timeseries("Queue depth", kit.target(q.sum_(q.raw_gauge(DEPTH), ("queue",)), "{{queue}}"),
                          unit="short", desc="Requests waiting in each queue before they reach the gateway.")


def queue_wait(s):
    return kit.timeseries("Queue wait p50 / p95 / p99", kit.quantile_targets(WAIT, ("queue",)),
                          unit="s", desc="How long requests wait in each queue.")
