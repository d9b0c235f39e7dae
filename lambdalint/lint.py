"""From paths to findings: discover lint units, parse each into the model, run the rules.

A unit is a template file, a Terraform directory (all its ``*.tf`` / ``*.tf.json`` files
together: resources span files), or a Terraform plan JSON (recognized by content). A directory
that another Terraform unit of the same walk calls as a local module (``source = "./modules/x"``)
is linted through that call, with its inputs, and not again on its own.

A unit that cannot be read or parsed becomes one ``FileError`` (a one-line reason naming the
file); the other units are still linted. Files that are not templates (a workflow YAML, a
package.json) are skipped silently, so a pre-commit hook can pass every YAML/JSON file.

Hostile input is bounded here: only regular files are opened (a FIFO would block), each kind
of input has a size limit (MAX_TEMPLATE_BYTES and below), binary, UTF-16 and invalid UTF-8
files are one-line errors when named (or when they look like templates), symlink loops and
unreadable directories end the walk of that branch with an error, and whatever else goes
wrong in one unit is that unit's error, never the run's traceback (tests/test_hostile.py).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambdalint.config import Config
from lambdalint.engine import Finding, RuleSet, all_rules, run_rules

SKIP_DIRS = {".git", "node_modules", ".aws-sam", ".terraform", "cdk.out", "__pycache__", ".venv", ".tox"}
TEMPLATE_SUFFIXES = {".yaml", ".yml", ".json", ".template"}

# Size limits. Time and memory grow with the input; measured on a 2-core box (wall time of
# `lint`, peak RSS of the process), after two lookups that made large inputs quadratic were
# made linear (Model.by_id: 5 MB of SAM took 72 s; Terraform function_for: an 8 MB plan 26 s):
#
#   SAM template, realistic (a queue + function + SQS event per 580 bytes): 1 MB 1.6 s 77 MB,
#     2 MB 3.2 s 135 MB, 5 MB 8.3 s 327 MB, 20 MB 29.5 s 1.2 GB: 50 MB would take ~75 s, ~3 GB.
#   Worst case per byte, 2 MB of `[1,1,1,...]` / `[[],[],...]`: 6.5 s 403 MB / 3.8 s 487 MB.
#   Terraform directory (8,300 functions, queues and mappings in 4 MB of .tf): 8.7 s, 526 MB;
#     the largest of the corpus' 132 real Terraform directories is 275 KB.
#   Plan JSON (`terraform show -json`): 1.7 MB 1.0 s 79 MB, 8.4 MB 6.3 s 286 MB, 42 MB 31 s 1.3 GB.
#
# CloudFormation itself accepts at most 1 MB of template body (51,200 bytes inline, 1 MB from
# S3), and a SAM template is such a body, so nothing deployable is larger. Generated stacks and
# the scaling benchmark go further (10,000 SAM functions are 8 MB and lint in ~6-8 s, ~450 MB),
# so MAX_TEMPLATE_BYTES is 16 MiB: twice that benchmark and still bounded (worst case per byte
# ~50 s, ~3 GB); a 50 MB template is a one-line error in 0.5 s. Terraform has no such limit:
# MAX_TERRAFORM_BYTES (a directory's .tf/.tf.json together) is 15 times the largest real
# directory. A plan grows with the whole state (tens of MB for a large account), so plans, and
# live JSON, get MAX_BYTES, the most lambdalint reads of any file (about 2 GB of memory at the
# limit: the decoder keeps a position for every node). Over its limit, a file is a one-line
# "too large" error, or, found by walking a directory and not looking like a template, skipped.
MAX_TEMPLATE_BYTES = 16 * 1024 * 1024
MAX_TERRAFORM_BYTES = 4 * 1024 * 1024
MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FileError:
    file: str
    message: str


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)  # active: these decide the exit code
    errors: list[FileError] = field(default_factory=list)
    units: int = 0
    skipped: int = 0
    suppressed: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the run itself, for stderr
    # What was checked, for reports that list passing checks too (JUnit): the rules run, as
    # (id, name), and each linted unit with the ids of the rules that reported on it.
    rules: list[tuple[str, str]] = field(default_factory=list)
    linted: list[tuple[str, frozenset[str]]] = field(default_factory=list)


@dataclass
class LintOptions:
    """What a run needs besides the paths; the CLI builds it from flags and configuration."""

    config: Config | None = None
    baseline: dict[str, dict] | None = None
    baseline_name: str = ""
    report_unused: bool = False
    debug: bool = False
    changed: set[Path] | None = None  # --changed-since: only units touching these files
    var_files: tuple[str, ...] = ()  # --var-file: Terraform variable files, in precedence order
    cfn_lint: bool = False  # --cfn-lint: also run cfn-lint's checks on SAM/CloudFormation units


class GitError(Exception):
    """``--changed-since`` could not ask git; ``str()`` says why."""


def changed_files(ref: str, cwd: Path) -> set[Path]:
    """Files that differ from ``ref`` in the working tree, plus new untracked ones (absolute)."""
    import subprocess

    def git(*args: str) -> str:
        try:
            proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GitError(f"cannot run git: {exc}") from None
        if proc.returncode != 0:
            raise GitError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "git failed")
        return proc.stdout

    top = Path(git("rev-parse", "--show-toplevel").strip())
    names = git("diff", "--name-only", "--no-renames", ref, "--").splitlines()
    names += git("ls-files", "--others", "--exclude-standard", "--full-name").splitlines()
    return {(top / name).resolve() for name in names if name}


def touched(unit: Unit, changed: set[Path]) -> bool:
    path = resolved(unit.path)
    if path.is_dir():
        return any(c.parent == path for c in changed)
    return path in changed


@dataclass(frozen=True, slots=True)
class Unit:
    path: Path
    explicit: bool  # named on the command line (not found by walking a directory)
    error: str = ""  # the walk could not look inside (an unreadable directory): reported as is


class NotATemplate(Exception):
    """The file is readable but is not something lambdalint lints."""


class UnitError(Exception):
    """A unit that cannot be linted; ``str()`` is the one-line reason."""


class TooLarge(UnitError):
    """Over the size limit of its kind (see MAX_TEMPLATE_BYTES)."""


class BinaryFile(UnitError):
    """Not text: a NUL byte near the start, or UTF-16/32."""


class NotRegularFile(UnitError):
    """A FIFO, socket or device: never opened for reading (a FIFO would block forever)."""


class NotUtf8(UnitError):
    """Text that is not valid UTF-8 (CloudFormation and Terraform both require UTF-8)."""


def resolved(path: Path) -> Path:
    """``path.resolve()`` that never raises: a symlink loop (``RuntimeError`` in Python < 3.13)
    or an unreadable parent leaves the absolute path, which is still a usable identity."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):  # ValueError: a NUL byte in the path
        return Path(os.path.abspath(path))


def display_path(path: Path, cwd: Path) -> str:
    try:
        rel = os.path.relpath(path, cwd)
    except ValueError:  # another drive on Windows
        rel = str(path)
    return printable(Path(rel).as_posix())


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 in a file name (os.fsdecode's escape)
        return f"\\x{code - 0xDC00:02x}"
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return match.group().encode("unicode_escape").decode("ascii")


def printable(name: str) -> str:
    """A file name as one printable line of valid Unicode: a name with a newline stays on its
    error line, and one with bytes that are not UTF-8 (``caf\\xe9.yaml``) can be written to a
    UTF-8 report instead of crashing it (the escape shows which bytes they were)."""
    return name if name.isascii() and name.isprintable() else _CONTROL.sub(_escape, name)


def valid_text(text: str) -> str:
    """``text`` without lone surrogates, which no UTF-8 report can hold: Python's ``json``
    decodes a lone ``\\ud800`` escape (an IAM policy or ``jsondecode`` string inside a template)."""
    return text if text.isascii() else _SURROGATE.sub(_escape, text)


def discover(paths: Iterable[str]) -> Iterator[Unit]:
    """Files named explicitly, and template-like files and Terraform directories under
    directories, in sorted order. A ``.tf`` file named explicitly stands for its directory."""
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_file() and path.name.endswith((".tf", ".tf.json")):
            path = path.parent
            key = resolved(path)
            if key not in seen:
                seen.add(key)
                yield Unit(path, explicit=True)
            continue
        if path.is_dir():
            for found in _walk(path):
                key = resolved(found.path)
                if key not in seen:
                    seen.add(key)
                    yield found
        else:
            key = resolved(path) if path.exists() else path
            if key not in seen:
                seen.add(key)
                yield Unit(path, explicit=True)


_LOCAL_SOURCE = re.compile(rb'^\s*source\s*=\s*"(\.\.?/[^"$]*)"', re.MULTILINE)


def _local_modules(directory: Path, filenames: list[str]) -> set[Path]:
    """Directories a Terraform directory calls as local modules (a cheap scan, no parse)."""
    out: set[Path] = set()
    for name in filenames:
        if name.endswith(".tf"):
            try:
                data = read_bytes(directory / name, MAX_TERRAFORM_BYTES)
            except UnitError:  # unreadable, a FIFO, too large: the unit itself reports it
                continue
            for match in _LOCAL_SOURCE.finditer(data):
                out.add(resolved(directory / match.group(1).decode("utf-8", "replace")))
    return out


def _walk(root: Path) -> Iterator[Unit]:
    """Units under ``root``. Symlinked directories are followed, each directory once (by device
    and inode), so a symlink loop ends. A directory that cannot be listed is reported, not
    silently left out: its templates would otherwise go unlinted without anyone knowing."""
    visited: set[tuple[int, int]] = set()
    called: set[Path] = set()
    unreadable: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable.append, followlinks=True):
        while unreadable:
            exc = unreadable.pop()
            where = Path(exc.filename) if exc.filename else root
            yield Unit(where, explicit=False, error=f"cannot read directory: {exc.strerror or exc}")
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        ident = (st.st_dev, st.st_ino)
        if ident in visited:  # a symlink loop
            dirnames[:] = []
            continue
        visited.add(ident)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        if any(n.endswith((".tf", ".tf.json")) for n in filenames):
            here = Path(dirpath)
            if resolved(here) not in called:
                yield Unit(here, explicit=False)
            called |= _local_modules(here, filenames)
        for name in sorted(filenames):
            if Path(name).suffix.lower() in TEMPLATE_SUFFIXES:
                yield Unit(Path(dirpath) / name, explicit=False)
    while unreadable:  # the root itself, or the last directory listed
        exc = unreadable.pop()
        yield Unit(Path(exc.filename) if exc.filename else root, explicit=False,
                   error=f"cannot read directory: {exc.strerror or exc}")


_SPECIAL_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                  (stat.S_ISBLK, "a block device"))


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _check_regular(st: os.stat_result, size_limit: int) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise UnitError("is a directory")
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _SPECIAL_KINDS if test(st.st_mode)), "not a file")
        raise NotRegularFile(f"not a regular file ({kind}): only regular files are read")
    if st.st_size > size_limit:
        raise TooLarge(f"file is {_megabytes(st.st_size)}, larger than the {size_limit // 2**20} MiB lambdalint reads")


def read_bytes(path: Path, size_limit: int = MAX_BYTES) -> bytes:
    """A regular file's bytes, at most ``size_limit`` of them, or a one-line ``UnitError``.

    Only regular files are opened, and with O_NONBLOCK: a FIFO named ``template.yaml`` would
    otherwise block ``open`` until some writer appeared, a device like ``/dev/zero`` would
    never end. The type is checked before opening and again on the open descriptor (the path
    may be replaced in between), and the read stops one byte past the limit (the file may grow).
    """
    try:
        _check_regular(os.stat(path), size_limit)
    except FileNotFoundError:
        raise UnitError("broken symbolic link" if os.path.islink(path) else "no such file") from None
    except OSError as exc:
        raise UnitError(f"cannot read: {exc.strerror or exc}") from None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise UnitError("no such file") from None
    except OSError as exc:
        raise UnitError(f"cannot read: {exc.strerror or exc}") from None
    with open(fd, "rb", closefd=True) as handle:
        try:
            _check_regular(os.fstat(fd), size_limit)
            data = handle.read(size_limit + 1)
        except OSError as exc:
            raise UnitError(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > size_limit:
        raise TooLarge(f"file is larger than the {size_limit // 2**20} MiB lambdalint reads")
    return data


_UTF16_32_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"),
                  (b"\xfe\xff", "UTF-16"))


def text_of(data: bytes) -> str:
    """Validated UTF-8 text of a file's bytes, or ``BinaryFile`` / ``NotUtf8`` with the place."""
    for bom, name in _UTF16_32_BOMS:
        if data.startswith(bom):
            raise BinaryFile(f"encoded as {name}: templates and Terraform files must be UTF-8")
    nul = data.find(b"\x00", 0, 8192)
    if nul != -1:
        raise BinaryFile(f"binary file (NUL byte at offset {nul}), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise NotUtf8(f"not valid UTF-8: byte 0x{data[exc.start]:02x} at line {line}, column {column}") from None


def read_text(path: Path, size_limit: int = MAX_BYTES) -> str:
    """A regular file's text: see ``read_bytes`` and ``text_of``."""
    return text_of(read_bytes(path, size_limit))


# What makes a file found by walking a directory worth an error when it cannot be read: it says
# it is a template, a plan or a snapshot. Anything else found by walking (a data file, a locked
# git-crypt file, a FIFO, a Latin-1 README.yaml) is skipped like every other non-template, so
# `lambdalint check .` fails only on what it was meant to lint. A file named explicitly is always
# an error when it cannot be read: the user asked for that very file.
_TEMPLATE_MARKS = (b"AWSTemplateFormatVersion", b"AWS::", b'"format_version"', b'"lambdalint_snapshot"')
_GIT_CRYPT = b"\x00GITCRYPT\x00"


def _looks_linted(data: bytes) -> bool:
    return any(mark in data for mark in _TEMPLATE_MARKS)


def _head(path: Path, size: int = 65536) -> bytes:
    """The first bytes of a file too large to read whole (only to decide error or skip)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return b""
    with open(fd, "rb", closefd=True) as handle:
        try:
            return handle.read(size)
        except OSError:
            return b""


def _unit_text(unit: Unit) -> str:
    """The text of a single-file unit, under the general MAX_BYTES limit (see _TEMPLATE_MARKS)."""
    try:
        data = read_bytes(unit.path)
    except (NotRegularFile, TooLarge) as exc:
        if unit.explicit or (isinstance(exc, TooLarge) and _looks_linted(_head(unit.path))):
            raise
        raise NotATemplate(str(exc)) from None
    if data.startswith(_GIT_CRYPT):
        if unit.explicit:
            raise BinaryFile("encrypted by git-crypt (locked): `git-crypt unlock` to lint it")
        raise NotATemplate("git-crypt encrypted")
    try:
        return text_of(data)
    except BinaryFile:
        if unit.explicit:
            raise
        raise NotATemplate("binary file") from None
    except NotUtf8:
        if unit.explicit or _looks_linted(data):
            raise
        raise NotATemplate("not UTF-8 text") from None


def _declared_template_error(data: object) -> str | None:
    """Why a document that declares itself a template (``AWSTemplateFormatVersion``, or the SAM
    transform) has no resources CloudFormation would accept; None when it does not declare it.
    A YAML file that does not declare itself is skipped instead: it may be anything."""
    from lambdalint.parsers.cloudformation import SAM_TRANSFORM

    if not isinstance(data, dict):
        return None
    transform = data.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    if "AWSTemplateFormatVersion" not in data and SAM_TRANSFORM not in transforms:
        return None
    if "Resources" not in data:
        return "no Resources section: CloudFormation requires at least one resource"
    resources = data["Resources"]
    if resources is None or resources == {}:
        return "Resources is empty: CloudFormation requires at least one resource"
    if not isinstance(resources, dict):
        kinds = ((list, "a list"), (str, "a string"), (bool, "a boolean"), (int, "a number"), (float, "a number"))
        kind = next((name for cls, name in kinds if isinstance(resources, cls)), type(resources).__name__)
        return f"Resources is {kind}, not a mapping of logical IDs to resources"
    return None


def load_model(unit: Unit, file: str, var_files: tuple[str, ...] = ()):  # -> Model
    """Parse one unit into the model, or raise NotATemplate / UnitError."""
    from lambdalint.parsers.cloudformation import build, is_template
    from lambdalint.parsers.decode import DecodeError, decode

    if unit.path.is_dir():
        return _load_terraform(unit, file, var_files)
    text = _unit_text(unit)
    if '"format_version"' in text and ('"planned_values"' in text or '"resource_changes"' in text):
        plan = _load_plan(unit, file, text)
        if plan is not None:
            return plan
    if any(hint in text for hint in _LIVE_HINTS):
        live = _load_live(unit, file, text)
        if live is not None:
            return live
    declares = "AWSTemplateFormatVersion" in text or "AWS::" in text
    if "Resources" not in text and "AWSTemplateFormatVersion" not in text:
        raise NotATemplate("no Resources section")
    size = len(text.encode("utf-8")) if not text.isascii() else len(text)
    if size > MAX_TEMPLATE_BYTES:
        if not (declares or unit.explicit):
            raise NotATemplate("large file that is not a template")
        raise TooLarge(
            f"template is {_megabytes(size)}: CloudFormation accepts at most 1 MB, and lambdalint reads"
            f" templates up to {MAX_TEMPLATE_BYTES // 2**20} MiB"
        )
    try:
        doc = decode(text)
    except DecodeError as exc:
        if declares or unit.explicit:
            raise UnitError(str(exc)) from None
        raise NotATemplate(str(exc)) from None
    fmt = is_template(doc.data)
    if fmt is None:
        reason = _declared_template_error(doc.data)
        if reason is not None:
            raise UnitError(reason)
        raise NotATemplate("not a CloudFormation or SAM template")
    return build(doc, file, fmt)


def _load_terraform(unit: Unit, file: str, var_files: tuple[str, ...]):  # -> Model
    from lambdalint.parsers.terraform import is_terraform_dir, load_directory
    from lambdalint.parsers.terraform.modules import TerraformError

    if not is_terraform_dir(unit.path):
        raise NotATemplate("no Terraform files")
    total = _terraform_bytes(unit.path)
    if total > MAX_TERRAFORM_BYTES:
        raise TooLarge(
            f"Terraform files total {_megabytes(total)}, more than the {MAX_TERRAFORM_BYTES // 2**20} MiB"
            " lambdalint reads in one directory"
        )
    try:
        return load_directory(unit.path, file, var_files)
    except TerraformError as exc:
        raise UnitError(str(exc)) from None


def _terraform_bytes(directory: Path) -> int:
    """Total size of a directory's ``.tf`` / ``.tf.json`` regular files (stat only, no read)."""
    total = 0
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.endswith((".tf", ".tf.json")):
                    try:
                        if entry.is_file():
                            total += entry.stat().st_size
                    except OSError:
                        continue
    except OSError:
        return 0
    return total


# Keys only live Lambda JSON has (AWS CLI output, audit snapshots); see lambdalint.parsers.live.
_LIVE_HINTS = ('"lambdalint_snapshot"', '"FunctionArn"', '"EventSourceMappings"')


def _load_live(unit: Unit, file: str, text: str):  # -> Model | None
    """AWS CLI Lambda output or an audit snapshot; None when the JSON is something else."""
    from lambdalint.parsers.decode import DecodeError
    from lambdalint.parsers.live import build, decode_json, is_live

    if not text.lstrip("\ufeff \t\r\n").startswith("{"):
        return None
    try:
        doc = decode_json(text)
    except DecodeError as exc:
        if unit.explicit:
            raise UnitError(str(exc)) from None
        raise NotATemplate(str(exc)) from None
    return build(doc, file) if is_live(doc.data) else None


def _load_plan(unit: Unit, file: str, text: str):  # -> Model | None
    """A ``terraform show -json`` plan; None when the JSON is something else."""
    from lambdalint.parsers.decode import DecodeError, decode
    from lambdalint.parsers.terraform import is_plan, is_terraform_dir, load_plan

    try:
        doc = decode(text)
    except DecodeError as exc:
        if unit.explicit:
            raise UnitError(str(exc)) from None
        raise NotATemplate(str(exc)) from None
    if not is_plan(doc.data):
        return None
    if not unit.explicit and is_terraform_dir(unit.path.parent):
        # Found next to its source while walking: the source directory is linted itself.
        raise NotATemplate("plan of a Terraform directory that is linted from source")
    return load_plan(unit.path, file, text, doc.data)


def _skip_cfnlint_suppressions(suppressor, model) -> None:  # (UnitSuppressor, Model)
    """Mark suppressions that name only cfn-lint rules as used: without ``--cfn-lint`` they
    could not match anything, and a pre-commit run without the flag must not call them stale."""
    def cfn(key: str) -> bool:
        return key.lower().startswith("cfn-lint:")

    for directive in suppressor.directives:
        directive.used = directive.used or all(cfn(key) for key in directive.keys)
    for scope, entries in model.metadata_ignores.items():
        suppressor.used_metadata.update((scope, key) for key, _reason in entries if cfn(key))


def _one_line(message: str) -> str:
    """Errors are one line per file (reporters and CI annotations depend on it), valid Unicode."""
    return printable(valid_text(" ".join(message.split()) if "\n" in message or "\r" in message else message))


def _valid_finding(finding: Finding) -> Finding:
    """A finding whose texts a UTF-8 report can hold (see ``valid_text``); most are ASCII."""
    texts = [finding.message, finding.resource, finding.loc.file]
    texts += [part for rel in finding.related for part in (rel.message, rel.resource, rel.loc.file if rel.loc else "")]
    if all(text.isascii() for text in texts):
        return finding
    from dataclasses import replace

    related = tuple(
        replace(rel, message=valid_text(rel.message), resource=valid_text(rel.resource),
                loc=replace(rel.loc, file=printable(rel.loc.file)) if rel.loc else None)
        for rel in finding.related
    )
    return replace(finding, message=valid_text(finding.message), resource=valid_text(finding.resource),
                   loc=replace(finding.loc, file=printable(finding.loc.file)), related=related)


def _unit_findings(model, ruleset: RuleSet, opts: LintOptions, rules_by_id: dict, suppressor_type) -> list[Finding]:
    """One unit's findings, suppressions applied (kept apart so a failure drops only this unit)."""
    config = opts.config
    suppressor = suppressor_type.for_model(model)
    found: list[Finding] = []
    for finding in run_rules(model, ruleset, opts.debug):
        rule = rules_by_id.get(finding.rule_id)
        if config is not None and rule is not None and config.ignored_for_path(finding.loc.file, rule):
            continue
        found.append(_valid_finding(suppressor.apply(finding)))
    if opts.cfn_lint:  # imported only on request: cfn-lint costs over a second to import
        from lambdalint.cfnlint_bridge import unit_findings

        found.extend(_valid_finding(suppressor.apply(finding)) for finding in unit_findings(model, opts.debug))
    if opts.report_unused:
        if not opts.cfn_lint:  # a cfn-lint suppression is not "unused" in a run without cfn-lint
            _skip_cfnlint_suppressions(suppressor, model)
        found.extend(_valid_finding(finding) for finding in suppressor.unused())
    return found


# Units at or above this count are linted in worker processes (when --jobs allows more than
# one): below it, starting workers costs more than it saves (a pre-commit run is a few files).
PARALLEL_MIN_UNITS = 24

# State a forked worker inherits instead of receiving it with every unit.
_WORKER: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class UnitOutcome:
    """What one unit contributed: its findings, or the one-line error, or that it was skipped."""

    status: str  # "linted" | "skipped" | "error"
    findings: tuple[Finding, ...] = ()
    error: FileError | None = None


def lint_unit(unit: Unit, file: str, ruleset: RuleSet, opts: LintOptions, rules_by_id: dict) -> UnitOutcome:
    """Parse one unit and run the rules on it; every failure becomes that unit's error only."""
    from lambdalint.suppress import UnitSuppressor

    config = opts.config
    if opts.changed is not None and not touched(unit, opts.changed):
        return UnitOutcome("skipped")
    if config is not None and config.excluded(file) and not unit.explicit:
        return UnitOutcome("skipped")
    if unit.error:
        return UnitOutcome("error", error=FileError(file, _one_line(unit.error)))
    try:
        model = load_model(unit, file, opts.var_files)
    except NotATemplate:
        return UnitOutcome("skipped")
    except UnitError as exc:
        return UnitOutcome("error", error=FileError(file, _one_line(str(exc))))
    except RecursionError:
        return UnitOutcome("error", error=FileError(file, "structure nested too deeply to analyse"))
    except MemoryError:
        return UnitOutcome("error", error=FileError(file, "out of memory while reading it"))
    except Exception as exc:
        if opts.debug:
            raise
        reason = f"internal error while reading the template: {type(exc).__name__}: {exc}"
        return UnitOutcome("error", error=FileError(file, _one_line(reason)))
    try:
        found = _unit_findings(model, ruleset, opts, rules_by_id, UnitSuppressor)
    except Exception as exc:  # rules are guarded one by one; this is suppressions, cfn-lint
        if opts.debug:
            raise
        reason = f"internal error while linting: {type(exc).__name__}: {exc}"
        return UnitOutcome("error", error=FileError(file, _one_line(reason)))
    return UnitOutcome("linted", tuple(found))


def _worker_lint(job: tuple[Unit, str]) -> UnitOutcome:
    unit, file = job
    return lint_unit(unit, file, _WORKER["ruleset"], _WORKER["opts"], _WORKER["rules_by_id"])


def default_jobs() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _outcomes(jobs_list: list[tuple[Unit, str]], ruleset: RuleSet, opts: LintOptions, rules_by_id: dict,
              jobs: int, notes: list[str]) -> Iterator[UnitOutcome]:
    """Outcomes in discovery order, from worker processes when the input is large enough.

    A worker that dies (the OOM killer, a crash in a C extension) breaks the whole pool; the units
    not yet reported are then linted here, one by one, so the run still completes with every unit,
    and a note says why it got slower.
    """
    done = 0
    if jobs > 1 and len(jobs_list) >= PARALLEL_MIN_UNITS:
        import multiprocessing  # ~6 ms: not for a pre-commit run of a few files

        if "fork" in multiprocessing.get_all_start_methods():
            from concurrent.futures import ProcessPoolExecutor
            from concurrent.futures.process import BrokenProcessPool

            _WORKER.update(ruleset=ruleset, opts=opts, rules_by_id=rules_by_id)
            try:
                context = multiprocessing.get_context("fork")
                with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                    chunk = max(1, len(jobs_list) // (jobs * 8))
                    for outcome in pool.map(_worker_lint, jobs_list, chunksize=chunk):
                        yield outcome
                        done += 1
                return
            except BrokenProcessPool:
                notes.append(f"a worker process died; linting the remaining {len(jobs_list) - done} "
                             "units in the main process")
            finally:
                _WORKER.clear()
    for unit, file in jobs_list[done:]:
        yield lint_unit(unit, file, ruleset, opts, rules_by_id)


def lint(paths: Iterable[str], ruleset: RuleSet, cwd: Path | None = None, debug: bool = False,
         options: LintOptions | None = None, jobs: int = 1) -> LintResult:
    """Lint every unit under ``paths``. ``jobs`` > 1 lints large inputs in that many processes;
    the output is the same, in the same order, whatever ``jobs`` is."""
    from lambdalint.suppress import apply_baseline, unused_baseline

    cwd = cwd or Path.cwd()
    opts = options or LintOptions(debug=debug)
    rules_by_id = {rule.id: rule for rule in all_rules()}
    result = LintResult()
    found: list[Finding] = []
    jobs_list = [(unit, display_path(unit.path, cwd)) for unit in discover(paths)]
    result.rules = [(rule.id, rule.name) for rule in ruleset.rules]
    outcomes = _outcomes(jobs_list, ruleset, opts, rules_by_id, jobs, result.notes)
    for (_unit, file), outcome in zip(jobs_list, outcomes, strict=True):
        if outcome.status == "skipped":
            result.skipped += 1
        elif outcome.error is not None:
            result.errors.append(outcome.error)
        else:
            result.units += 1
            result.linted.append((file, frozenset(f.rule_id for f in outcome.findings)))
            found.extend(outcome.findings)
    if opts.baseline is not None:
        found, used = apply_baseline(found, opts.baseline, opts.baseline_name)
        if opts.report_unused:
            found.extend(unused_baseline(opts.baseline, used, opts.baseline_name))
    result.findings = sorted((f for f in found if f.suppression is None), key=Finding.sort_key)
    result.suppressed = sorted((f for f in found if f.suppression is not None), key=Finding.sort_key)
    result.errors.sort(key=lambda e: e.file)
    return result
