"""Fuzz the whole of ``lambdalint check`` on one unit: reading, decoding, the model, every rule.

The first input byte picks what the rest is written as: a SAM/CloudFormation ``template.yaml`` or
``template.json``, a Terraform ``main.tf`` (in a directory with a small local module), a plan or
a live snapshot JSON. ``lambdalint.lint.lint`` then runs with every rule. A crash is an exception
out of ``lint`` (it must never raise), an internal error (a FileError saying so, or an LL000
finding: a rule crashed), an error that is not one line, or a finding on a line the file does not
have. Run with atheris::

    mkdir -p /tmp/seeds-lint && python fuzz/fuzz_lint.py --seeds /tmp/seeds-lint
    python fuzz/fuzz_lint.py /tmp/seeds-lint -max_total_time=300 -rss_limit_mb=1536 -timeout=30

``--seeds DIR`` writes the sample templates and rule fixtures, prefixed with their kind byte.
Without atheris, ``python fuzz/fuzz_lint.py FILE...`` replays inputs.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

try:
    import atheris
except ImportError:  # replay mode only
    atheris = None


def _import_everything() -> list:
    """lambdalint imports parsers and rules lazily; atheris only instruments (sees coverage of)
    what is imported inside ``instrument_imports``, so everything is imported here."""
    import importlib

    from lambdalint.engine import all_rules

    for name in ("lambdalint.parsers.cloudformation", "lambdalint.parsers.sam", "lambdalint.parsers.live",
                 "lambdalint.parsers.terraform.modules", "lambdalint.parsers.terraform.resources",
                 "lambdalint.parsers.terraform.plan", "lambdalint.parsers.terraform.evaluate",
                 "lambdalint.parsers.terraform.community", "lambdalint.suppress", "lambdalint.secrets"):
        importlib.import_module(name)
    return list(all_rules())


if atheris is not None:
    with atheris.instrument_imports(include=["lambdalint"]):
        from lambdalint.engine import RuleSet
        from lambdalint.lint import LintOptions, lint

        RULES = _import_everything()
else:
    from lambdalint.engine import RuleSet
    from lambdalint.lint import LintOptions, lint

    RULES = _import_everything()

ROOT = Path(__file__).resolve().parent.parent
KINDS = ["template.yaml", "template.json", "main.tf", "plan.json"]
MODULE = ('variable "name" {}\nresource "aws_sqs_queue" "q" {\n  name = var.name\n}\n'
          'output "arn" {\n  value = aws_sqs_queue.q.arn\n}\n')
RULESET = RuleSet(RULES)
WORK = Path(tempfile.mkdtemp(prefix="fuzz-lint-"))
_BREAK = re.compile(rb"\r\n|\r|\n")


def _unit(kind: str, body: bytes) -> tuple[str, str]:
    """Write the input; return (what to lint, its display name), both relative to WORK."""
    shutil.rmtree(WORK / "unit", ignore_errors=True)
    unit = WORK / "unit"
    unit.mkdir()
    if kind == "main.tf":
        (unit / "main.tf").write_bytes(body)
        (unit / "modules" / "queue").mkdir(parents=True)
        (unit / "modules" / "queue" / "main.tf").write_text(MODULE)
        return "unit", "unit"
    (unit / kind).write_bytes(body)
    return f"unit/{kind}", f"unit/{kind}"


def TestOneInput(data: bytes) -> None:  # atheris' name
    if not data:
        return
    kind = KINDS[data[0] % len(KINDS)]
    target, shown = _unit(kind, data[1:])
    result = lint([str(WORK / target)], RULESET, cwd=WORK, options=LintOptions())
    for error in result.errors:
        if error.file != shown or "\n" in error.message or "internal error" in error.message:
            raise AssertionError(f"bad error: {error!r}")
    counts: dict[str, int] = {}
    for finding in [*result.findings, *result.suppressed]:
        if finding.rule_id == "LL000":
            raise AssertionError(finding.message)
        file = finding.loc.file
        if file not in counts:
            counts[file] = len(_BREAK.split((WORK / file).read_bytes())) if (WORK / file).is_file() else 0
        if not 1 <= finding.loc.line <= max(counts[file], 1):
            raise AssertionError(f"{file}:{finding.loc.line} is past its {counts[file]} lines: {finding.message}")


def write_seeds(directory: Path) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    sources = [*sorted((ROOT / "sample_templates").glob("*/template.*")),
               *sorted((ROOT / "tests" / "rules").glob("*/*/*"))]
    for path in sources:
        if path.is_dir():
            tf = path / "main.tf"
            if not tf.is_file():
                continue
            kind, body = 2, tf.read_bytes()
        elif path.suffix in (".yaml", ".yml"):
            kind, body = 0, path.read_bytes()
        elif path.suffix == ".json":
            kind, body = (3, path.read_bytes()) if path.name.startswith(("plan-", "live-")) else (1, path.read_bytes())
        else:
            continue
        (directory / f"{count:04d}-{path.name}").write_bytes(bytes([kind]) + body)
        count += 1
    return count


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--seeds":
        print(f"wrote {write_seeds(Path(sys.argv[2]))} seeds")
        return
    if atheris is None:
        for name in sys.argv[1:]:
            with open(name, "rb") as handle:
                TestOneInput(handle.read())
        return
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
