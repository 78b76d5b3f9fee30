"""Our dashboards: one module per dashboard, each defining `dashboard(settings)`."""
