"""The corpus' 132 Terraform units: every one parses and lints, nothing crashes, fast.

Also tallies what stayed unknown, by cause (the first element of each symbol's key: a variable
with no value, a remote module's output, a data source reading the account, a function not
evaluated, ...); run with ``-s`` to see the table. Skipped when ../shared/corpus/real is absent.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from dataclasses import fields
from pathlib import Path

import pytest

from lambdalint.engine import RuleSet, all_rules
from lambdalint.lint import LintOptions, lint
from lambdalint.model import Prov, Val

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "real"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")


def _units() -> list[Path]:
    return sorted({p.parent for p in CORPUS.rglob("*.tf") if ".terraform" not in p.parts})


def test_every_terraform_unit_lints_without_crash_and_fast() -> None:
    units = _units()
    assert len(units) >= 130
    started = time.process_time()
    result = lint([str(u) for u in units], RuleSet(list(all_rules())), cwd=ROOT, options=LintOptions())
    cpu = time.process_time() - started
    assert result.units == len(units)
    assert not result.errors, result.errors[:5]
    assert not [f for f in result.findings if f.rule_id == "LL000"]
    # checkov takes 39.5 s on these units; the target is a tenth. CPU time, so a loaded CI
    # machine does not fail it.
    assert cpu < 4, f"{cpu:.1f}s CPU"


def test_cli_over_terraform_units_has_no_traceback() -> None:
    units = [str(u) for u in _units()]
    proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", *units, "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr


def unknowns_by_cause() -> tuple[Counter, Counter, int]:
    """(distinct unknown symbols by cause, unknown model values by cause, units)."""
    from lambdalint.parsers.terraform.modules import load_directory
    from lambdalint.parsers.terraform.resources import Builder

    symbols: Counter = Counter()
    values: Counter = Counter()
    units = _units()
    for unit in units:
        builder = Builder(load_directory(unit, unit.name), unit.name)
        model = builder.build()
        cause_of = {char: key[0] if isinstance(key, tuple) else "other" for key, char in builder.symbols.by_key.items()}
        symbols.update(cause_of.values())
        for res in [*model.resources(), *model.triggers]:
            for f in fields(res):
                val = getattr(res, f.name)
                if isinstance(val, Val) and val.prov is Prov.UNKNOWN:
                    char = next((c for c in (val.why or "") if c in cause_of), None)
                    values[_cause_of_why(val.why, cause_of, char)] += 1
    return symbols, values, len(units)


def _cause_of_why(why: str, cause_of: dict[str, str], char: str | None) -> str:
    if char is not None:
        return cause_of[char]
    text = why or ""
    if text.startswith("${var.") or ".var." in text:
        return "variable"
    if text.startswith("${data."):
        return "data"
    if text.startswith("${module."):
        return "module"
    if text.startswith("dynamic"):
        return "dynamic-block"
    if text.startswith("<") and "(" in text:
        return "function"
    if text.startswith("${"):
        return "attribute"
    return text or "other"


def test_unknowns_are_counted_by_cause() -> None:
    symbols, values, units = unknowns_by_cause()
    print(f"\n{units} Terraform units; distinct unknowns by cause:")
    for cause, count in symbols.most_common():
        print(f"  {cause:<20} {count}")
    print("unknown model values (Val) by cause:")
    for cause, count in values.most_common():
        print(f"  {cause:<20} {count}")
    assert symbols["variable"] > 0 and symbols["module"] > 0
