"""Per-module mutation scores from mutmut's results in mutants/ (run by `make mutate`).

    python scripts/mutation_report.py                 # table per module and overall
    python scripts/mutation_report.py --survivors     # also list each surviving mutant
    python scripts/mutation_report.py --min 85        # exit 1 when the overall score is lower

The score is mutmut's own (its `badge` command): (killed + timeout) / (mutants - skipped). A
mutant no fast test reaches ("no tests") counts as not killed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

COLUMNS = ("killed", "timeout", "survived", "no tests", "suspicious", "skipped", "not checked")


def load(mutants_dir: Path) -> dict[str, dict[str, str]]:
    """source path -> {mutant name: status}, from every ``*.py.meta`` mutmut wrote."""
    out = {}
    for meta in sorted(mutants_dir.rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        source = meta.relative_to(mutants_dir).as_posix().removesuffix(".meta")
        out[source] = {name: status_by_exit_code[code] for name, code in codes.items()}
    return out


def score(counts: Counter) -> float:
    tested = sum(counts.values()) - counts["skipped"]
    return 100.0 * (counts["killed"] + counts["timeout"]) / tested if tested else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mutants", type=Path, default=Path("mutants"), help="mutmut's working folder")
    parser.add_argument("--survivors", action="store_true", help="list surviving and untested mutants")
    parser.add_argument("--min", type=float, default=None, help="fail below this overall score (percent)")
    args = parser.parse_args()
    results = load(args.mutants)
    if not results:
        print(f"no mutmut results under {args.mutants}/ (run `make mutate` first)", file=sys.stderr)
        return 2
    header = f"{'module':46} {'mutants':>7} " + " ".join(f"{c:>9}" for c in COLUMNS) + f" {'score':>7}"
    print(header)
    total: Counter = Counter()
    for source, statuses in results.items():
        counts = Counter(statuses.values())
        total += counts
        cells = " ".join(f"{counts[c]:>9}" for c in COLUMNS)
        print(f"{source:46} {len(statuses):>7} {cells} {score(counts):>6.1f}%")
    cells = " ".join(f"{total[c]:>9}" for c in COLUMNS)
    print(f"{'all':46} {sum(total.values()):>7} {cells} {score(total):>6.1f}%")
    unknown = set(total) - set(COLUMNS)
    if unknown:
        print(f"other statuses: {dict((k, total[k]) for k in unknown)}")
    if args.survivors:
        for source, statuses in results.items():
            for name, status in statuses.items():
                if status in ("survived", "no tests", "suspicious"):
                    print(f"{status:9} {name}")
    if args.min is not None and score(total) < args.min:
        print(f"overall score {score(total):.1f}% is below {args.min:.1f}%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
