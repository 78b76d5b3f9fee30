"""Prometheus alerting and recording rules from `panels.rules`: build, render, lint, unit-test cases."""
