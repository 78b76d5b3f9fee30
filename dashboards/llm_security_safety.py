"""LLM Security & Safety: PII, prompt-injection and toxicity detections per service (SDK uid kept)."""

from llm_gateway_dashboards.panels import kit, llm


def dashboard(s):
    return kit.board(
        s, uid="llm-security-safety-dashboard", title="LLM Security & Safety", folder=s.llm_folder,
        desc="PII detections, prompt-injection attempts and toxic content the instrumentation SDK flagged, per "
             "service: rates, totals over the selected range, and each as a share of the service's LLM calls. These "
             "counters carry only service_name, so the provider and model filters do not narrow them.",
        variables=llm.variables(s), marks=[llm.restarts(s)], tags=("llm", "llm-observability", "security"),
        links=[kit.dashboard_link("LLM Observability", ["llm-observability"])],
        rows=[
            kit.row("Totals", llm.violations_total(s)),
            kit.row("Rates", llm.pii_rate(s), llm.injection_rate(s)),
            kit.row("Share of calls", llm.pii_share(s), llm.injection_share(s)),
            kit.row("Toxicity", llm.toxicity_rate(s), llm.toxicity_score(s)),
        ],
    )
