"""OTel GenAI - Latency: how fast do calls answer, per model and operation, seen by the client and by
the model server, and how soon does the first token come?"""

from llm_gateway_dashboards.panels import kit
from llm_gateway_dashboards.panels import otel_genai as g


def dashboard(s):
    return g.board(
        s, uid=g.LATENCY_UID, title="OTel GenAI - Latency",
        what="Client operation duration by model and operation, model-server request duration, time to first "
             "token and time per output token, each saying which side records it.",
        rows=[
            kit.row("Client operation duration",
                    g.duration_by_model(s), g.duration_by_operation(s),
                    g.success_duration(s), g.mean_duration(s)),
            kit.row("Model server and streaming (where recorded)",
                    g.server_duration(s, w=24),
                    g.time_to_first_token(s), g.time_per_output_token(s)),
        ],
    )
