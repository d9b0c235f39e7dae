"""Command line. Imports stay inside commands so `lambdalint check` pays only for what it uses.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 a usage error or
a file that could not be read or parsed (the other files are still linted).
"""

from __future__ import annotations

import sys

import click

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lambdalint")
def cli() -> None:
    """Static configuration linter for AWS Lambda wiring."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the report to FILE instead of stdout.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="warning", show_default=True,
              help="Lowest severity that makes the exit code 1.")
@click.option("--select", multiple=True, help="Only run these rules (id, name or id prefix); repeatable.")
@click.option("--ignore", multiple=True, help="Skip these rules (id, name or id prefix); repeatable.")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def check(paths: tuple[str, ...], fmt: str, output: str | None, fail_on: str, select: tuple[str, ...],
          ignore: tuple[str, ...], debug: bool) -> None:
    """Lint SAM and CloudFormation templates (files or directories)."""
    from lambdalint.engine import RuleSet, all_rules
    from lambdalint.lint import lint
    from lambdalint.reporters import get
    from lambdalint.rule import Severity

    try:
        rules = _choose(all_rules(), select, ignore)
    except click.BadParameter as exc:
        raise click.UsageError(str(exc)) from None
    result = lint(paths, RuleSet(rules), debug=debug)
    text = get(fmt)(result)
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        click.echo(text, nl=False)
    for err in result.errors if fmt != "text" or output else ():
        click.echo(f"{err.file}: error: {err.message}", err=True)
    threshold = Severity(fail_on).rank
    if result.errors:
        sys.exit(EXIT_ERROR)
    if any(f.severity.rank >= threshold for f in result.findings):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


def _choose(rules: tuple, select: tuple[str, ...], ignore: tuple[str, ...]) -> list:
    def matches(rule, key: str) -> bool:
        return key in (rule.id, rule.name) or rule.id.startswith(key.upper()) and key.upper().startswith("LL")

    for key in (*select, *ignore):
        if not any(matches(r, key) for r in rules):
            raise click.BadParameter(f"no rule matches {key!r} (see `lambdalint rules`)")
    chosen = [r for r in rules if not select or any(matches(r, k) for k in select)]
    return [r for r in chosen if not any(matches(r, k) for k in ignore)]


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


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
