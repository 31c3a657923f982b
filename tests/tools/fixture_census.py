"""How many fixture cases per source are real captures and how many constructed: the README's census table.

The table sits in README.md between the `fixture-census` markers and is regenerated from every case's
`meta.json` (`constructed`), so it cannot drift from the fixtures. Run from the repository root:

    python -m tests.tools.fixture_census [--check]

`--check` changes nothing and exits 1 when the README's table differs from the fixtures.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from monitor.replay import fixtures_root

BEGIN = "<!-- fixture-census: begin (python -m tests.tools.fixture_census) -->"
END = "<!-- fixture-census: end -->"
README = Path(__file__).resolve().parents[2] / "README.md"


def census(root: Path | None = None) -> dict[str, tuple[int, int]]:
    """(real, constructed) case counts per source folder."""
    real: Counter[str] = Counter()
    constructed: Counter[str] = Counter()
    for meta in sorted((root or fixtures_root()).glob("*/*/meta.json")):
        source = meta.parent.parent.name
        counter = constructed if json.loads(meta.read_text(encoding="utf-8")).get("constructed") else real
        counter[source] += 1
    return {source: (real[source], constructed[source]) for source in sorted(set(real) | set(constructed))}


def table(counts: dict[str, tuple[int, int]]) -> str:
    """The markdown table, one row per source and a total."""
    lines = ["| source | real captures | constructed |", "|---|---:|---:|"]
    lines += [f"| `{source}` | {real} | {made} |" for source, (real, made) in counts.items()]
    total_real, total_made = sum(r for r, _ in counts.values()), sum(m for _, m in counts.values())
    lines.append(f"| **all** | **{total_real}** | **{total_made}** |")
    return "\n".join(lines)


def with_table(readme: str, counts: dict[str, tuple[int, int]]) -> str:
    """`readme` with the text between the census markers replaced by the current table."""
    if BEGIN not in readme or END not in readme:
        raise ValueError(f"README.md lacks the census markers {BEGIN!r} … {END!r}")
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table(counts)}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when README.md's table is out of date")
    args = parser.parse_args(argv)
    current = README.read_text(encoding="utf-8")
    updated = with_table(current, census())
    if args.check:
        if updated != current:
            print("README.md's fixture census is out of date: run python -m tests.tools.fixture_census")
            return 1
        return 0
    README.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
