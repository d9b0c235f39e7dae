"""Expected findings written next to the code they are about.

YAML fixtures mark the primary line of each expected finding with a trailing comment
``# expect: LL102@OrdersQueue`` (rule id @ resource; several separated by spaces). JSON has no
comments, so ``name.json`` takes a sidecar ``name.json.expect`` with one ``LL102 12 OrdersQueue``
(rule, line, resource) per line. Fixtures under ``pass/`` expect nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

MARK = re.compile(r"#\s*expect:\s*(.+)$")


def expected(path: Path) -> set[tuple[str, int, str]]:
    if path.parent.name == "pass":
        return set()
    out: set[tuple[str, int, str]] = set()
    sidecar = path.with_name(path.name + ".expect")
    if sidecar.exists():
        for raw in sidecar.read_text().splitlines():
            raw = raw.strip()
            if raw and not raw.startswith("#"):
                rule, line, resource = raw.split(None, 2)
                out.add((rule, int(line), resource))
        return out
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        match = MARK.search(text)
        if match:
            for item in match.group(1).split():
                rule, _, resource = item.partition("@")
                out.add((rule, number, resource))
    return out


TESTS_RULES = Path(__file__).resolve().parent / "rules"
EXAMPLES = Path(__file__).resolve().parent.parent / "rules" / "examples"


def fixture_path(rule: str, mode: str, name: str) -> Path:
    """A fixture by name, wherever it lives: tests/rules or the shipped rules/examples."""
    for root in (TESTS_RULES, EXAMPLES):
        candidate = root / rule / mode / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"no fixture {rule}/{mode}/{name}")
