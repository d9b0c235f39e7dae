"""``lambdalint check --cfn-lint``: cfn-lint's own checks merged into lambdalint's findings.

Most SAM/CloudFormation teams already run cfn-lint; with the flag they get one report, one exit
code and one suppression syntax for both. This module is imported only when the flag is given,
and it imports cfn-lint itself only inside functions: ``import cfnlint`` costs over a second
(its package ``__init__`` loads the whole rule system), which ``check`` without the flag must
never pay (tests/test_cli.py asserts it).

How cfn-lint is called: through the building blocks of its public ``cfnlint.api`` module.
``cfnlint.api.lint(text, config=ManualArgs())`` builds a ``Runner`` (loading every rule from
disk, ~1.1 s here) on each call; we build that ``Runner`` once per run and per working directory
and then do exactly what ``api.lint`` does per template (``decode_str``, then
``Runner.validate_template``), so a run over many units pays the rule loading once.
``ConfigMixIn`` reads the project's ``.cfnlintrc`` (ignore_checks, regions, include_checks,
append_rules...) as the cfn-lint command line does, and a template's ``Metadata: cfn-lint``
settings apply too, so ``--cfn-lint`` reports what the team's own cfn-lint run would.

Each cfn-lint match becomes a ``Finding``:

* ``rule_id`` ``cfn-lint:E3012``; ``rule_name`` a kebab slug of the rule's ``shortdesc``;
* severity from the id's first letter (E error, W warning, I info);
* the exact line/column span cfn-lint computed, and ``pointer`` = the match path;
* ``resource`` = the logical id when the path starts with ``Resources/<id>``. For a SAM template
  cfn-lint checks the transformed template, so a path may name a generated resource
  (``MyFunctionRole``); it is attributed to the SAM resource whose id is its longest prefix,
  which is where the fix goes and what the header-line suppression comment targets;
* a fingerprint from the rule id, file, resource, path and message (line numbers removed), so a
  baseline survives unrelated edits.

Matches of lambdalint's own cfn-lint plugin (``lambdalint.cfnlint_plugin``, possibly listed in a
``.cfnlintrc``'s ``append_rules``) are dropped: lambdalint already reported those findings.
"""

from __future__ import annotations

import os
import re
from functools import cache
from typing import TYPE_CHECKING, Any

from lambdalint.engine import Finding, fingerprint
from lambdalint.model import Loc, Model
from lambdalint.rule import Severity

if TYPE_CHECKING:  # pragma: no cover
    from cfnlint.runner import Runner

PREFIX = "cfn-lint:"
SEVERITIES = {"E": Severity.ERROR, "W": Severity.WARNING, "I": Severity.INFO}
RULES_DOC = "https://github.com/aws-cloudformation/cfn-lint/blob/main/docs/rules.md#{id}"
# Positions inside cfn-lint messages (parse errors quote them); kept out of fingerprints.
_POSITION = re.compile(r"\b(?:line|column|col)\s+\d+", re.IGNORECASE)
_SLUG = re.compile(r"[^a-z0-9]+")

# cfn-lint rules seen in this process, by cfn-lint id: metadata for reporters (SARIF rules).
_SEEN: dict[str, Any] = {}


class CfnLintUnavailable(Exception):
    """cfn-lint is not installed; ``str()`` says how to install it."""


def require() -> None:
    """Fail early, with an installable hint, when ``--cfn-lint`` is given without cfn-lint."""
    try:
        import cfnlint.api  # noqa: F401
    except ImportError as exc:
        raise CfnLintUnavailable(
            f"--cfn-lint needs cfn-lint (pip install 'cfn-lint>=1,<2'): {exc}") from None


def slug(text: str) -> str:
    """``Check if Runtime is deprecated`` -> ``check-if-runtime-is-deprecated``."""
    return _SLUG.sub("-", text.lower()).strip("-") or "cfn-lint-rule"


def severity_of(cfn_id: str) -> Severity:
    return SEVERITIES.get(cfn_id[:1].upper(), Severity.WARNING)


@cache
def _runner(cwd: str) -> Runner:
    """One cfn-lint ``Runner`` per working directory (``.cfnlintrc`` is found from there)."""
    from cfnlint.api import ManualArgs
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn(**ManualArgs()))


def _is_own_plugin(rule: Any) -> bool:
    return bool(getattr(rule, "lambdalint_rule_id", ""))


def run_cfnlint(text: str) -> list[Any]:
    """cfn-lint's matches for one template text: ``cfnlint.api.lint`` with a reused ``Runner``."""
    from cfnlint.decode.decode import decode_str

    template, errors = decode_str(text)
    if errors:
        return list(errors)
    if template is None:
        return []
    runner = _runner(os.getcwd())
    return [m for m in runner.validate_template(template) if not _is_own_plugin(m.rule)]


def _resource(path: tuple, model: Model) -> str:
    if len(path) < 2 or path[0] != "Resources" or not isinstance(path[1], str):
        return ""
    logical_id = path[1]
    if logical_id in model.headers or not model.headers:
        return logical_id
    # A resource SAM generated (MyFunctionRole, MyFunctionUploadPermission): its SAM source.
    owners = [h for h in model.headers if logical_id.startswith(h)]
    return max(owners, key=len) if owners else logical_id


def to_finding(match: Any, model: Model, file: str) -> Finding:
    """One cfn-lint ``Match`` as a lambdalint ``Finding`` on ``file``."""
    rule = match.rule
    cfn_id = str(rule.id)
    _SEEN.setdefault(cfn_id, rule)
    rule_id = PREFIX + cfn_id
    path = tuple(p if isinstance(p, (str, int)) else str(p) for p in (getattr(match, "path", None) or ()))
    line = max(1, int(match.linenumber or 1))
    col = max(1, int(match.columnnumber or 1))
    end_line = max(line, int(match.linenumberend or line))
    end_col = int(match.columnnumberend or col)
    if end_line == line:
        end_col = max(col, end_col)
    loc = Loc(file, line, col, end_line, end_col, path)
    resource = _resource(path, model)
    message = str(match.message)
    return Finding(
        rule_id, slug(str(getattr(rule, "shortdesc", "") or cfn_id)), severity_of(cfn_id), message, loc,
        resource, (), fingerprint(rule_id, file, resource, path, _POSITION.sub("", message)),
    )


def unit_findings(model: Model, debug: bool = False) -> list[Finding]:
    """cfn-lint's findings on one SAM/CloudFormation unit lambdalint has parsed into ``model``.

    A crash inside cfn-lint (not one of its rules: those become its own E0002) is reported as an
    ``LL000`` finding on the file, like a lambdalint rule crash, never swallowed.
    """
    if model.fmt not in ("sam", "cloudformation"):
        return []
    file = model.file
    text = model.sources.get(file)
    if text is None:
        return []
    try:
        matches = run_cfnlint(text)
    except Exception as exc:
        if debug:
            raise
        message = f"internal error while running cfn-lint: {type(exc).__name__}: {exc}"
        return [Finding("LL000", "rule-error", Severity.ERROR, message, Loc(file), "", (),
                        fingerprint("LL000", file, "cfn-lint", (), ""))]
    return [to_finding(m, model, file) for m in matches]


def _lookup(cfn_id: str) -> Any:
    rule = _SEEN.get(cfn_id)
    if rule is not None:
        return rule
    try:
        runner = _runner(os.getcwd())
    except Exception:
        return None
    return runner.rules.get(cfn_id)


def cfnlint_rule_meta(rule_id: str) -> dict[str, Any]:
    """Reporter metadata for a ``cfn-lint:XNNNN`` id (lambdalint has no ``Rule`` for these).

    Keys: ``id`` (as given), ``name`` (kebab slug), ``title`` (cfn-lint's shortdesc),
    ``description`` (its description, plus its source URL), ``help_uri`` (the rule's entry in
    cfn-lint's rules documentation), ``severity`` ("error" | "warning" | "info").
    """
    cfn_id = rule_id.removeprefix(PREFIX)
    rule = _lookup(cfn_id)
    title = str(getattr(rule, "shortdesc", "") or f"cfn-lint rule {cfn_id}")
    description = str(getattr(rule, "description", "") or title)
    source = str(getattr(rule, "source_url", "") or "")
    description = description.rstrip().rstrip(".") + "."
    if source:
        description += f" Source: {source}"
    version = _version()
    return {
        "id": rule_id,
        "name": slug(title) if rule is not None else slug(cfn_id),
        "title": f"cfn-lint {cfn_id}: {title}",
        "description": f"{description} (reported by cfn-lint{' ' + version if version else ''} through "
                       "lambdalint --cfn-lint)",
        "help_uri": RULES_DOC.format(id=cfn_id),
        "severity": severity_of(cfn_id).value,
    }


def _version() -> str:
    try:
        from cfnlint.version import __version__
    except ImportError:  # pragma: no cover
        return ""
    return str(__version__)
