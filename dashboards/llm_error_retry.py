"""LLM Error & Retry: failed calls, how calls finish, and how often they are retried (SDK uid kept)."""

from llm_gateway_dashboards.panels import kit, llm


def dashboard(s):
    return kit.board(
        s, uid="llm-error-retry-dashboard", title="LLM Error & Retry", folder=s.llm_folder,
        desc="Success and error rates of LLM calls, their error ratio per provider and model, finish reasons "
             "(stop, length, content_filter, tool_calls) and the share of calls that needed retries.",
        variables=llm.variables(s), marks=[llm.restarts(s)], tags=("llm", "llm-observability"),
        links=[kit.dashboard_link("LLM Observability", ["llm-observability"])],
        rows=[
            kit.row("Errors",
                    llm.success_vs_error(s), llm.error_ratio_stat(s),
                    llm.errors_by_model(s), llm.error_ratio_by_model(s)),
            kit.row("Finish reasons", llm.finish_reasons(s), llm.finish_reason_rate(s)),
            kit.row("Retries", llm.retry_rate_gauge(s), llm.retry_rate_by_model(s)),
        ],
    )
