"""Say when tests/fixtures/ differs from the team's shared/ folder it was copied from.

    python scripts/check_fixtures.py [--shared DIR] [--update]

Exit 0: in step (or no shared/ folder here: nothing to compare). Exit 1: a file differs
(each named); --update copies the shared version over ours.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
# ours (relative to tests/fixtures) -> theirs (relative to shared/)
PAIRS = {
    "metrics-reference.md": "docs/metrics-reference.md",
    "plano/brightstaff_dashboard.json": "reference/plano/brightstaff_dashboard.json",
    "plano/plano-requests.json": "reference/plano/plano-requests.json",
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--update", action="store_true", help="copy the shared version over ours")
    args = ap.parse_args(argv)
    if not args.shared.is_dir():
        print(f"no {args.shared}: nothing to compare")
        return 0
    differ = 0
    for ours, theirs in PAIRS.items():
        a, b = FIXTURES / ours, args.shared / theirs
        if a.exists() and a.read_bytes() == b.read_bytes():
            continue
        differ += 1
        if args.update:
            a.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(b, a)
            print(f"updated tests/fixtures/{ours} from {b}")
        else:
            print(f"tests/fixtures/{ours} differs from {b} (run with --update to copy it)")
    return 1 if differ and not args.update else 0


if __name__ == "__main__":
    sys.exit(main())
