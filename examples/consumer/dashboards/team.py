"""Team - LLM gateway: our queue, and the gateway's upstream traffic as we see it."""

from llm_gateway_dashboards.dashctl import add_panel
from llm_gateway_dashboards.panels import catalog, kit
from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels import variables as v
from panels import team

UPSTREAM = catalog.default_catalog().metric("brightstaff_llm_upstream_requests_total")


def upstream_rate(s):
    return kit.timeseries("Gateway requests to LLM providers", kit.target(q.sum_rate(UPSTREAM, ("provider",)),
                                                                          "{{provider}}"),
                          unit="reqps", desc="Requests brightstaff sent to each LLM provider, per second.")


def dashboard(s):
    return kit.board(
        s, uid="team-llm", title="Team - LLM gateway", folder="Team",
        desc="Our request queue and the LLM gateway behind it.", variables=(v.label("queue", team.DEPTH),),
        rows=[kit.row("Queue", team.queue_depth(s), team.queue_wait(s)),
              kit.row("Gateway", upstream_rate(s))],
    )


def overrides(s):
    """Change a shipped dashboard without forking it: our queue beside Plano's request rate."""
    return [add_panel("plano-http-red", team.queue_depth, row="Rate")]
