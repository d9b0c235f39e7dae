"""LL401: a VPC function's subnets are too small for its peak concurrency."""

from __future__ import annotations

import math
from collections.abc import Iterator

from lambdalint.model import Function, Prov, Subnet
from lambdalint.rule import Context, Hit, Option, Related, Rule, Severity

AWS_RESERVED = 5  # addresses AWS reserves in every subnet (network, router, DNS, future, broadcast)

RULE = Rule(
    id="LL401",
    name="undersized-subnets",
    title="VPC subnets offer fewer addresses than the function's peak concurrency",
    severity=Severity.WARNING,
    tags=("vpc", "networking", "scaling"),
    formats=("sam", "cloudformation", "terraform", "plan", "live"),
    options={
        "account_concurrency": Option(int, 1000, "peak concurrency assumed without reserved concurrency"),
        "addresses_per_execution": Option(float, 1.0, "IP addresses budgeted per concurrent execution"),
    },
    rationale=(
        "Since 2019 Lambda does not take one IP address per execution environment: it attaches shared "
        "Hyperplane ENIs per subnet and security-group combination, and adds ENIs as connections and "
        "concurrency grow (AWS documents no ratio). Every other network interface in the same subnets "
        "competes for the same addresses, and when they run out Lambda fails invocations with "
        "SubnetIPAddressLimitReachedException. This rule is therefore a sizing guard with a configurable "
        "model, not a claim of one address per execution: it compares the usable addresses of the "
        "function's subnets (size minus the 5 AWS reserves in each, summed) with its peak concurrency "
        "(ReservedConcurrentExecutions, else the account concurrency limit, 1000 by default) times "
        "addresses_per_execution (default 1). Live input checks the addresses actually free. Subnets "
        "whose size is unknown are not reported."
    ),
    fix=(
        "Attach larger subnets (or more of them, across Availability Zones), or cap the function with "
        "ReservedConcurrentExecutions at what the subnets can hold; tune addresses_per_execution and "
        "account_concurrency to your measured ENI use and account limit."
    ),
    references=(
        "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html",
        "https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html",
        "https://aws.amazon.com/blogs/compute/announcing-improved-vpc-networking-for-aws-lambda-functions/",
    ),
)


def _usable(subnet: Subnet) -> int | None:
    """Addresses the subnet offers: free addresses from live input, else size minus AWS's 5."""
    if subnet.available_ips is not None and subnet.available_ips.present:
        return int(subnet.available_ips.value)
    if not subnet.cidr.present:
        return None
    import ipaddress  # only templates with subnets get here

    try:
        network = ipaddress.ip_network(subnet.cidr.value, strict=False)
    except ValueError:
        return None
    if network.version != 4:
        return None
    return max(network.num_addresses - AWS_RESERVED, 0)


def _peak(ctx: Context, fn: Function) -> tuple[int, str] | None:
    """Peak concurrency and where it comes from, for the message; None when it is unknown."""
    reserved = fn.reserved_concurrency
    if reserved is None or not reserved.known:
        return None
    prop = {"terraform": "reserved_concurrent_executions", "plan": "reserved_concurrent_executions",
            "live": "reserved concurrency"}.get(ctx.model.fmt, "ReservedConcurrentExecutions")
    if reserved.value is not None:
        source = prop
        if reserved.prov is Prov.INHERITED:
            source += f", inherited from {reserved.via or 'Globals'}"
        elif reserved.via:
            source += f", from {reserved.via}"
        return int(reserved.value), source
    unreserved = f"no {prop}, so the"
    if ctx.model.account.concurrency_limit:
        return ctx.model.account.concurrency_limit, f"{unreserved} account's concurrency limit"
    account = int(ctx.options["account_concurrency"])
    if account == RULE.options["account_concurrency"].default:
        return account, f"{unreserved} default account concurrency limit, option account_concurrency"
    return account, f"{unreserved} account concurrency limit from option account_concurrency"


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    model = ctx.model
    per_exec = float(ctx.options["addresses_per_execution"])
    for fn in model.functions.values():
        subnets = fn.subnets
        if subnets is None or not subnets.present or not subnets.value:
            continue
        peak_info = _peak(ctx, fn)
        if peak_info is None:
            continue  # reserved concurrency is unknown
        peak, peak_note = peak_info
        if peak <= 0:
            continue
        found: list[tuple[Subnet, int]] = []
        for ref in dict.fromkeys(subnets.value):
            subnet = model.lookup(ref)
            if not isinstance(subnet, Subnet):
                break  # a subnet from outside the template (parameter, import, literal id): size unknown
            usable = _usable(subnet)
            if usable is None:
                break
            found.append((subnet, usable))
        else:
            total = sum(u for _, u in found)
            need = math.ceil(peak * per_exec - 1e-9)
            if total >= need:
                continue
            yield _hit(ctx, fn, found, total, need, peak, peak_note, per_exec)


def _hit(ctx: Context, fn: Function, found: list[tuple[Subnet, int]], total: int, need: int, peak: int,
         peak_note: str, per_exec: float) -> Hit:
    model = ctx.model
    subnets = fn.subnets
    live = any(s.available_ips is not None and s.available_ips.present for s, _ in found)
    if live:
        parts = ", ".join(f"{s.id}: {u}" for s, u in found)
        offer = f"{total} free address{'es' if total != 1 else ''} ({parts}, as reported by AWS)"
    else:
        parts = ", ".join(f"{s.id} {model.show(s.cidr.value)}: {u}" for s, u in found)
        offer = (f"{total} usable address{'es' if total != 1 else ''} ({parts}; each subnet's size minus "
                 f"the {AWS_RESERVED} addresses AWS reserves)")
    per = f"{per_exec:g} address{'' if per_exec == 1 else 'es'}"
    related = tuple(
        Related(
            s.id, s.cidr.loc if s.cidr.present else s.loc,
            f"{s.id} has {u} free addresses" if live
            else f"{s.id} {model.show(s.cidr.value)} has {u} usable addresses",
        )
        for s, u in found
    )
    return Hit(
        subnets.loc, fn.id,
        f"the subnets of {fn.id}{subnets.describe()} give {offer}, fewer than the {need} this sizing check "
        f"budgets: peak concurrency {peak} ({peak_note}) x {per} per concurrent execution (option "
        f"addresses_per_execution). Lambda's shared Hyperplane ENIs often need fewer, but every network "
        f"interface in these subnets draws on the same addresses, and when they run out invocations fail "
        f"with SubnetIPAddressLimitReachedException",
        related,
    )
