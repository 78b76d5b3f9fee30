"""Acme's dashboards, found by dashctl through the `dashctl.dashboards` entry point."""
