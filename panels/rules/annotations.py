"""Dashboards show when their alerts fired: a Prometheus annotation over
`ALERTS{alertstate="firing", alertname=~"<the alerts that link to this dashboard>"}`."""

from __future__ import annotations

import functools

from llm_gateway_dashboards.panels.errors import LibraryError
from llm_gateway_dashboards.panels.rules.groups import groups

OVERVIEWS = {"brightstaff": "plano-"}  # an overview dashboard shows the alerts of every group with this prefix


@functools.lru_cache(maxsize=8)
def alerts_by_dashboard(settings) -> dict[str, tuple[str, ...]]:
    """Dashboard uid -> the names of the alerts whose notifications link to it.

    Empty when the rules cannot be declared with these settings (a price file or SLO setting
    they reject): `dashctl rules` and `dashctl lint` report that; the dashboards still build.
    """
    try:
        declared = groups(settings)
    except (ValueError, LibraryError):
        return {}
    out: dict[str, list[str]] = {}
    for g in declared:
        for a in g.alerts:
            out.setdefault(a.dashboard, []).append(a.alert)
            for uid in (uid for uid, prefix in OVERVIEWS.items() if g.name.startswith(prefix)):
                out.setdefault(uid, []).append(a.alert)
    return {uid: tuple(sorted(names)) for uid, names in out.items()}


def alert_annotations(settings, uid: str) -> list[dict]:
    """The annotation entry for one dashboard ([] when no alert links to it)."""
    names = alerts_by_dashboard(settings).get(uid)
    if not names:
        return []
    return [{
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "enable": True, "hide": False, "iconColor": "red", "name": "Alerts firing",
        # the query in `target`, the form Grafana's Prometheus datasource migrates annotations to
        # and the only one @grafana/schema's AnnotationQuery declares
        "target": {"expr": f'ALERTS{{alertstate="firing", alertname=~"{"|".join(names)}"}}',
                   "interval": "1m", "refId": "Anno"},
    }]
