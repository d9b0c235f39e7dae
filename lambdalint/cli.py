"""Command line. Imports stay inside commands so `lambdalint check` pays only for what it uses.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 a usage error or
a file that could not be read or parsed (the other files are still linted).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lambdalint")
def cli() -> None:
    """Static configuration linter for AWS Lambda wiring."""


FORMATS = ["text", "json", "sarif", "github", "junit", "parsable"]


def report_options(command: Callable[..., None]) -> Callable[..., None]:
    """What to report and how, the same for `check` and `audit`: one CI recipe fits both."""
    options = [
        click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                     help="Output format."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
                     help="Write the report to FILE instead of stdout."),
        click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None,
                     help="Lowest severity that makes the exit code 1 [default: warning, or the config's fail-on]."),
        click.option("--select", multiple=True, help="Only run these rules (id, name, id prefix or tag); repeatable."),
        click.option("--ignore", multiple=True, help="Skip these rules (id, name, id prefix or tag); repeatable."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True), default=None,
                     help="Configuration file [default: .lambdalint.toml/.lambdalint.yaml/pyproject.toml found "
                          "upward from the working directory]."),
        click.option("--baseline", type=click.Path(dir_okay=False), default=None,
                     help="Suppress the findings recorded in this baseline file."),
        click.option("--omit-suppressed", is_flag=True,
                     help="Leave suppressed findings out of the report. For SARIF uploaded to GitHub code "
                          "scanning, which ignores SARIF suppressions and would open them as alerts."),
    ]
    for option in reversed(options):  # decorators apply bottom-up; keep --help in this order
        command = option(command)
    return command


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@report_options
@click.option("--write-baseline", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Record the current findings' fingerprints in FILE and exit 0.")
@click.option("--changed-since", metavar="REF", default=None,
              help="Lint only the units with files changed since the git REF (e.g. origin/main).")
@click.option("--report-unused-suppressions", is_flag=True,
              help="Report suppressions and baseline entries that match no finding (LL001).")
@click.option("--var-file", "var_files", multiple=True, type=click.Path(dir_okay=False, exists=True),
              help="Terraform variable file (like terraform -var-file); repeatable, later files win.")
@click.option("--cfn-lint", "cfn_lint", is_flag=True,
              help="Also run cfn-lint's checks on SAM/CloudFormation units (ids cfn-lint:E3012...).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, show_default=False,
              help="Worker processes for large inputs [default: all cores; 1: no workers]. Output is identical.")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def check(paths: tuple[str, ...], fmt: str, output: str | None, fail_on: str | None, select: tuple[str, ...],
          ignore: tuple[str, ...], config_path: str | None, baseline: str | None, write_baseline: str | None,
          changed_since: str | None, report_unused_suppressions: bool, var_files: tuple[str, ...],
          jobs: int, debug: bool, cfn_lint: bool = False, omit_suppressed: bool = False) -> None:
    """Lint SAM and CloudFormation templates, Terraform directories and plan JSON (files or directories)."""
    from pathlib import Path

    from lambdalint import config as configuration
    from lambdalint.engine import RuleSet, all_rules
    from lambdalint.lint import GitError, LintOptions, changed_files, lint
    from lambdalint.reporters import get
    from lambdalint.rule import Severity
    from lambdalint.suppress import BaselineError, read_baseline
    from lambdalint.suppress import write_baseline as save_baseline

    rules = all_rules()
    try:
        found = Path(config_path) if config_path else configuration.find()
        cfg = configuration.load(found, rules)
    except configuration.ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    for key in (*select, *ignore):
        if not any(configuration.matches(r, key) for r in rules):
            raise click.UsageError(f"no rule matches {key!r} (see `lambdalint rules`)")
    chosen = configuration.choose(rules, list(select) or cfg.select, list(ignore) or cfg.ignore)
    ruleset = RuleSet(chosen, options=cfg.options, severities=cfg.severity)
    options = LintOptions(config=cfg, report_unused=report_unused_suppressions, debug=debug,
                          var_files=tuple(var_files))
    if cfn_lint:  # the bridge imports cfn-lint (1 s+) only when asked
        from lambdalint.cfnlint_bridge import CfnLintUnavailable, require

        try:
            require()
        except CfnLintUnavailable as exc:
            raise click.UsageError(str(exc)) from None
        options.cfn_lint = True
    if changed_since:
        try:
            options.changed = changed_files(changed_since, Path.cwd())
        except GitError as exc:
            raise click.UsageError(f"--changed-since {changed_since}: {exc}") from None
    baseline = baseline or cfg.baseline
    if baseline and not write_baseline:
        try:
            options.baseline = read_baseline(Path(baseline))
        except BaselineError as exc:
            raise click.UsageError(str(exc)) from None
        options.baseline_name = Path(baseline).name
    from lambdalint.lint import default_jobs

    result = lint(paths, ruleset, options=options, jobs=jobs or default_jobs())
    for note in result.notes:
        click.echo(f"lambdalint: note: {note}", err=True)
    if write_baseline:
        count = save_baseline(Path(write_baseline), result.findings)
        click.echo(f"wrote {count} finding{'s' if count != 1 else ''} to {write_baseline}", err=True)
        sys.exit(EXIT_ERROR if result.errors else EXIT_OK)
    if omit_suppressed:
        result.suppressed = []
    text = get(fmt)(result)
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        click.echo(text, nl=False)
    for err in result.errors if fmt != "text" or output else ():
        click.echo(f"{err.file}: error: {err.message}", err=True)
    threshold = Severity(fail_on or cfg.fail_on or "warning").rank
    if result.errors:
        sys.exit(EXIT_ERROR)
    if any(f.severity.rank >= threshold for f in result.findings):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


@cli.command("rules")
def list_rules() -> None:
    """List every rule: id, name, default severity, title."""
    from lambdalint.engine import all_rules

    for rule in all_rules():
        click.echo(f"{rule.id}  {rule.name:<40} {rule.severity.value:<8} {rule.title}")


@cli.command()
@click.argument("rule_key")
def explain(rule_key: str) -> None:
    """Show a rule's documentation (by id or name)."""
    from lambdalint.docs import rule_page
    from lambdalint.engine import rule_by_key

    rule = rule_by_key(rule_key)
    if rule is None:
        raise click.UsageError(f"no rule {rule_key!r} (see `lambdalint rules`)")
    click.echo(rule_page(rule))


@cli.command()
@click.option("--root", type=click.Path(file_okay=False, exists=True), default=".", show_default=True,
              help="Repository root holding README.md and docs/.")
def docs(root: str) -> None:
    """Regenerate docs/rules/*.md and the README rules table from rule metadata."""
    from pathlib import Path

    from lambdalint.docs import render_all
    from lambdalint.engine import all_rules

    base = Path(root)
    pages, readme = render_all(all_rules(), (base / "README.md").read_text(encoding="utf-8"))
    for rel, text in pages.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (base / "README.md").write_text(readme, encoding="utf-8")
    click.echo(f"wrote {len(pages)} pages and the README rules table")


@cli.command("cfn-lint-plugin-path")
def cfn_lint_plugin_path() -> None:
    """Print the directory to give cfn-lint: cfn-lint --append-rules "$(lambdalint cfn-lint-plugin-path)" ..."""
    from pathlib import Path

    import lambdalint

    click.echo(Path(lambdalint.__file__).resolve().parent / "cfnlint_plugin")


@cli.command()
@click.option("--region", "regions", multiple=True, metavar="REGION",
              help="Region to audit; repeatable [default: the profile's or AWS_REGION].")
@click.option("--all-regions", is_flag=True, help="Audit every region enabled in each account.")
@click.option("--profile", default=None, help="AWS profile for the base credentials.")
@click.option("--role-arn", "role_arns", multiple=True, metavar="ARN",
              help="Assume this role and audit its account; repeatable.")
@click.option("--accounts-from", type=click.Path(dir_okay=False, exists=True), default=None,
              help="JSON of `aws organizations list-accounts`: audit each ACTIVE account through --role-name.")
@click.option("--role-name", default=None, help="Role to assume in each account of --accounts-from.")
@click.option("--save", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write everything fetched to FILE (a snapshot; `lambdalint check FILE` re-lints it offline). "
                   "It holds environment variable values: it is written readable by you only.")
@report_options
@click.option("--write-baseline", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Record the current findings' fingerprints in FILE.")
@click.option("--max-workers", "workers", type=click.IntRange(1, 64), default=16, show_default=True,
              help="Concurrent API requests.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr [default: when stderr is a terminal].")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def audit(regions: tuple[str, ...], all_regions: bool, profile: str | None, role_arns: tuple[str, ...],
          accounts_from: str | None, role_name: str | None, save: str | None, fmt: str, output: str | None,
          fail_on: str | None, select: tuple[str, ...], ignore: tuple[str, ...], config_path: str | None,
          baseline: str | None, write_baseline: str | None, workers: int, progress: bool | None,
          debug: bool, omit_suppressed: bool = False) -> None:
    """Audit the Lambda functions of live AWS accounts (read-only calls; needs boto3).

    Reads functions, event source mappings, resource policies, URLs, async and concurrency
    settings, the source queues, topics, bucket notifications and DynamoDB tables, execution
    roles, log groups and subnets, then runs every rule. docs/audit-policy.json is the minimal
    IAM policy. A denied call is a warning naming the permission and the checks it disables.

    \b
    Exit codes: 0 complete, nothing at or above --fail-on; 1 complete, findings
    at or above it; 3 partial (a call denied or failed, an account unreachable),
    findings or not; 2 the audit could not run (no credentials or region, bad options).
    """
    try:
        import boto3  # noqa: F401
    except ImportError:
        raise click.UsageError("`lambdalint audit` needs boto3: pip install 'lambdalint[live]'") from None
    from lambdalint.audit.command import AuditOptions
    from lambdalint.audit.command import main as run_audit

    run_audit(AuditOptions(
        regions=regions, all_regions=all_regions, profile=profile, role_arns=role_arns,
        accounts_from=accounts_from, role_name=role_name, save=save, fmt=fmt, output=output, fail_on=fail_on,
        select=select, ignore=ignore, config_path=config_path, baseline=baseline, write_baseline=write_baseline,
        workers=workers, progress=progress, debug=debug, omit_suppressed=omit_suppressed,
    ))


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        # The last line of defence: a file lambdalint cannot lint is already a FileError, so
        # this is an output it cannot write (-o into a missing directory) or a bug. Either
        # way one line and exit 2, never a traceback unless --debug asks for it.
        if "--debug" in sys.argv[1:]:
            raise
        if isinstance(exc, OSError) and exc.filename:
            reason = f"{exc.filename}: {exc.strerror or exc}"
        else:
            reason = f"internal error: {type(exc).__name__}: {exc}".splitlines()[0]
        click.echo(f"lambdalint: error: {reason} (--debug shows the traceback)", err=True)
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":
    main()
