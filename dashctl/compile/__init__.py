"""grafanalib objects -> Grafana's dashboard JSON, in both schemas. All JSON plumbing lives here.

read.py reads the dashboards' grafanalib objects (our kit's panels and any grafanalib panel) into
our frozen model (model.py); classic.py writes the v1 JSON model (schemaVersion 39+, files,
/api/dashboards/db), v2.py the `dashboard.grafana.app/v2` resource. compiled.py ties them:
`compile_board` -> `Compiled` (v1 model and bytes, plus our model), `to_v2(compiled)` -> dict.
"""

from llm_gateway_dashboards.dashctl.compile.classic import datasource as _datasource
from llm_gateway_dashboards.dashctl.compile.compiled import (
    JSON_OPTIONS,
    SCHEMAS,
    Compiled,
    compile_board,
    dumps,
    file_bytes,
    to_v2,
)
from llm_gateway_dashboards.dashctl.compile.read import DATASOURCE as _DS
from llm_gateway_dashboards.dashctl.compile.read import GRID_COLUMNS, UID
from llm_gateway_dashboards.dashctl.compile.v2 import API_VERSION, API_VERSIONS
from llm_gateway_dashboards.dashctl.compile.viz import plain

DATASOURCE = _datasource(_DS)  # {"type": "prometheus", "uid": "${datasource}"}, as every v1 query carries it

__all__ = ["API_VERSION", "API_VERSIONS", "DATASOURCE", "GRID_COLUMNS", "JSON_OPTIONS", "SCHEMAS", "UID", "Compiled",
           "compile_board", "dumps", "file_bytes", "plain", "to_v2"]
