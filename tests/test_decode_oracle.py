"""Differential test: lambdalint's decoder against cfn-lint's, over the real template corpus.

For every CloudFormation/SAM file of ../shared/corpus/real (MANIFEST.tsv rows whose format is not
``terraform``), both decoders must (a) agree on whether the file decodes, (b) produce the same
data once cfn-lint's node types are reduced to plain Python values, and (c) put every mapping
key, and every list item cfn-lint marks, at the same 1-based line and column. cfn-lint is only
an oracle here; it is never imported on lambdalint's ``check`` path.

Where the two disagree on purpose, it is written down below with the reason, in
``CORPUS_ALLOWED`` (real files) and ``DIVERGENCES`` (small hand-written documents, so each known
difference stays pinned even when no corpus file shows it). A case that stops diverging fails
too, so the list cannot go stale.

Comparison rules: cfn-lint turns an unquoted date into ``datetime.date``/``datetime`` (PyYAML's
timestamp type); lambdalint keeps the text, as CloudFormation has no timestamp type, so a
date matches when PyYAML's timestamp constructor reads lambdalint's string to the same value.
An empty document is ``{}`` in cfn-lint and ``None`` in lambdalint. Everything else (bools
such as ``yes``, octal and base-60 ints, floats, nulls) must be equal in value and type.

Timing (1,167 files, serial): about 2.5 s in lambdalint's decoder and 3.3 s in cfn-lint's, 6-15 s
of wall time for the whole module on a shared 2-CPU machine, far under the ~60 s at which it would
need a process pool or sampling; so every file is checked, serially.
"""

from __future__ import annotations

import csv
import datetime
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from lambdalint.parsers.decode import DecodeError, Map, Seq, decode

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "real"
SUFFIXES = {".yaml", ".yml", ".json", ".template"}

if not CORPUS.is_dir():
    pytest.skip(f"real corpus not present at {CORPUS}", allow_module_level=True)

cfn_decode = pytest.importorskip("cfnlint.decode.decode")
cfn_mark = pytest.importorskip("cfnlint.decode.mark")

# Real corpus files on which the decoders may disagree, with the reason. Empty: after the
# fixes recorded in tests/test_decode.py they agree on every file.
CORPUS_ALLOWED: dict[str, str] = {}


def corpus_files() -> list[Path]:
    """Every YAML/JSON template unit of the corpus, from its manifest (Terraform dirs excluded)."""
    manifest = CORPUS / "MANIFEST.tsv"
    if manifest.is_file():
        with manifest.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        files = [CORPUS / row["unit_path"] for row in rows if row["format"] != "terraform"]
    else:
        files = [p for p in CORPUS.rglob("*") if p.is_file()]
    return sorted(p for p in files if p.suffix in SUFFIXES and p.is_file())


# --- running both decoders ---------------------------------------------------------------------


@dataclass
class Outcome:
    """What one decoder made of one text."""

    data: Any = None
    error: str | None = None
    duplicate: bool = False  # the error is about a duplicate key

    @property
    def ok(self) -> bool:
        return self.error is None


def run_lambdalint(text: str) -> Outcome:
    try:
        return Outcome(decode(text).data)
    except DecodeError as exc:
        return Outcome(error=str(exc), duplicate=str(exc).startswith("duplicate key"))


def run_cfnlint(text: str) -> Outcome:
    """cfn-lint's own entry point (YAML first, its JSON decoder after a tab/escape scanner error)."""
    template, matches = cfn_decode.decode_str(text)
    if matches:
        message = "; ".join(m.message for m in matches)
        return Outcome(error=message, duplicate="Duplicate found" in message)
    return Outcome(template)


# --- normalising and comparing -------------------------------------------------------------------


def _timestamp(text: str) -> Any:
    import yaml

    node = yaml.ScalarNode("tag:yaml.org,2002:timestamp", text)
    return yaml.SafeLoader("").construct_yaml_timestamp(node)


def compare_data(ours: Any, theirs: Any, path: str, problems: list[str]) -> None:
    """Structural equality after reducing cfn-lint's node types to plain values."""
    if isinstance(theirs, datetime.date):  # also datetime.datetime
        try:
            same = isinstance(ours, str) and _timestamp(ours) == theirs
        except Exception:
            same = False
        if not same:
            problems.append(f"{path}: {ours!r} vs timestamp {theirs!r}")
        return
    if isinstance(theirs, dict):
        if not isinstance(ours, dict):
            problems.append(f"{path}: {type(ours).__name__} vs mapping")
            return
        their_keys = {}
        for key in theirs:
            if not isinstance(key, str):
                problems.append(f"{path}: cfn-lint key {key!r} is a {type(key).__name__}")
                return
            their_keys[str(key)] = theirs[key]
        if set(ours) != set(their_keys):
            problems.append(f"{path}: keys {sorted(set(ours) ^ set(their_keys))} on one side only")
            return
        for key, value in their_keys.items():
            compare_data(ours[key], value, f"{path}/{key}", problems)
        return
    if isinstance(theirs, list):
        if not isinstance(ours, list) or len(ours) != len(theirs):
            problems.append(f"{path}: {ours!r:.80} vs {theirs!r:.80}")
            return
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            compare_data(a, b, f"{path}/{i}", problems)
        return
    if isinstance(theirs, str):
        theirs = str(theirs)  # str_node -> str
    if isinstance(theirs, float) and isinstance(ours, float) and math.isnan(theirs) and math.isnan(ours):
        return
    if type(ours) is not type(theirs) or ours != theirs:
        problems.append(f"{path}: {ours!r:.80} ({type(ours).__name__}) vs {theirs!r:.80} ({type(theirs).__name__})")


def _their_pos(mark: Any) -> tuple[int, int]:
    """cfn-lint marks are 0-based (PyYAML) except its JSON decoder's: 0-based line, 1-based column."""
    if isinstance(mark, cfn_mark.Mark):
        return mark.line + 1, mark.column
    return mark.line + 1, mark.column + 1


def compare_positions(ours: Any, theirs: Any, path: str, problems: list[str]) -> int:
    """Every key (and list item) cfn-lint gives a start mark must sit where ours says.
    Returns how many positions were compared."""
    checked = 0
    if isinstance(theirs, dict) and isinstance(ours, Map):
        for key, value in theirs.items():
            mark = getattr(key, "start_mark", None)
            name = str(key)
            if name not in ours:
                continue
            if mark is not None and hasattr(key, "end_mark"):
                checked += 1
                if ours.key_locs.get(name) != _their_pos(mark):
                    problems.append(f"{path}/{name}: key at {ours.key_locs.get(name)}, cfn-lint {_their_pos(mark)}")
            checked += compare_positions(ours[name], value, f"{path}/{name}", problems)
    elif isinstance(theirs, list) and isinstance(ours, Seq) and len(ours) == len(theirs):
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            mark = getattr(b, "start_mark", None)
            if mark is not None and hasattr(b, "end_mark"):
                checked += 1
                if ours.item_locs[i] != _their_pos(mark):
                    problems.append(f"{path}/{i}: item at {ours.item_locs[i]}, cfn-lint {_their_pos(mark)}")
            checked += compare_positions(a, b, f"{path}/{i}", problems)
    return checked


@dataclass
class Verdict:
    """How the two decoders relate on one text."""

    kind: str  # same | both-fail | ours-only | cfn-only | data | positions
    details: list[str] = field(default_factory=list)
    positions_checked: int = 0
    ours: Outcome | None = None
    theirs: Outcome | None = None


def differential(text: str) -> Verdict:
    ours, theirs = run_lambdalint(text), run_cfnlint(text)
    if not ours.ok and not theirs.ok:
        return Verdict("both-fail", [f"ours: {ours.error}", f"cfn-lint: {theirs.error}"], ours=ours, theirs=theirs)
    if ours.ok != theirs.ok:
        kind = "ours-only" if ours.ok else "cfn-only"
        return Verdict(kind, [f"ours: {ours.error}", f"cfn-lint: {theirs.error}"], ours=ours, theirs=theirs)
    if ours.data is None and theirs.data == {}:  # an empty document
        return Verdict("same", ours=ours, theirs=theirs)
    problems: list[str] = []
    compare_data(ours.data, theirs.data, "", problems)
    if problems:
        return Verdict("data", problems, ours=ours, theirs=theirs)
    checked = compare_positions(ours.data, theirs.data, "", problems)
    return Verdict("positions" if problems else "same", problems, checked, ours=ours, theirs=theirs)


# --- the corpus ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_verdicts() -> dict[str, tuple[Verdict, str]]:
    verdicts = {}
    for path in corpus_files():
        text = path.read_text(encoding="utf-8")
        verdicts[str(path.relative_to(CORPUS))] = (differential(text), text)
    return verdicts


def test_corpus_is_there() -> None:
    files = corpus_files()
    assert len(files) > 1000, len(files)
    assert {p.suffix for p in files} >= {".yaml", ".yml", ".json"}


def _report(verdicts: dict[str, tuple[Verdict, str]], kinds: set[str]) -> list[str]:
    out = []
    for name, (verdict, _) in verdicts.items():
        if verdict.kind in kinds and name not in CORPUS_ALLOWED:
            out.append(f"{name}: {verdict.kind}: " + " | ".join(verdict.details[:4]))
    return out


def test_corpus_both_decode_or_both_fail(corpus_verdicts: dict[str, tuple[Verdict, str]]) -> None:
    disagreements = _report(corpus_verdicts, {"ours-only", "cfn-only"})
    assert not disagreements, "\n".join(disagreements)


def test_corpus_failures_fail_for_the_same_reason(corpus_verdicts: dict[str, tuple[Verdict, str]]) -> None:
    """Where both refuse a file it is for the same kind of reason, and when ours names a
    duplicate key, that key really is written at both lines it names (cfn-lint may name a
    different duplicate of the same file: it reports the innermost mapping first)."""
    problems = []
    for name, (verdict, text) in corpus_verdicts.items():
        if verdict.kind != "both-fail":
            continue
        assert verdict.ours is not None and verdict.theirs is not None
        if verdict.ours.duplicate != verdict.theirs.duplicate:
            problems.append(f"{name}: {verdict.details}")
            continue
        if verdict.ours.duplicate:
            found = re.match(r"duplicate key '(.+)' at line (\d+) \(first at line (\d+)\)", verdict.ours.error or "")
            assert found, verdict.ours.error
            key, lines = found.group(1), text.splitlines()
            written = re.compile(rf"""^\s*(?:-\s+)?(["']?){re.escape(key)}\1\s*:""")
            for line_no in (int(found.group(2)), int(found.group(3))):
                if not written.match(lines[line_no - 1]):
                    problems.append(f"{name}: line {line_no} does not hold key {key!r}")
    assert not problems, "\n".join(problems)


def test_corpus_same_data(corpus_verdicts: dict[str, tuple[Verdict, str]]) -> None:
    disagreements = _report(corpus_verdicts, {"data"})
    assert not disagreements, "\n".join(disagreements)


def test_corpus_same_key_positions(corpus_verdicts: dict[str, tuple[Verdict, str]]) -> None:
    disagreements = _report(corpus_verdicts, {"positions"})
    assert not disagreements, "\n".join(disagreements)
    checked = sum(v.positions_checked for v, _ in corpus_verdicts.values())
    decoded = sum(v.kind == "same" for v, _ in corpus_verdicts.values())
    assert decoded > 1000 and checked > 50_000, (decoded, checked)


def test_corpus_allow_list_is_not_stale(corpus_verdicts: dict[str, tuple[Verdict, str]]) -> None:
    stale = [name for name in CORPUS_ALLOWED if name not in corpus_verdicts or corpus_verdicts[name][0].kind == "same"]
    assert not stale, f"allowed disagreements that no longer occur: {stale}"


# --- known divergences, pinned on small documents -------------------------------------------------

AGREE = [
    ("yaml-1.1 booleans", "a: [yes, No, ON, off, y, n, true]\n"),
    ("octal, hex, base 60, account id", "a: [0777, 0x1F, 1:20, 012345678901, 1_000, 0o17]\n"),
    ("floats", "a: [1.5, 1e3, 1.0e+3, .inf, -.Inf, .5, 1:20.5]\n"),
    ("nulls", "a: [~, null, Null, '']\nb:\n"),
    ("dates compare by value", "Version: 2012-10-17\nT: 2001-12-14t21:59:43.10-05:00\nU: 2001-12-14 21:59:43.10 -5\n"),
    ("short tags", "a: !GetAtt A.B.C\nb: !Sub ['${x}', {x: !Ref y}]\nc: !If [C, !GetAZs '', !Ref AWS::NoValue]\n"),
    ("GetAtt without a dot", "a: !GetAtt Lonely\n"),
    ("tagged block collections", "a: !Join\n  - ''\n  - - x\n    - !Ref y\nb: !If\n  - C\n  - 1\n  - 2\n"),
    ("merge keys", "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  z: 3\n"),
    ("aliases", "a: &x [1, {k: v}]\nb: *x\n"),
    ("json with tabs", '{\n\t"a": {\n\t\t"b": [1, "x"]\n\t}\n}\n'),
    ("json escapes", '{"a": "http:\\/\\/x\\u00e9\\n", "b": [true, false, null, -1, 2.5]}'),
    ("bom", "\ufeffa: 1\n"),
    ("crlf", "a: 1\r\nb:\r\n  - x\r\n"),
    ("flow colon (pure-parser fallback)", "a: [sts:AssumeRole, !Ref AWS::Region]\nb: {c: d}\n"),
    ("quoted stay strings", "a: ['1', \"yes\", '2012-10-17', \"0777\"]\n"),
    ("empty", ""),
    ("comment only", "# nothing\n"),
    ("block scalars", "a: |\n  x: 1\n  y\nb: >-\n  folded\n  text\n"),
    ("complex keys", "? a\n: 1\n"),
    # PyYAML before 6.0.4 pointed c.x at `b`'s x (line 2) though its value comes from `a` (line 1);
    # the test extras require 6.0.4, which keeps the first-listed key as lambdalint does.
    ("merge: first listed wins", "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n"),
]


@pytest.mark.parametrize(("name", "text"), AGREE, ids=[c[0] for c in AGREE])
def test_agree_on_small_documents(name: str, text: str) -> None:
    verdict = differential(text)
    assert verdict.kind == "same", verdict.details


BOTH_FAIL = [
    ("duplicate key", "a: 1\nb: 2\na: 3\n"),
    ("duplicate json key", '{"a": 1,\n "a": 2}'),
    ("tab indentation", "a:\n\t- 1\n"),
    ("two documents", "a: 1\n---\nb: 2\n"),
    ("unclosed flow", "a: [1, 2\n"),
    ("undefined alias", "a: *nope\n"),
    ("recursive alias", "a: &a [1, *a]\n"),
    ("alias bomb", "a: &a [x,x,x,x,x,x,x,x,x]\n"
     + "".join(f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))),
    ("json key over 1024 characters (a libyaml limit on implicit keys, shared)", '{"' + "k" * 1100 + '": 1}'),
]


@pytest.mark.parametrize(("name", "text"), BOTH_FAIL, ids=[c[0] for c in BOTH_FAIL])
def test_both_refuse(name: str, text: str) -> None:
    verdict = differential(text)
    assert verdict.kind == "both-fail", verdict.details


# (name, text, expected verdict, who is right and why)
DIVERGENCES = [
    ("json surrogate pair", '{"a": "\\ud83d\\ude00"}', "ours-only",
     "valid JSON (RFC 8259 section 7 spells non-BMP characters as surrogate pairs); libyaml rejects the "
     "escape and cfn-lint falls back to its JSON decoder only for tab and unknown-escape errors"),
    ("json raw DEL in a string", '{"a": "x\x7fy"}', "ours-only",
     "JSON forbids only U+0000-U+001F raw in a string; YAML's reader refuses DEL and C1 controls"),
    ("int and bool keys", "1: a\nyes: b\n", "ours-only",
     "cfn-lint crashes: PyYAML makes the keys 1 and True, which Python deems equal, and its duplicate "
     "report then reads .start_mark off an int; keys are names and stay as written here"),
    ("lone '=' scalar", "a: =\n", "ours-only",
     "PyYAML resolves a plain '=' to tag:yaml.org,2002:value and has no constructor for it; it is "
     "just a string"),
    ("null key", "~: 1\n", "ours-only",
     "YAML allows a null key and the text is kept as the key '~'; cfn-lint refuses null keys "
     "(CloudFormation's JSON form cannot express one either, so a template using it fails at deploy)"),
    ("duplicate key beside a merge", "a: &a {x: 1}\nb:\n  <<: *a\n  y: 1\n  y: 2\n", "cfn-only",
     "cfn-lint skips its duplicate check in any mapping that merges; the YAML spec requires unique keys "
     "and two explicit `y` are as ambiguous there as anywhere"),
    ("json exponent number", '{"a": 1e5}', "data",
     "JSON number 1e5 is 100000.0 (the AWS CLI and SAM CLI json.loads JSON templates); cfn-lint reads JSON "
     "through YAML 1.1, whose float needs a dot, and gets the string '1e5'"),
    ("!!binary", "a: !!binary aGVsbG8=\n", "data",
     "CloudFormation does not support the binary tag (template formats page); the text stays as written"),
    ("json raw NEL in a string", '{"a": "x\x85y"}', "data",
     "NEL is a YAML 1.1 line break, folded into a space by libyaml; in JSON it is an ordinary character"),
    ("merge: explicit key overrides", "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  x: 3\n", "positions",
     "cfn-lint's dict keeps the merged key object, so d.x points into `base`; the value 3 is written on "
     "line 4, which is where lambdalint points"),
    ("json raw U+2028 in a string", '{"a": "x\u2028y",\n "b": 1}', "positions",
     "U+2028 is a YAML 1.1 line break, so cfn-lint numbers every later line one too high; JSON and "
     "editors do not count it"),
]


@pytest.mark.parametrize(("name", "text", "expected", "reason"), DIVERGENCES, ids=[c[0] for c in DIVERGENCES])
def test_known_divergence(name: str, text: str, expected: str, reason: str) -> None:
    """Each entry is a place where cfn-lint is wrong (reason given); if cfn-lint changes, the entry
    must be revisited rather than silently kept."""
    verdict = differential(text)
    assert verdict.kind == expected, (reason, verdict.details)
