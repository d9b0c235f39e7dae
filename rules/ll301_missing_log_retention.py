"""LL301: the function's log group keeps its logs forever."""

from __future__ import annotations

from collections.abc import Iterator

from lambdalint.model import SYMBOL_BASE, Function, LogGroup, Model, Prov
from lambdalint.rule import Context, Hit, Related, Rule, Severity

RULE = Rule(
    id="LL301",
    name="missing-log-retention",
    title="Function log group without a retention period",
    severity=Severity.WARNING,
    tags=("logs", "cost", "observability"),
    formats=("sam", "cloudformation", "terraform", "plan", "live"),
    rationale=(
        "Lambda writes to /aws/lambda/<function name>, or to LoggingConfig.LogGroup, and creates the group "
        "itself when it does not exist, with no retention: the logs are kept, and billed, forever. A log "
        "group declared in the template without RetentionInDays does the same. The function's log group "
        "is matched by name, through !Ref/!Sub of the function and literal names; a custom log group the "
        "template does not declare is outside what the linter can see and is not reported."
    ),
    fix=(
        "Declare the log group in the same template (AWS::Logs::LogGroup named /aws/lambda/${Function}, "
        "aws_cloudwatch_log_group in Terraform) with RetentionInDays / retention_in_days set, so the stack "
        "owns it and its retention."
    ),
    references=(
        "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention",
    ),
)


def _fresh_symbols(model: Model) -> frozenset[str]:
    """Symbols that stand for names CloudFormation generates (a resource without a name property).

    A generated name is unique to its resource, so it equals only itself and no literal text; every
    other symbol (a parameter without default, an import, a pseudo parameter) may be any text.
    """
    return frozenset(
        res.name.value for res in model.resources()
        if res.name is not None and res.name.prov is Prov.DEFAULT and isinstance(res.name.value, str)
        and len(res.name.value) == 1 and ord(res.name.value) >= SYMBOL_BASE
    )


def could_be_same(a: str, b: str, fresh: frozenset[str]) -> bool:
    """Whether two symbolic names may turn out to be the same string once deployed.

    Free symbols act as ``*`` (any run of characters); fresh symbols and literal characters match
    only themselves. Two patterns with wildcards on both sides may match a common string; this is a
    small dynamic program over both (names are at most a few hundred characters).
    """
    if a == b:
        return True
    x = [None if ord(c) >= SYMBOL_BASE and c not in fresh else c for c in a]
    y = [None if ord(c) >= SYMBOL_BASE and c not in fresh else c for c in b]
    n, m = len(x), len(y)
    ok = [[False] * (m + 1) for _ in range(n + 1)]
    ok[n][m] = True
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                continue
            if i < n and x[i] is None:
                ok[i][j] = ok[i + 1][j] or (j < m and ok[i][j + 1])
            elif j < m and y[j] is None:
                ok[i][j] = ok[i][j + 1] or (i < n and ok[i + 1][j])
            else:
                ok[i][j] = i < n and j < m and x[i] == y[j] and ok[i + 1][j + 1]
    return ok[0][0]


def _partly_unknown(model: Model, fresh: frozenset[str]) -> list[LogGroup]:
    """Declared groups whose name has a free symbol (or no known name): only they can turn out to
    be a function's group without being equal to its name. Computed once, so the check stays
    linear when most groups have known names."""
    return [
        g for g in model.log_groups.values()
        if not g.name.present or any(ord(c) >= SYMBOL_BASE and c not in fresh for c in g.name.value)
    ]


def _maybe_declared(fn: Function, candidates: list[LogGroup], fresh: frozenset[str]) -> bool:
    """True when some declared log group, whose name is partly unknown, may be the function's."""
    wanted = fn.log_group_name.value
    return any(not g.name.present or could_be_same(wanted, g.name.value, fresh) for g in candidates)


def _vocabulary(fmt: str) -> tuple[str, str]:
    """The retention setting as the user's input spells it, and where an undeclared group is missing."""
    if fmt in ("terraform", "plan"):
        return "retention_in_days", "which the configuration does not declare"
    if fmt == "live":
        return "retention", "which does not exist in the account yet"
    return "RetentionInDays", "which the template does not declare"


def _writers(names: list[str]) -> str:
    if len(names) == 1:
        return f"{names[0]} writes its logs"
    return f"{', '.join(names[:-1])} and {names[-1]} write their logs"


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    model = ctx.model
    if not model.sees_surroundings:
        return
    fresh = _fresh_symbols(model)
    candidates = _partly_unknown(model, fresh)
    retention, missing = _vocabulary(model.fmt)
    by_group: dict[str, list[str]] = {}
    for fn in model.functions.values():
        name = fn.log_group_name
        if name is None or not name.present:
            continue
        group: LogGroup | None = model.log_group_of(fn)
        if group is None:
            if fn.log_group_custom:
                continue  # a group created elsewhere: its retention is unknown here
            if _maybe_declared(fn, candidates, fresh):
                continue  # a declared group with a partly unknown name may be this one
            yield Hit(
                fn.loc, fn.id,
                f"{fn.id} logs to its default log group {model.show(name.value)}, {missing}: "
                f"Lambda creates it on first invocation with no retention, so the logs are kept, "
                f"and billed, forever",
            )
            continue
        if group.conditional or not group.retention_days.known or group.retention_days.value is not None:
            continue
        by_group.setdefault(group.id, []).append(fn.id)
    for group_id, functions in sorted(by_group.items()):
        group = model.log_groups[group_id]
        related = tuple(Related(f, model.functions[f].loc, f"{f} logs here") for f in functions)
        yield Hit(
            group.loc, group.id,
            f"log group {model.show(group.name.value)}, where {_writers(functions)}, has no {retention}: "
            f"CloudWatch Logs keeps them, and bills their storage, forever",
            related,
        )
