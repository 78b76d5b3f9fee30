"""What push decided and did, per dashboard (Item) and for the whole run (PushReport): the text
summary, the JSON output and the exit code. Shared by both APIs."""

from __future__ import annotations

from collections import Counter

import attrs

from llm_gateway_dashboards.dashctl.diff import Change

# "managed": owned by another tool (Git Sync, Terraform, ...); "stored-v2": a v1 push over a v2 dashboard
ACTIONS = ("create", "update", "unchanged", "drifted", "provisioned", "managed", "stored-v2", "delete", "error")
REFUSED = ("drifted", "provisioned", "managed", "stored-v2")
PAST = {"create": "created", "update": "updated", "delete": "deleted"}
_REFUSED_WORDS = {"drifted": "drifted (refused)", "provisioned": "provisioned (skipped)",
                  "managed": "managed by another tool (refused)", "stored-v2": "stored as v2 (refused)"}


@attrs.define
class Item:
    """What push decided (and did) for one uid."""

    uid: str
    title: str = ""
    folder: str = ""
    action: str = "error"
    reason: str = ""
    version: int | None = None  # the version in Grafana after the push (or now, when nothing is written)
    previous: int | None = None  # the version found in Grafana before the push
    url: str = ""
    error: str = ""
    done: bool = False  # the write happened
    warning: str = ""  # written, but with something to know (e.g. Grafana dropped our stamp)
    changes: list[Change] = attrs.field(factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.error)

    @property
    def refused(self) -> bool:
        return not self.error and self.action in REFUSED

    def to_json(self) -> dict:
        return {"uid": self.uid, "title": self.title, "folder": self.folder, "action": self.action,
                "done": self.done, "version": self.version, "previous_version": self.previous, "url": self.url or None,
                "error": self.error or None, "reason": self.reason or None, "warning": self.warning or None,
                "changes": [str(c) for c in self.changes]}


@attrs.define
class PushReport:
    grafana: str
    dry_run: bool
    items: list[Item] = attrs.field(factory=list)
    folders_created: list[str] = attrs.field(factory=list)
    aborted: str = ""  # why dashboards were left unattempted
    api: str = "classic"  # "classic" (/api) or "resource" (/apis)
    api_version: str = ""  # e.g. "dashboard.grafana.app/v1" on the resource API
    namespace: str = ""

    def by_uid(self) -> dict[str, Item]:
        return {i.uid: i for i in self.items}

    def counts(self) -> Counter:
        c = Counter(i.action for i in self.items if not i.error)
        c["failed"] = sum(1 for i in self.items if i.error)
        return c

    @property
    def failed(self) -> list[Item]:
        return [i for i in self.items if i.error]

    @property
    def refused(self) -> list[Item]:
        return [i for i in self.items if i.refused]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.refused

    @property
    def exit_code(self) -> int:
        """0 all done or unchanged; 1 some refused (drifted, provisioned, managed, stored as v2); 3 some failed."""
        return 3 if self.failed else 1 if self.refused else 0

    def summary_line(self) -> str:
        c = self.counts()
        n = sum(1 for i in self.items if i.action != "delete")
        words = {"create": "to create", "update": "to update", "delete": "to delete"} if self.dry_run else PAST
        parts = [f"{c[a]} {words.get(a, a)}" for a in ("create", "update", "unchanged", "delete") if c[a]]
        parts += [f"{c[a]} {_REFUSED_WORDS[a]}" for a in REFUSED if c[a]]
        parts += [f"{c['failed']} failed"] if c["failed"] else []
        head = f"{n} dashboard(s){' (dry run, nothing written)' if self.dry_run else ''}"
        return f"{head}: {', '.join(parts) or 'nothing to do'}"

    def to_json(self) -> dict:
        c = self.counts()
        return {"grafana": self.grafana, "api": self.api, "api_version": self.api_version or None,
                "namespace": self.namespace or None, "dry_run": self.dry_run, "ok": self.ok,
                "exit_code": self.exit_code, "summary": {a: c[a] for a in (*ACTIONS[:-1], "failed")},
                "aborted": self.aborted or None, "folders_created": self.folders_created,
                "dashboards": [i.to_json() for i in self.items]}
