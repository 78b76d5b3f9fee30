"""Alerts and recording rules, declared next to the panels they explain.

`panels.rules.groups.groups(settings)` returns every rule group; `dashctl rules` renders
them as Prometheus rule files or PrometheusRule objects. Thresholds, windows and `for`
durations are settings (`panels.rules.fields`), so a panel and its alert read one number.
This package imports nothing at package level: `panels.settings` reads its field factories.
"""
