"""The body of ``lambdalint audit`` (the click command in ``lambdalint.cli`` only parses flags).

Exit codes: 0 a complete audit with nothing at or above ``--fail-on``; 1 a complete audit with
findings at or above it; 3 a *partial* audit, findings or not (some call was denied or failed, or
an account's role could not be assumed: the warnings on stderr name the permission and the checks
it disables, and the report still lists every finding the audit could establish), so a clean
result is never mistaken for a complete one; 2 the audit could not run at all (no credentials or
region, a bad option, nothing reachable) or the snapshot could not be written. Operations an
endpoint does not implement (HTTP 404, ``UnknownOperation``) are notes, not a partial audit: the
values they would give are unknown and no rule reports from them.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from lambdalint.audit import EXIT_PARTIAL, render

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@dataclass
class AuditOptions:
    regions: tuple[str, ...] = ()
    all_regions: bool = False
    profile: str | None = None
    role_arns: tuple[str, ...] = ()
    accounts_from: str | None = None
    role_name: str | None = None
    save: str | None = None
    fmt: str = "text"
    output: str | None = None
    fail_on: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    config_path: str | None = None
    baseline: str | None = None
    write_baseline: str | None = None
    workers: int = 16
    progress: bool | None = None  # None: on when stderr is a terminal
    debug: bool = False
    omit_suppressed: bool = False  # leave them out of the report (GitHub ignores SARIF suppressions)


def _ruleset(opts: AuditOptions) -> tuple[Any, Any]:
    from lambdalint import config as configuration
    from lambdalint.engine import RuleSet, all_rules

    rules = all_rules()
    try:
        found = Path(opts.config_path) if opts.config_path else configuration.find()
        cfg = configuration.load(found, rules)
    except configuration.ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    for key in (*opts.select, *opts.ignore):
        if not any(configuration.matches(r, key) for r in rules):
            raise click.UsageError(f"no rule matches {key!r} (see `lambdalint rules`)")
    chosen = configuration.choose(rules, list(opts.select) or cfg.select, list(opts.ignore) or cfg.ignore)
    return RuleSet(chosen, options=cfg.options, severities=cfg.severity), cfg


def lint_snapshot_text(text: str, file: str, ruleset: Any, options: Any) -> Any:
    """Lint an in-memory snapshot as ``lint()`` lints a file, with values located in
    ``ACCOUNT/REGION`` (see ``lambdalint.parsers.live``)."""
    from lambdalint.engine import Finding, all_rules, run_rules
    from lambdalint.lint import LintResult
    from lambdalint.parsers.live import build, decode_json
    from lambdalint.suppress import UnitSuppressor, apply_baseline, unused_baseline

    result = LintResult()
    model = build(decode_json(text), file, virtual=True)
    result.units = 1
    rules_by_id = {rule.id: rule for rule in all_rules()}
    suppressor = UnitSuppressor.for_model(model)
    found: list[Finding] = []
    for finding in run_rules(model, ruleset, options.debug):
        rule = rules_by_id.get(finding.rule_id)
        if options.config is not None and rule is not None and options.config.ignored_for_path(finding.loc.file, rule):
            continue
        found.append(suppressor.apply(finding))
    if options.report_unused:
        found.extend(suppressor.unused())
    if options.baseline is not None:
        found, used = apply_baseline(found, options.baseline, options.baseline_name)
        if options.report_unused:
            found.extend(unused_baseline(options.baseline, used, options.baseline_name))
    result.rules = [(rule.id, rule.name) for rule in ruleset.rules]
    result.linted = [(file, frozenset(f.rule_id for f in found))]
    result.findings = sorted((f for f in found if f.suppression is None), key=Finding.sort_key)
    result.suppressed = sorted((f for f in found if f.suppression is not None), key=Finding.sort_key)
    return result


def _write_private(path: Path, text: str) -> None:
    """Write the snapshot readable by its owner only: it holds environment variable values."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def resource_arns(snapshot: dict[str, Any]) -> dict[str, str]:
    """Resource id -> ARN for every resource of the snapshot (what findings name by id)."""
    from lambdalint.parsers.decode import Document
    from lambdalint.parsers.live import build

    model = build(Document(snapshot, "", True), "snapshot")
    return {res.id: res.arn for res in model.resources() if res.arn and res.arn.startswith("arn:")}


def _report(fmt: str, result: Any, audit: dict[str, Any], arns: dict[str, str]) -> str:
    """The chosen format, with the audit's own facts where the format has room for them: the
    audit summary and warnings, and each finding's resource ARN (JSON ``arn``; SARIF
    ``logicalLocations[].fullyQualifiedName``)."""
    from lambdalint.reporters import get

    if fmt == "json":
        payload = json.loads(get("json")(result))
        for entry in [*payload.get("findings", []), *payload.get("suppressed", [])]:
            if entry.get("resource") in arns:
                entry["arn"] = arns[entry["resource"]]
        payload["audit"] = audit
        return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        from lambdalint.reporters import sarif

        log = sarif.build(result)
        for res in log["runs"][0].get("results", []):
            for location in [*res.get("locations", []), *res.get("relatedLocations", [])]:
                for logical in location.get("logicalLocations", []):
                    if logical.get("name") in arns:
                        logical["fullyQualifiedName"] = arns[logical["name"]]
        notes = [{"level": "warning" if w["kind"] != "unavailable" else "note", "message": {"text": w["text"]}}
                 for w in audit["warnings"]]
        notes += [{"level": "warning", "message": {"text": text}} for text in audit["unreachable"]]
        if notes:
            invocation = log["runs"][0]["invocations"][0]
            invocation.setdefault("toolExecutionNotifications", []).extend(notes)
        return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
    return get(fmt)(result)


def summarize(issues: list[Any]) -> list[tuple[str, str]]:
    """One stderr line per kind of failure: the same call denied in 17 regions is one warning
    naming the scopes (the JSON report keeps one entry per scope)."""
    groups: dict[tuple[str, str, str], list[Any]] = {}
    for issue in issues:
        groups.setdefault((issue.op.action, issue.kind, issue.code), []).append(issue)
    out = []
    for (_, kind, _), group in groups.items():
        level = "note" if kind == "unavailable" else "warning"
        if len(group) == 1:
            out.append((level, group[0].text()))
            continue
        scopes = [f"{i.account}/{i.region}" if i.region else i.account for i in group]
        where = ", ".join(scopes[:3]) + (f" and {len(scopes) - 3} more" if len(scopes) > 3 else "")
        first = group[0].text().split(": ", 1)[1]
        out.append((level, f"{len(scopes)} regions ({where}): {first}"))
    return out


def run(opts: AuditOptions) -> int:
    from lambdalint import __version__
    from lambdalint.audit.fetch import Fetcher, Recorder
    from lambdalint.audit.progress import Progress
    from lambdalint.audit.session import AuditSetupError, plan
    from lambdalint.lint import LintOptions, display_path, lint
    from lambdalint.rule import Severity
    from lambdalint.suppress import BaselineError, read_baseline
    from lambdalint.suppress import write_baseline as save_baseline

    ruleset, cfg = _ruleset(opts)
    options = LintOptions(config=cfg, debug=opts.debug)
    baseline = opts.baseline or cfg.baseline
    if baseline and not opts.write_baseline:
        try:
            options.baseline = read_baseline(Path(baseline))
        except BaselineError as exc:
            raise click.UsageError(str(exc)) from None
        options.baseline_name = Path(baseline).name
    if opts.regions and opts.all_regions:
        raise click.UsageError("--region and --all-regions exclude each other")

    progress = Progress(enabled=opts.progress)
    recorder = Recorder()
    fetcher = Fetcher(workers=opts.workers, progress=progress, recorder=recorder)
    started = datetime.now(UTC)
    try:
        try:
            targets = plan(fetcher, opts.profile, opts.regions, opts.all_regions, opts.role_arns,
                           opts.accounts_from, opts.role_name)
        except AuditSetupError as exc:
            progress.close()
            click.echo(f"lambdalint audit: error: {exc}", err=True)
            return EXIT_ERROR
        meta = {
            "tool": f"lambdalint {__version__}",
            "created": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "caller_account": targets.caller_account,
        }
        snapshot = fetcher.audit(targets.targets, meta)
        fetched = datetime.now(UTC)
    finally:
        fetcher.close()
        progress.close()

    issues = fetcher.sorted_issues()
    for level, text in summarize(issues):
        click.echo(f"lambdalint audit: {level}: {text}", err=True)
    unreachable = [f"{a}: cannot assume role" if ":" not in a else a for a in fetcher.assume_failures]
    unreachable += [f"{scope}: credentials rejected, region not audited" for scope in fetcher.fatal]
    for text in unreachable:
        click.echo(f"lambdalint audit: warning: {text}", err=True)
    partial = bool(unreachable) or any(i.kind in ("denied", "failed", "credentials") for i in issues)

    text = render(snapshot)
    if opts.save:
        path = Path(opts.save)
        try:
            _write_private(path, text)
        except OSError as exc:
            click.echo(f"lambdalint audit: error: cannot write {opts.save}: {exc.strerror or exc}", err=True)
            return EXIT_ERROR
        result = lint([str(path)], ruleset, options=options)
        snapshot_file: str | None = display_path(path, Path.cwd())
    else:
        accounts = snapshot["accounts"]
        file = next(iter(accounts), "aws") if len(accounts) == 1 else "aws"
        result = lint_snapshot_text(text, file, ruleset, options)
        snapshot_file = None
    if opts.omit_suppressed:
        result.suppressed = []

    functions = sum(len(r.get("functions") or {}) for a in snapshot["accounts"].values()
                    for r in a["regions"].values() if "Error" not in (r.get("functions") or {}))
    audit_info = {
        "partial": partial,
        "snapshot": snapshot_file,
        "scopes": [f"{a}/{r}" for a, acct in snapshot["accounts"].items() for r in acct["regions"]],
        "functions": functions,
        "warnings": [{**i.as_dict(), "text": i.text()} for i in issues],
        "unreachable": unreachable,
        "api_calls": dict(sorted(recorder.calls.items())),
        "api_call_total": recorder.total,
        "http_attempts": recorder.attempts,
        "fetch_seconds": round((fetched - started).total_seconds(), 3),
        "seconds": round((datetime.now(UTC) - started).total_seconds(), 3),
    }
    if opts.write_baseline:
        count = save_baseline(Path(opts.write_baseline), result.findings)
        click.echo(f"wrote {count} finding{'s' if count != 1 else ''} to {opts.write_baseline}", err=True)
        return EXIT_PARTIAL if partial else EXIT_OK
    out = _report(opts.fmt, result, audit_info, resource_arns(snapshot) if opts.fmt in ("json", "sarif") else {})
    if opts.output:
        with open(opts.output, "w", encoding="utf-8") as handle:
            handle.write(out)
    else:
        click.echo(out, nl=False)
    for err in result.errors:
        click.echo(f"{err.file}: error: {err.message}", err=True)
    if result.errors:
        return EXIT_ERROR
    if partial:
        return EXIT_PARTIAL
    threshold = Severity(opts.fail_on or cfg.fail_on or "warning").rank
    if any(f.severity.rank >= threshold for f in result.findings):
        return EXIT_FINDINGS
    return EXIT_OK


def main(opts: AuditOptions) -> None:
    sys.exit(run(opts))
