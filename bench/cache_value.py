"""Would a cache of parsed units, keyed by content hash, pay off? (not a test; standard library + lambdalint)

Usage (from the repository root)::

    /work/venv/bin/python bench/cache_value.py [--corpus ../shared/corpus/real]

A cache can only remove what is spent turning text into the model (decoding YAML/JSON, or
parsing and evaluating Terraform, then building the model); reading the file, hashing it, loading
the cached object and running the rules remain. So this measures, in one process over every unit
of the real corpus: read, hash (BLAKE2b), decode, build, rules, and what loading a pickled
document or model costs instead. It also measures the pre-commit case, one small template in a
fresh interpreter, where the question is whether importing ``pickle``/``hashlib`` and reading a
cache file costs more than the parse it saves.

The verdict and the numbers are recorded in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import pickle
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "sample_templates" / "order-pipeline" / "template.yaml"

# One pre-commit-sized run, in a fresh interpreter: parse-and-build against load-from-cache.
_FRESH = """
import sys, time
start = time.perf_counter()
if sys.argv[1] == "parse":
    from lambdalint.parsers.cloudformation import build, is_template
    from lambdalint.parsers.decode import decode
    doc = decode(open(sys.argv[2], encoding="utf-8").read())
    build(doc, "t.yaml", is_template(doc.data))
else:
    import hashlib, pickle
    from lambdalint import model  # the cached object's classes must be imported either way
    text = open(sys.argv[2], encoding="utf-8").read()
    hashlib.blake2b(text.encode()).hexdigest()
    pickle.loads(open(sys.argv[3], "rb").read())
print(time.perf_counter() - start)
"""


def corpus_units(corpus: Path) -> tuple[list[Path], list[Path]]:
    with open(corpus / "MANIFEST.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    files = [corpus / r["unit_path"] for r in rows if not r["unit_path"].endswith("/")]
    dirs = [corpus / r["unit_path"].rstrip("/") for r in rows if r["unit_path"].endswith("/")]
    return files, dirs


def templates(files: list[Path]) -> dict[str, float]:
    from lambdalint.engine import RuleSet, all_rules, run_rules
    from lambdalint.parsers.cloudformation import build, is_template
    from lambdalint.parsers.decode import DecodeError, decode

    ruleset = RuleSet(list(all_rules()))
    t = dict.fromkeys(("read", "hash", "decode", "build", "rules", "load cached document",
                       "load cached model", "store document"), 0.0)
    t["units"] = 0
    for path in files:
        start = time.perf_counter()
        text = path.read_text(encoding="utf-8", errors="replace")
        t["read"] += time.perf_counter() - start
        start = time.perf_counter()
        hashlib.blake2b(text.encode()).hexdigest()
        t["hash"] += time.perf_counter() - start
        try:
            start = time.perf_counter()
            doc = decode(text)
            t["decode"] += time.perf_counter() - start
        except DecodeError:
            continue
        fmt = is_template(doc.data)
        if fmt is None:
            continue
        start = time.perf_counter()
        model = build(doc, str(path), fmt)
        t["build"] += time.perf_counter() - start
        start = time.perf_counter()
        list(run_rules(model, ruleset, False))
        t["rules"] += time.perf_counter() - start
        start = time.perf_counter()
        blob = pickle.dumps(doc, protocol=5)
        t["store document"] += time.perf_counter() - start
        start = time.perf_counter()
        pickle.loads(blob)
        t["load cached document"] += time.perf_counter() - start
        model_blob = pickle.dumps(model, protocol=5)
        start = time.perf_counter()
        pickle.loads(model_blob)
        t["load cached model"] += time.perf_counter() - start
        t["units"] += 1
    return t


def terraform(dirs: list[Path]) -> dict[str, float]:
    from lambdalint.engine import RuleSet, all_rules, run_rules
    from lambdalint.lint import Unit, load_model

    ruleset = RuleSet(list(all_rules()))
    t = {"load (parse, evaluate, build)": 0.0, "rules": 0.0, "load cached model": 0.0, "units": 0}
    for path in dirs:
        try:
            start = time.perf_counter()
            model = load_model(Unit(path, True), str(path))
            t["load (parse, evaluate, build)"] += time.perf_counter() - start
        except Exception:  # a unit that does not load is not cacheable either
            continue
        start = time.perf_counter()
        list(run_rules(model, ruleset, False))
        t["rules"] += time.perf_counter() - start
        blob = pickle.dumps(model, protocol=5)
        start = time.perf_counter()
        pickle.loads(blob)
        t["load cached model"] += time.perf_counter() - start
        t["units"] += 1
    return t


def fresh(mode: str, blob: Path, repeat: int = 9) -> float:
    runs = [float(subprocess.run([sys.executable, "-c", _FRESH, mode, str(SMALL), str(blob)], check=True,
                                 capture_output=True, text=True).stdout) for _ in range(repeat)]
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "real")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "CACHE.md", help="Markdown report")
    args = parser.parse_args()
    sys.setrecursionlimit(10_000)
    files, dirs = corpus_units(args.corpus)
    lines = [
        "# Would a parsed-unit cache pay off?",
        "",
        f"Measured by `bench/cache_value.py` on {platform.node() or 'this machine'}, "
        f"{time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, over `{args.corpus.name}` "
        "of the shared corpus. Seconds are summed over every unit, in one process.",
        "",
        "| units | phase | seconds |",
        "|---|---|---|",
    ]
    spent = {}
    for title, numbers in (("SAM/CloudFormation", templates(files)), ("Terraform", terraform(dirs))):
        units = int(numbers.pop("units"))
        spent[title] = numbers
        print(f"\n{title}: {units} linted, in one process")
        for name, seconds in numbers.items():
            print(f"  {name:<32} {seconds:7.3f} s")
            lines.append(f"| {title} ({units}) | {name} | {seconds:.3f} |")
    from lambdalint.parsers.cloudformation import build, is_template
    from lambdalint.parsers.decode import decode

    doc = decode(SMALL.read_text(encoding="utf-8"))
    blob = Path("/tmp/lambdalint-cache-value.pickle")
    blob.write_bytes(pickle.dumps(build(doc, "t.yaml", is_template(doc.data)), protocol=5))
    parse_ms, cache_ms = fresh("parse", blob) * 1000, fresh("cache", blob) * 1000
    print(f"\none small template, fresh interpreter: parse and build {parse_ms:.1f} ms, "
          f"hash and load cached model {cache_ms:.1f} ms")
    cfn, tf = spent["SAM/CloudFormation"], spent["Terraform"]
    hit_saves = (cfn["decode"] + cfn["build"] - cfn["load cached model"]
                 + tf["load (parse, evaluate, build)"] - tf["load cached model"])
    miss_costs = cfn["hash"] + cfn["store document"]
    lines += [
        "",
        f"One small template (`{SMALL.relative_to(ROOT)}`) in a fresh interpreter, median of 9: parse and "
        f"build {parse_ms:.1f} ms; hash it and load its cached model instead {cache_ms:.1f} ms (the parser "
        "modules are not imported then).",
        "",
        "## Reading",
        "",
        f"- A cache hit on every unit of the corpus would save at most {hit_saves:.2f} s of work; a cold cache "
        f"would add about {miss_costs:.2f} s (hashing, pickling) plus writing the entries.",
        f"- On one template a hit saves about {parse_ms - cache_ms:.0f} ms of a pre-commit run.",
        "- Hits are rare where lambdalint runs: pre-commit passes exactly the files that changed (a miss by "
        "definition), CI starts from a clean checkout (cold), and `--changed-since` already skips unchanged "
        "units. Only repeated full runs on an unchanged tree would hit.",
        "- A cache also has to be invalidated correctly: by lambdalint's version, by every file of a "
        "Terraform unit and its modules, by `--var-file`s and the display path baked into locations.",
        "",
        "Decision: not built. The saving is bounded by the numbers above, it appears only in the case "
        "that least needs it, and a stale entry would report wrong findings. Re-run this script if the "
        "parse phases grow.",
    ]
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
