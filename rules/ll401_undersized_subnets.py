"""LL401: a VPC function's subnets are too small for its peak concurrency."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from lambdalint.model import Subnet
from lambdalint.rule import Context, Hit, Option, Related, Rule, Severity

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
    if subnet.available_ips is not None and subnet.available_ips.present:
        return int(subnet.available_ips.value)
    if not subnet.cidr.present:
        return None
    try:
        network = ipaddress.ip_network(subnet.cidr.value, strict=False)
    except ValueError:
        return None
    if network.version != 4:
        return None
    return max(network.num_addresses - 5, 0)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    model = ctx.model
    per_exec = float(ctx.options["addresses_per_execution"])
    account = model.account.concurrency_limit or int(ctx.options["account_concurrency"])
    for fn in model.functions.values():
        subnets = fn.subnets
        if subnets is None or not subnets.present or not subnets.value:
            continue
        reserved = fn.reserved_concurrency
        if reserved is None or not reserved.known:
            continue
        if reserved.value is not None:
            peak, peak_note = reserved.value, f"ReservedConcurrentExecutions {reserved.value}{reserved.describe()}"
        else:
            source = "account limit" if model.account.concurrency_limit else "account limit, default"
            peak, peak_note = account, f"no reserved concurrency, so up to the {source} {account}"
        if peak <= 0:
            continue
        found: list[tuple[Subnet, int]] = []
        for ref in dict.fromkeys(subnets.value):
            subnet = model.lookup(ref)
            if not isinstance(subnet, Subnet):
                break
            usable = _usable(subnet)
            if usable is None:
                break
            found.append((subnet, usable))
        else:
            total = sum(u for _, u in found)
            need = peak * per_exec
            if total >= need:
                continue
            live = any(s.available_ips is not None and s.available_ips.present for s, _ in found)
            parts = ", ".join(
                f"{s.id} ({u} {'free' if live else 'usable'}"
                + ("" if live else f", {model.show(s.cidr.value)}") + ")" for s, u in found
            )
            per = f"{per_exec:g} address{'es' if per_exec != 1 else ''}"
            related = tuple(Related(s.id, s.cidr.loc if s.cidr.present else s.loc, f"CIDR {model.show(s.cidr.value)}")
                            for s, _ in found)
            yield Hit(
                subnets.loc, fn.id,
                f"subnets of {fn.id} offer {total} {'free' if live else 'usable'} addresses ({parts}), fewer "
                f"than {need:g} needed for peak concurrency {peak} ({peak_note}) at {per} per concurrent "
                f"execution: Lambda fails with SubnetIPAddressLimitReachedException when they run out",
                related,
            )
