"""Plano - Process & Envoy: the brightstaff process and the Envoy traffic in front of it."""

from llm_gateway_dashboards.panels import kit
from llm_gateway_dashboards.panels import plano as p
from llm_gateway_dashboards.panels import variables as v


def dashboard(s):
    return kit.board(
        s, uid="plano-process", title="Plano - Process & Envoy", folder=s.plano_folder,
        desc="The brightstaff process (memory, CPU, file descriptors, threads, uptime: no data by design on "
             "brightstaff 0.4.36, which exports no process_* series), its crate version, and the requests Envoy "
             "sends it.",
        variables=(v.instance(p.BUILD_INFO),), tags=("plano", "brightstaff"),
        links=[kit.dashboard_link("Plano", ["plano"])], marks=[p.restarts(s)],
        rows=[
            kit.row("Build", p.build_version(s, w=16), p.process_uptime(s)),
            kit.row("Resources (not exported by brightstaff 0.4.36)",
                    p.process_memory(s, w=12), p.process_cpu(s, w=12), p.process_fds(s, w=12),
                    p.process_threads(s, w=12)),
            kit.row("Envoy → brightstaff", p.envoy_link(s), p.envoy_response_classes(s)),
        ],
    )
