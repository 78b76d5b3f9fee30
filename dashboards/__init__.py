"""The shipped dashboards: one module per dashboard, each defining `dashboard(settings)`."""
