"""Which accounts and regions an audit reads, with which credentials.

The base session comes from the usual AWS configuration (environment, ``--profile``, instance
role); ``AWS_ENDPOINT_URL`` and its per-service forms are honoured by boto3 itself and never
overridden here, so any AWS-compatible endpoint can be audited. Other accounts are reached by
assuming a role: ``--role-arn`` (repeatable), or ``--accounts-from`` the JSON that
``aws organizations list-accounts`` prints plus ``--role-name``, the role to assume in each
ACTIVE account. Assumed credentials refresh themselves, so an audit longer than the session
duration keeps going. Credentials are never printed or written to the snapshot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambdalint.audit.fetch import CallFailed, Fetcher, Target, classify

SESSION_NAME = "lambdalint-audit"


class AuditSetupError(Exception):
    """The audit cannot start (no credentials, no region, a bad accounts file); ``str()`` says why."""


@dataclass
class Plan:
    targets: list[Target] = field(default_factory=list)
    caller_account: str = ""


def read_accounts(path: str) -> list[str]:
    """ACTIVE account ids of an ``aws organizations list-accounts`` listing (or a JSON list of ids)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AuditSetupError(f"--accounts-from {path}: cannot read the listing: {exc}") from None
    items = data.get("Accounts") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise AuditSetupError(f"--accounts-from {path}: expected the output of `aws organizations list-accounts` "
                              "(an object with an Accounts list)")
    out: list[str] = []
    for item in items:
        if isinstance(item, str) and item.isdigit():
            out.append(item)
        elif (isinstance(item, dict) and isinstance(item.get("Id"), str)
              and item.get("Status", "ACTIVE") == "ACTIVE" and item.get("State", "ACTIVE") == "ACTIVE"):
            out.append(item["Id"])
    if not out:
        raise AuditSetupError(f"--accounts-from {path}: no ACTIVE accounts in the listing")
    return list(dict.fromkeys(out))


def _partition_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[1] if len(parts) > 1 and parts[1] else "aws"


def assumed_session(base: Any, role_arn: str, region: str) -> Any:
    """A boto3 session on the role's credentials, refreshed before they expire."""
    import boto3
    import botocore.session
    from botocore.credentials import RefreshableCredentials

    sts = base.client("sts", region_name=region)

    def fetch() -> dict[str, str]:
        creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
        return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"], "expiry_time": creds["Expiration"].isoformat()}

    credentials = RefreshableCredentials.create_from_metadata(
        metadata=fetch(), refresh_using=fetch, method="sts-assume-role")
    core = botocore.session.get_session()
    core._credentials = credentials  # the documented way boto3 sessions take refreshable credentials
    return boto3.Session(botocore_session=core, region_name=region)


def plan(fetcher: Fetcher, profile: str | None, regions: tuple[str, ...], all_regions: bool,
         role_arns: tuple[str, ...], accounts_from: str | None, role_name: str | None) -> Plan:
    """Resolve the targets. Raises ``AuditSetupError`` when nothing can be audited; an account
    whose role cannot be assumed is a warning (the audit is partial) and the others go on."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

    try:
        base = boto3.Session(profile_name=profile) if profile else boto3.Session()
    except ProfileNotFound as exc:
        raise AuditSetupError(str(exc)) from None
    home = regions[0] if regions else base.region_name
    if not home:
        raise AuditSetupError("no region: pass --region, or set AWS_REGION / AWS_DEFAULT_REGION or a profile region")
    caller = Target("", "aws", base, [])
    try:
        identity = fetcher.call(caller, home, "sts", "GetCallerIdentity")
    except CallFailed as failure:
        if failure.kind == "credentials":
            raise AuditSetupError(f"the AWS credentials were rejected ({failure.code})") from None
        raise AuditSetupError(f"cannot identify the caller: sts:GetCallerIdentity {failure.kind} ({failure.code})") \
            from None
    except BotoCoreError as exc:  # NoCredentialsError and the like, before any request
        raise AuditSetupError(f"no usable AWS credentials: {exc}") from None
    fetcher.issues.clear()
    account = str(identity["Account"])
    partition = _partition_of(str(identity.get("Arn", "")))
    result = Plan(caller_account=account)

    wanted: list[tuple[str, str | None]] = []  # (account, role ARN or None for the base session)
    for arn in role_arns:
        parts = arn.split(":")
        if len(parts) < 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
            raise AuditSetupError(f"--role-arn {arn}: not an IAM role ARN")
        wanted.append((parts[4], arn))
    if accounts_from:
        if not role_name:
            raise AuditSetupError("--accounts-from needs --role-name: the role to assume in each account")
        for acct in read_accounts(accounts_from):
            wanted.append((acct, None if acct == account else f"arn:{partition}:iam::{acct}:role/{role_name}"))
    if not wanted:
        wanted.append((account, None))

    seen: set[str] = set()
    for acct, role_arn in wanted:
        if acct in seen:
            continue
        seen.add(acct)
        session = base
        if role_arn is not None:
            try:
                session = assumed_session(base, role_arn, home)
            except ClientError as exc:
                fetcher.assume_failures.append(f"{acct}: cannot assume {role_arn} ({classify(exc)[1]})")
                continue
            except BotoCoreError as exc:
                fetcher.assume_failures.append(f"{acct}: cannot assume {role_arn} ({type(exc).__name__})")
                continue
        target = Target(acct, partition, session, [])
        target.regions = _regions(fetcher, target, home, regions, all_regions)
        result.targets.append(target)
    if not result.targets:
        raise AuditSetupError("no account could be audited: " + "; ".join(fetcher.assume_failures))
    return result


def _regions(fetcher: Fetcher, target: Target, home: str, regions: tuple[str, ...], all_regions: bool) -> list[str]:
    if not all_regions:
        return list(dict.fromkeys(regions or (home,)))
    try:
        found = fetcher.call(target, home, "ec2", "DescribeRegions", AllRegions=False)["Regions"]
        names = sorted(r["RegionName"] for r in found if r.get("OptInStatus") != "not-opted-in")
        if names:
            return names
    except CallFailed:
        pass
    # Without ec2:DescribeRegions: the SDK's list for the partition (opt-in regions that are not
    # enabled then fail as unreachable scopes, which the warnings name).
    return sorted(target.session.get_available_regions("lambda", partition_name=target.partition))
