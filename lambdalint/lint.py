"""From paths to findings: discover lint units, parse each into the model, run the rules.

A unit is a template file, a Terraform directory (all its ``*.tf`` / ``*.tf.json`` files
together: resources span files), or a Terraform plan JSON (recognized by content). A directory
that another Terraform unit of the same walk calls as a local module (``source = "./modules/x"``)
is linted through that call, with its inputs, and not again on its own.

A unit that cannot be read or parsed becomes one ``FileError`` (a one-line reason naming the
file); the other units are still linted. Files that are not templates (a workflow YAML, a
package.json) are skipped silently, so a pre-commit hook can pass every YAML/JSON file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lambdalint.config import Config
from lambdalint.engine import Finding, RuleSet, all_rules, run_rules

SKIP_DIRS = {".git", "node_modules", ".aws-sam", ".terraform", "cdk.out", "__pycache__", ".venv", ".tox"}
TEMPLATE_SUFFIXES = {".yaml", ".yml", ".json", ".template"}
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
    path = unit.path.resolve()
    if path.is_dir():
        return any(c.parent == path for c in changed)
    return path in changed


@dataclass(frozen=True, slots=True)
class Unit:
    path: Path
    explicit: bool  # named on the command line (not found by walking a directory)


class NotATemplate(Exception):
    """The file is readable but is not something lambdalint lints."""


class UnitError(Exception):
    """A unit that cannot be linted; ``str()`` is the one-line reason."""


def display_path(path: Path, cwd: Path) -> str:
    try:
        rel = os.path.relpath(path, cwd)
    except ValueError:  # another drive on Windows
        rel = str(path)
    return Path(rel).as_posix()


def discover(paths: Iterable[str]) -> Iterator[Unit]:
    """Files named explicitly, and template-like files and Terraform directories under
    directories, in sorted order. A ``.tf`` file named explicitly stands for its directory."""
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_file() and path.name.endswith((".tf", ".tf.json")):
            path = path.parent
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                yield Unit(path, explicit=True)
            continue
        if path.is_dir():
            for found in _walk(path):
                key = found.resolve()
                if key not in seen:
                    seen.add(key)
                    yield Unit(found, explicit=False)
        else:
            key = path.resolve() if path.exists() else path
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
                data = (directory / name).read_bytes()
            except OSError:
                continue
            for match in _LOCAL_SOURCE.finditer(data):
                try:
                    out.add((directory / match.group(1).decode("utf-8", "replace")).resolve())
                except (OSError, RuntimeError):
                    continue
    return out


def _walk(root: Path) -> Iterator[Path]:
    visited: set[tuple[int, int]] = set()
    called: set[Path] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
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
            if here.resolve() not in called:
                yield here
            called |= _local_modules(here, filenames)
        for name in sorted(filenames):
            if Path(name).suffix.lower() in TEMPLATE_SUFFIXES:
                yield Path(dirpath) / name


def read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise UnitError("no such file") from None
    except OSError as exc:
        raise UnitError(f"cannot read: {exc.strerror or exc}") from None
    if size > MAX_BYTES:
        raise UnitError(f"file is {size / 1e6:.0f} MB, larger than the {MAX_BYTES // 2**20} MiB limit")
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise UnitError("is a directory") from None
    except OSError as exc:
        raise UnitError(f"cannot read: {exc.strerror or exc}") from None
    if b"\x00" in data[:8192]:
        raise NotATemplate("binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnitError(f"not valid UTF-8 (byte {exc.start})") from None


def load_model(unit: Unit, file: str, var_files: tuple[str, ...] = ()):  # -> Model
    """Parse one unit into the model, or raise NotATemplate / UnitError."""
    from lambdalint.parsers.cloudformation import build, is_template
    from lambdalint.parsers.decode import DecodeError, decode

    if unit.path.is_dir():
        return _load_terraform(unit, file, var_files)
    text = read_text(unit.path)
    if '"format_version"' in text and ('"planned_values"' in text or '"resource_changes"' in text):
        plan = _load_plan(unit, file, text)
        if plan is not None:
            return plan
    if any(hint in text for hint in _LIVE_HINTS):
        live = _load_live(unit, file, text)
        if live is not None:
            return live
    if "Resources" not in text:
        raise NotATemplate("no Resources section")
    try:
        doc = decode(text)
    except DecodeError as exc:
        if "AWS::" in text or "AWSTemplateFormatVersion" in text or unit.explicit:
            raise UnitError(str(exc)) from None
        raise NotATemplate(str(exc)) from None
    fmt = is_template(doc.data)
    if fmt is None:
        raise NotATemplate("not a CloudFormation or SAM template")
    return build(doc, file, fmt)


def _load_terraform(unit: Unit, file: str, var_files: tuple[str, ...]):  # -> Model
    from lambdalint.parsers.terraform import is_terraform_dir, load_directory
    from lambdalint.parsers.terraform.modules import TerraformError

    if not is_terraform_dir(unit.path):
        raise NotATemplate("no Terraform files")
    try:
        return load_directory(unit.path, file, var_files)
    except TerraformError as exc:
        raise UnitError(str(exc)) from None


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


def lint(paths: Iterable[str], ruleset: RuleSet, cwd: Path | None = None, debug: bool = False,
         options: LintOptions | None = None) -> LintResult:
    from lambdalint.suppress import UnitSuppressor, apply_baseline, unused_baseline

    cwd = cwd or Path.cwd()
    opts = options or LintOptions(debug=debug)
    config = opts.config
    rules_by_id = {rule.id: rule for rule in all_rules()}
    result = LintResult()
    found: list[Finding] = []
    for unit in discover(paths):
        file = display_path(unit.path, cwd)
        if opts.changed is not None and not touched(unit, opts.changed):
            result.skipped += 1
            continue
        if config is not None and config.excluded(file) and not unit.explicit:
            result.skipped += 1
            continue
        try:
            model = load_model(unit, file, opts.var_files)
        except NotATemplate:
            result.skipped += 1
            continue
        except UnitError as exc:
            result.errors.append(FileError(file, str(exc)))
            continue
        except RecursionError:
            result.errors.append(FileError(file, "structure nested too deeply to analyse"))
            continue
        except Exception as exc:
            if opts.debug:
                raise
            reason = f"internal error while reading the template: {type(exc).__name__}: {exc}"
            result.errors.append(FileError(file, reason))
            continue
        result.units += 1
        suppressor = UnitSuppressor.for_model(model)
        for finding in run_rules(model, ruleset, opts.debug):
            rule = rules_by_id.get(finding.rule_id)
            if config is not None and rule is not None and config.ignored_for_path(finding.loc.file, rule):
                continue
            found.append(suppressor.apply(finding))
        if opts.cfn_lint:  # imported only on request: cfn-lint costs over a second to import
            from lambdalint.cfnlint_bridge import unit_findings

            found.extend(suppressor.apply(finding) for finding in unit_findings(model, opts.debug))
        if opts.report_unused:
            if not opts.cfn_lint:  # a cfn-lint suppression is not "unused" in a run without cfn-lint
                _skip_cfnlint_suppressions(suppressor, model)
            found.extend(suppressor.unused())
    if opts.baseline is not None:
        found, used = apply_baseline(found, opts.baseline, opts.baseline_name)
        if opts.report_unused:
            found.extend(unused_baseline(opts.baseline, used, opts.baseline_name))
    result.findings = sorted((f for f in found if f.suppression is None), key=Finding.sort_key)
    result.suppressed = sorted((f for f in found if f.suppression is not None), key=Finding.sort_key)
    result.errors.sort(key=lambda e: e.file)
    return result
