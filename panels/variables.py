"""Dashboard variables: `datasource` first, then one per label filtered, named as the label.

A variable both appears in the dashboard's templating and binds its label in every
query of the dashboard whose metric carries that label (see queries.Binding).
"""

from __future__ import annotations

import attrs
from attrs.validators import instance_of, matches_re

from llm_gateway_dashboards.panels.catalog import Metric
from llm_gateway_dashboards.panels.queries import Binding


@attrs.frozen
class Var:
    """A query variable: values are `label_values(<metric>{...}, <label>)`."""

    name: str = attrs.field(validator=matches_re(r"^[a-zA-Z_][a-zA-Z0-9_]*$"))
    label: str = attrs.field(validator=instance_of(str))
    metric: Metric = attrs.field(validator=instance_of(Metric))
    title: str = attrs.field(default="", validator=instance_of(str))
    sources: tuple[str, ...] = attrs.field(default=(), converter=tuple)  # binds only these sources
    multi: bool = True
    include_all: bool = True

    def __attrs_post_init__(self):
        if self.label not in self.metric.all_labels:
            raise ValueError(f"variable {self.name}: {self.metric.name} has no label {self.label!r}")

    @property
    def binding(self) -> Binding:
        return Binding(self.name, self.label, self.sources, self.multi)


def instance(metric: Metric) -> Var:
    """Scrape instance of the metric's own source (other sources are not filtered)."""
    return Var("instance", "instance", metric, "Instance", (metric.source,))


def provider(metric: Metric) -> Var:
    return Var("provider", "provider", metric, "Provider")


def model(metric: Metric) -> Var:
    return Var("model", "model", metric, "Model")


def service_name(metric: Metric) -> Var:
    return Var("service_name", "service_name", metric, "Service")


def label(name: str, metric: Metric, title: str = "") -> Var:
    """A variable for any label of a metric, named as the label."""
    return Var(name, name, metric, title or name.replace("_", " ").capitalize())
