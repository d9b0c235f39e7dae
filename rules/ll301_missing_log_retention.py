"""LL301: the function's log group keeps its logs forever."""

from __future__ import annotations

from collections.abc import Iterator

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


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    model = ctx.model
    if not model.sees_surroundings:
        return
    by_group: dict[str, list[str]] = {}
    for fn in model.functions.values():
        name = fn.log_group_name
        if name is None or not name.present:
            continue
        group = model.log_group_of(fn)
        if group is None:
            if fn.log_group_custom:
                continue  # a group created elsewhere: its retention is unknown here
            yield Hit(
                fn.loc, fn.id,
                f"log group {model.show(name.value)} of {fn.id} is not declared, so Lambda creates it "
                f"without retention and keeps its logs forever",
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
            f"log group {model.show(group.name.value)} of {', '.join(functions)} has no RetentionInDays: "
            f"its logs are kept forever",
            related,
        )
