"""The fidelity of one import: how much of the imported dashboard the module builds exactly, and how
much of it the kit calls say by themselves (the rest is carried by the escape hatch)."""

from __future__ import annotations

import attrs

from llm_gateway_dashboards.dashctl.importer.normalise import leaves


@attrs.frozen
class Fidelity:
    total: int  # scalar values of the imported dashboard (canonical form)
    exact: int  # of those, equal in what the module builds
    idiomatic: int  # of those, equal in what the kit calls build without any extra
    different: tuple[str, ...]  # JSON paths that differ (missing, changed or added)

    @property
    def percent(self) -> float:
        return 100.0 * self.exact / self.total if self.total else 100.0

    @property
    def idiomatic_percent(self) -> float:
        return 100.0 * self.idiomatic / self.total if self.total else 100.0


def fidelity(target: dict, built: dict, plain: dict) -> Fidelity:
    want, got, kit = leaves(target), leaves(built), leaves(plain)
    exact = sum(1 for k, v in want.items() if k in got and got[k] == v)
    idiomatic = sum(1 for k, v in want.items() if k in kit and kit[k] == v)
    different = sorted({k for k in want if got.get(k, object()) != want[k]} | (got.keys() - want.keys()))
    return Fidelity(len(want), exact, idiomatic, tuple(different))
