"""Read one or more accounts with boto3 (read-only calls only) into a snapshot.

The snapshot is a plain JSON-ready dict holding every response the audit received, keyed by
what AWS names each thing (function name, mapping UUID, queue/topic/table ARN, bucket name, log
group name, subnet id, role and policy ARN), so a value keeps its JSON pointer from one audit to
the next and finding fingerprints stay stable. ``lambdalint.parsers.live`` reads it; the audit
never builds the model itself, so ``lambdalint check snapshot.json`` sees exactly what the audit
saw.

How the calls scale. Per region: one paginated listing each of functions, event source mappings
and ``/aws/lambda/`` log groups, and one ``GetAccountSettings``. Per function: resource policy,
reserved concurrency, event invoke configs, URL configs and recursion config (five requests).
Per *distinct* resource, once however many functions share it: each execution role (its policy
lists and inline policies), each managed policy, each source queue, table, bucket and topic, and
the subnets in batches of 100. Requests run in a bounded thread pool on clients configured with
botocore's adaptive retry mode (client-side rate limiting after throttles).

When a call fails, the response is replaced by ``{"Error": {"Code", "Kind", "Action"}}`` and the
audit goes on; ``Kind`` is ``denied`` (AccessDenied and friends: the missing permission is named
in a warning with the checks it disables), ``unavailable`` (the endpoint does not implement the
operation: HTTP 404 without an AWS error code, ``UnknownOperation``, an SDK without it; the value
is unknown, never a crash) or ``failed`` (anything else after retries). An operation found
unavailable in a region is not called again there.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lambdalint.audit.permissions import Operation, operation
from lambdalint.audit.progress import Progress

CREDENTIAL_CODES = {
    "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
    "SignatureDoesNotMatch", "InvalidSignatureException", "AuthFailure", "InvalidAccessKeyId",
    "MissingAuthenticationToken",
}
DENIED_CODES = {
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden",
    "AuthorizationErrorException", "UnauthorizedException", "AccessDeniedFault",
}
UNAVAILABLE_CODES = {
    "UnknownOperationException", "UnknownOperation", "InvalidAction", "NotImplemented", "NotImplementedException",
    "UnsupportedOperation", "UnsupportedOperationException", "OperationNotSupportedException",
}
MISSING_CODES = {
    "ResourceNotFoundException", "NoSuchEntity", "NoSuchEntityException", "NoSuchBucket", "NotFound",
    "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "InvalidSubnetID.NotFound",
    "ResourceNotFound", "NotFoundException",
}

SUBNET_BATCH = 100
DEFAULT_GROUP_PREFIX = "/aws/lambda/"


class CallFailed(Exception):
    """A call that did not return data; ``kind`` is denied | unavailable | missing | failed | credentials."""

    def __init__(self, op: Operation, kind: str, code: str) -> None:
        super().__init__(f"{op.action}: {kind} ({code})")
        self.op = op
        self.kind = kind
        self.code = code

    def marker(self) -> dict[str, Any]:
        return {"Error": {"Code": self.code, "Kind": self.kind, "Action": self.op.action}}


def classify(exc: BaseException) -> tuple[str, str]:
    """(kind, code) of an exception raised by a botocore call."""
    from botocore.exceptions import (
        ClientError,
        NoCredentialsError,
        OperationNotPageableError,
        PartialCredentialsError,
        UnknownServiceError,
    )

    if isinstance(exc, ClientError):
        err = exc.response.get("Error") or {}
        code = str(err.get("Code") or "")
        status = (exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        message = str(err.get("Message") or "")
        if code.isdigit():
            # A non-JSON error body (an XML error or an HTML page) under a REST-JSON service:
            # botocore leaves the HTTP status as the code and the body as the message.
            inner = re.search(r"<Code>([^<]+)</Code>", message)
            if inner:
                code = inner.group(1)
        if code in CREDENTIAL_CODES:
            return "credentials", code
        if code in DENIED_CODES or "AccessDenied" in code or (status == 403 and not code.isdigit()) or code == "403":
            return "denied", code
        if code in UNAVAILABLE_CODES or status == 501 or (status in (404, 405) and code.isdigit()):
            return "unavailable", code or str(status)
        if code in MISSING_CODES or status == 404:
            return "missing", code
        return "failed", code or str(status)
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return "credentials", type(exc).__name__
    if isinstance(exc, (AttributeError, OperationNotPageableError, UnknownServiceError)):
        return "unavailable", "NotInSDK"
    return "failed", type(exc).__name__


def jsonable(value: Any) -> Any:
    """A response as plain JSON data: datetimes as ISO strings, bytes dropped, metadata removed."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return None
    return value


@dataclass
class Issue:
    """One warning: a failed kind of call in one scope, counted over the resources it hit."""

    account: str
    region: str
    op: Operation
    kind: str
    code: str
    count: int = 0
    examples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"account": self.account, "region": self.region, "action": self.op.action, "kind": self.kind,
                "code": self.code, "count": self.count, "examples": self.examples, "reads": self.op.reads,
                "disables": list(self.op.disables)}

    def text(self) -> str:
        where = f"{self.account}/{self.region}" if self.region else self.account
        times = f" for {self.count} resources (e.g. {', '.join(self.examples)})" if self.count > 1 else (
            f" for {self.examples[0]}" if self.examples else "")
        if self.kind == "denied":
            what = f"{self.op.action} denied ({self.code}){times}: cannot read {self.op.reads}"
            if self.op.disables:
                what += f"; {', '.join(self.op.disables)} cannot check what it would show"
            return f"{where}: {what}. Grant {self.op.action} (see docs/audit-policy.json)."
        if self.kind == "unavailable":
            if self.op.name == "ListFunctionUrlConfigs":
                return (f"{where}: lambda:ListFunctionUrlConfigs is not available on this endpoint ({self.code}); "
                        "function URLs read with GetFunctionUrlConfig instead (unqualified functions only)")
            return (f"{where}: {self.op.service}:{self.op.name} is not available on this endpoint ({self.code}); "
                    f"{self.op.reads} treated as unknown")
        return f"{where}: {self.op.action} failed ({self.code}){times}: {self.op.reads} treated as unknown"


class Recorder:
    """Counts API calls (one per request a paginator or a call makes, retries excluded) and HTTP
    attempts (retries included), through botocore's event hooks on every client."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.attempts = 0

    def attach(self, client: Any, service: str) -> None:
        def before_call(model: Any = None, **_: Any) -> None:
            name = getattr(model, "name", "?")
            try:
                action = operation(service, name).action
            except KeyError:
                action = f"{service}:{name} (unlisted)"
            with self.lock:
                self.calls[action] += 1

        def before_send(**_: Any) -> None:
            with self.lock:
                self.attempts += 1

        client.meta.events.register("before-call", before_call)
        client.meta.events.register("before-send", before_send)

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@dataclass
class Target:
    """One account to audit: a session with its credentials, and the regions to read."""

    account: str
    partition: str
    session: Any  # boto3.Session
    regions: list[str]


class Fetcher:
    def __init__(self, workers: int = 16, progress: Progress | None = None, recorder: Recorder | None = None) -> None:
        self.workers = max(1, workers)
        self.progress = progress or Progress(enabled=False)
        self.recorder = recorder or Recorder()
        self.pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="lambdalint-audit")
        self.lock = threading.Lock()
        self.clients: dict[tuple[str, str, str], Any] = {}
        self.unavailable: set[tuple[str, str, str, str]] = set()
        self.issues: dict[tuple[str, str, str, str], Issue] = {}
        self.fatal: list[str] = []  # scopes that could not be read at all (credentials)
        self.assume_failures: list[str] = []  # accounts whose role could not be assumed
        self._once: dict[tuple[str, str], Future] = {}

    # -- plumbing --------------------------------------------------------------------------
    def client(self, target: Target, service: str, region: str) -> Any:
        key = (target.account, service, region)
        with self.lock:
            found = self.clients.get(key)
            if found is None:
                from botocore.config import Config

                config = Config(
                    retries={"mode": "adaptive", "max_attempts": 10},
                    max_pool_connections=self.workers + 4,
                    connect_timeout=10, read_timeout=60,
                    user_agent_extra="lambdalint-audit",
                )
                found = target.session.client(service, region_name=region, config=config)
                self.recorder.attach(found, service)
                self.clients[key] = found
        return found

    def issue(self, account: str, region: str, failure: CallFailed, example: str) -> None:
        key = (account, region, failure.op.action, failure.kind)
        with self.lock:
            found = self.issues.get(key)
            if found is None:
                found = self.issues[key] = Issue(account, region, failure.op, failure.kind, failure.code)
            found.count += 1
            if example and len(found.examples) < 3 and example not in found.examples:
                found.examples.append(example)

    def call(self, target: Target, region: str, service: str, name: str, example: str = "", **kwargs: Any) -> Any:
        """One API call; raises ``CallFailed`` (recorded as an issue unless the resource is missing)."""
        op = operation(service, name)
        memo = (target.account, region, service, name)
        if memo in self.unavailable:
            raise CallFailed(op, "unavailable", "NotAvailable")
        client = self.client(target, service, region)
        method = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        try:
            return getattr(client, method)(**kwargs)
        except Exception as exc:
            failure = self._failure(op, exc, target, region, memo, example)
            raise failure from None

    def pages(self, target: Target, region: str, service: str, name: str, key: str, example: str = "",
              **kwargs: Any) -> list[Any]:
        """Every item under ``key`` of a paginated listing."""
        op = operation(service, name)
        memo = (target.account, region, service, name)
        if memo in self.unavailable:
            raise CallFailed(op, "unavailable", "NotAvailable")
        client = self.client(target, service, region)
        method = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        out: list[Any] = []
        try:
            for page in client.get_paginator(method).paginate(**kwargs):
                out.extend(page.get(key) or [])
        except Exception as exc:
            failure = self._failure(op, exc, target, region, memo, example)
            raise failure from None
        return out

    def _failure(self, op: Operation, exc: BaseException, target: Target, region: str, memo: tuple, example: str
                 ) -> CallFailed:
        kind, code = classify(exc)
        failure = CallFailed(op, kind, code)
        if kind == "unavailable":
            with self.lock:
                first = memo not in self.unavailable
                self.unavailable.add(memo)
            if first:
                self.issue(target.account, region, failure, "")
        elif kind != "missing":
            self.issue(target.account, region, failure, example)
        return failure

    def submit(self, func: Callable[..., Any], *args: Any) -> Future:
        self.progress.add()

        def run() -> Any:
            try:
                return func(*args)
            finally:
                self.progress.finish_one()

        return self.pool.submit(run)

    def once(self, key: tuple[str, str], func: Callable[..., Any], *args: Any) -> Future:
        """A shared future per key: a role or policy used by many functions is read once."""
        with self.lock:
            found = self._once.get(key)
            if found is None:
                found = self._once[key] = self.submit(func, *args)
        return found

    @staticmethod
    def wait(futures: Iterable[Future]) -> None:
        for future in list(futures):
            future.result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    # -- the audit -------------------------------------------------------------------------
    def audit(self, targets: list[Target], meta: dict[str, Any]) -> dict[str, Any]:
        """Read every target and return the snapshot."""
        snapshot: dict[str, Any] = {"lambdalint_snapshot": 1, **meta, "accounts": {}}
        accounts: dict[str, Any] = snapshot["accounts"]
        jobs: list[tuple[Target, str, dict[str, Any]]] = []
        for target in targets:
            account = accounts.setdefault(target.account, {"partition": target.partition, "roles": {},
                                                           "policies": {}, "regions": {}})
            for region in target.regions:
                scope: dict[str, Any] = {}
                account["regions"][region] = scope
                jobs.append((target, region, scope))
        # Regions are orchestrated side by side (each waits on its own requests); the requests
        # themselves all share the one bounded pool.
        orchestrators = min(4, max(1, len(jobs)))
        with ThreadPoolExecutor(max_workers=orchestrators, thread_name_prefix="lambdalint-region") as regions:
            futures = [regions.submit(self.region, t, r, s, accounts[t.account]) for t, r, s in jobs]
            for future in futures:
                future.result()
        for account in accounts.values():
            account["roles"] = dict(sorted(account["roles"].items()))
            account["policies"] = dict(sorted(account["policies"].items()))
        snapshot["warnings"] = [i.as_dict() for i in self.sorted_issues()]
        return snapshot

    def sorted_issues(self) -> list[Issue]:
        return sorted(self.issues.values(), key=lambda i: (i.account, i.region, i.op.action, i.kind))

    def region(self, target: Target, region: str, scope: dict[str, Any], account: dict[str, Any]) -> None:
        self.progress.stage(f"{target.account}/{region}")
        # Phase 1: the listings.
        listing: dict[str, Any] = {}

        def list_functions() -> None:
            try:
                functions = self.pages(target, region, "lambda", "ListFunctions", "Functions")
                listing["functions"] = {f["FunctionName"]: {"Configuration": jsonable(f)} for f in functions}
            except CallFailed as failure:
                listing["functions"] = failure.marker()

        def list_mappings() -> None:
            try:
                mappings = self.pages(target, region, "lambda", "ListEventSourceMappings", "EventSourceMappings")
                listing["mappings"] = {m["UUID"]: jsonable(m) for m in mappings}
            except CallFailed as failure:
                listing["mappings"] = failure.marker()

        def account_settings() -> None:
            try:
                listing["settings"] = jsonable(self.call(target, region, "lambda", "GetAccountSettings"))
            except CallFailed as failure:
                listing["settings"] = failure.marker()

        def default_groups() -> None:
            try:
                listing["groups"] = self.pages(target, region, "logs", "DescribeLogGroups", "logGroups",
                                               logGroupNamePrefix=DEFAULT_GROUP_PREFIX)
            except CallFailed as failure:
                listing["groups"] = failure.marker()

        self.wait([self.submit(f) for f in (list_functions, list_mappings, account_settings, default_groups)])
        functions = listing["functions"]
        scope["account_settings"] = listing["settings"]
        scope["functions"] = functions
        if "Error" in functions:
            if functions["Error"]["Kind"] == "credentials":
                self.fatal.append(f"{target.account}/{region}")
            return
        mappings = listing["mappings"]
        scope["event_source_mappings"] = mappings

        # Phase 2: per function, per role, per source and per subnet batch.
        futures: list[Future] = []
        for name, entry in functions.items():
            futures.append(self.submit(self.function_details, target, region, name, entry))
        roles = sorted({e["Configuration"].get("Role") for e in functions.values()
                        if isinstance(e["Configuration"].get("Role"), str)})
        role_futures = {arn: self.once((target.account, arn), self.role, target, region, arn) for arn in roles}
        sources = [m.get("EventSourceArn") for m in (mappings.values() if "Error" not in mappings else ())]
        arns = [a for a in sources if isinstance(a, str) and a.startswith("arn:") and a.count(":") >= 5]
        queues = sorted({a for a in arns if a.split(":")[2] == "sqs"})
        tables = sorted({a.split("/stream/")[0] for a in arns if a.split(":")[2] == "dynamodb" and "/stream/" in a})
        scope["queues"] = {}
        scope["tables"] = {}
        for arn in queues:
            futures.append(self.submit(self.queue, target, arn, scope["queues"]))
        for arn in tables:
            futures.append(self.submit(self.table, target, arn, scope["tables"]))
        subnet_ids = sorted({s for e in functions.values() for s in
                             ((e["Configuration"].get("VpcConfig") or {}).get("SubnetIds") or [])})
        scope["subnets"] = {}
        for start in range(0, len(subnet_ids), SUBNET_BATCH):
            futures.append(self.submit(self.subnets, target, region, subnet_ids[start:start + SUBNET_BATCH],
                                       scope["subnets"]))
        groups = listing["groups"]
        if isinstance(groups, dict):
            scope["log_groups"] = groups
        else:
            wanted = {DEFAULT_GROUP_PREFIX + name for name in functions}
            found = {g["logGroupName"]: jsonable(g) for g in groups if g.get("logGroupName") in wanted}
            scope["log_groups"] = found
            configured = {(e["Configuration"].get("LoggingConfig") or {}).get("LogGroup") for e in functions.values()}
            custom = sorted(configured - {None, ""} - set(found))
            for name in custom:
                futures.append(self.submit(self.log_group, target, region, name, scope["log_groups"]))
        self.wait(futures)
        self.wait(role_futures.values())

        # Phase 3: what phase 2 named: managed policies, notifying buckets, subscribed topics.
        futures = []
        for arn in roles:
            entry = account["roles"].setdefault(arn, role_futures[arn].result())
            attached = entry.get("AttachedPolicies")
            for parn in attached if isinstance(attached, list) else ():
                futures.append(self.once((target.account, parn), self.policy, target, region, parn,
                                         account["policies"]))
        buckets, topics = self.invokers(functions)
        scope["buckets"] = {}
        scope["topics"] = {}
        function_arns = {e["Configuration"]["FunctionArn"] for e in functions.values()}
        for bucket in buckets:
            futures.append(self.submit(self.bucket, target, region, bucket, scope["buckets"]))
        for topic in topics:
            futures.append(self.submit(self.topic, target, topic, function_arns, scope["topics"]))
        self.wait(futures)
        for key in ("queues", "tables", "subnets", "buckets", "topics"):
            scope[key] = dict(sorted(scope[key].items()))
        if isinstance(scope["log_groups"], dict) and "Error" not in scope["log_groups"]:
            scope["log_groups"] = dict(sorted(scope["log_groups"].items()))

    # -- per resource ----------------------------------------------------------------------
    def function_details(self, target: Target, region: str, name: str, entry: dict[str, Any]) -> None:
        """Resource policy, reserved concurrency, async config, URLs, recursion config."""
        try:
            raw = self.call(target, region, "lambda", "GetPolicy", name, FunctionName=name).get("Policy")
            entry["Policy"] = json.loads(raw) if isinstance(raw, str) else None
        except CallFailed as failure:
            entry["Policy"] = None if failure.kind == "missing" else failure.marker()
        except ValueError:
            entry["Policy"] = {"Error": {"Code": "InvalidPolicyJSON", "Kind": "failed", "Action": "lambda:GetPolicy"}}
        try:
            entry["Concurrency"] = jsonable(self.call(target, region, "lambda", "GetFunctionConcurrency", name,
                                                      FunctionName=name))
        except CallFailed as failure:
            entry["Concurrency"] = {} if failure.kind == "missing" else failure.marker()
        try:
            entry["EventInvokeConfigs"] = jsonable(self.pages(
                target, region, "lambda", "ListFunctionEventInvokeConfigs", "FunctionEventInvokeConfigs", name,
                FunctionName=name))
        except CallFailed as failure:
            entry["EventInvokeConfigs"] = [] if failure.kind == "missing" else failure.marker()
        entry["FunctionUrlConfigs"] = self.urls(target, region, name)
        try:
            entry["RecursionConfig"] = jsonable(self.call(target, region, "lambda", "GetFunctionRecursionConfig", name,
                                                          FunctionName=name))
        except CallFailed as failure:
            entry["RecursionConfig"] = failure.marker()

    def urls(self, target: Target, region: str, name: str) -> Any:
        try:
            return jsonable(self.pages(target, region, "lambda", "ListFunctionUrlConfigs", "FunctionUrlConfigs", name,
                                       FunctionName=name))
        except CallFailed as failure:
            if failure.kind == "missing":
                return []
            if failure.kind != "unavailable":
                return failure.marker()
        # An endpoint without ListFunctionUrlConfigs: the unqualified function's URL, if any.
        try:
            found = jsonable(self.call(target, region, "lambda", "GetFunctionUrlConfig", name, FunctionName=name))
            return [found]
        except CallFailed as failure:
            return [] if failure.kind == "missing" else failure.marker()

    def role(self, target: Target, region: str, arn: str) -> dict[str, Any]:
        name = arn.rsplit("/", 1)[-1]
        entry: dict[str, Any] = {"RoleName": name}
        try:
            names = self.pages(target, region, "iam", "ListRolePolicies", "PolicyNames", name, RoleName=name)
            inline: dict[str, Any] = {}
            for pname in names:
                try:
                    doc = self.call(target, region, "iam", "GetRolePolicy", f"{name}/{pname}", RoleName=name,
                                    PolicyName=pname).get("PolicyDocument")
                    inline[pname] = _policy_doc(doc)
                except CallFailed as failure:
                    inline[pname] = failure.marker()
            entry["InlinePolicies"] = inline
        except CallFailed as failure:
            entry["InlinePolicies"] = failure.marker()
        try:
            attached = self.pages(target, region, "iam", "ListAttachedRolePolicies", "AttachedPolicies", name,
                                  RoleName=name)
            entry["AttachedPolicies"] = sorted({p["PolicyArn"] for p in attached if p.get("PolicyArn")})
        except CallFailed as failure:
            entry["AttachedPolicies"] = failure.marker()
        return entry

    def policy(self, target: Target, region: str, arn: str, policies: dict[str, Any]) -> None:
        try:
            meta = self.call(target, region, "iam", "GetPolicy", arn, PolicyArn=arn)["Policy"]
            version = meta.get("DefaultVersionId")
            doc = self.call(target, region, "iam", "GetPolicyVersion", arn, PolicyArn=arn,
                            VersionId=version)["PolicyVersion"].get("Document")
            entry = {"PolicyName": meta.get("PolicyName"), "DefaultVersionId": version, "Document": _policy_doc(doc)}
        except CallFailed as failure:
            entry = failure.marker()
        with self.lock:
            policies[arn] = entry

    def queue(self, target: Target, arn: str, out: dict[str, Any]) -> None:
        parts = arn.split(":")
        region, owner, name = parts[3], parts[4], parts[5]
        url = f"https://sqs.{region}.{_dns_suffix(parts[1])}/{owner}/{name}"
        try:
            attrs = self.call(target, region, "sqs", "GetQueueAttributes", name, QueueUrl=url,
                              AttributeNames=["All"]).get("Attributes", {})
            entry: dict[str, Any] = {"QueueUrl": url, "Attributes": jsonable(attrs)}
        except CallFailed as failure:
            entry = failure.marker()
        with self.lock:
            out[arn] = entry

    def table(self, target: Target, arn: str, out: dict[str, Any]) -> None:
        parts = arn.split(":")
        region = parts[3]
        name = arn.split("/", 1)[1]
        table_name = name if parts[4] == target.account else arn
        try:
            entry: dict[str, Any] = {"Table": jsonable(self.call(target, region, "dynamodb", "DescribeTable", name,
                                                                 TableName=table_name)["Table"])}
        except CallFailed as failure:
            entry = failure.marker()
        with self.lock:
            out[arn] = entry

    def subnets(self, target: Target, region: str, ids: list[str], out: dict[str, Any]) -> None:
        try:
            found = self.call(target, region, "ec2", "DescribeSubnets", ids[0], SubnetIds=ids)["Subnets"]
        except CallFailed as failure:
            if failure.kind != "missing" or len(ids) == 1:
                if failure.kind != "missing":
                    with self.lock:
                        for subnet_id in ids:
                            out[subnet_id] = failure.marker()
                return
            # One id that no longer exists fails the whole batch: ask for each on its own.
            for subnet_id in ids:
                self.subnets(target, region, [subnet_id], out)
            return
        with self.lock:
            for subnet in found:
                out[subnet["SubnetId"]] = jsonable(subnet)

    def log_group(self, target: Target, region: str, name: str, out: dict[str, Any]) -> None:
        try:
            groups = self.pages(target, region, "logs", "DescribeLogGroups", "logGroups", name, logGroupNamePrefix=name)
        except CallFailed as failure:
            with self.lock:
                out[name] = failure.marker()
            return
        for group in groups:
            if group.get("logGroupName") == name:
                with self.lock:
                    out[name] = jsonable(group)

    def bucket(self, target: Target, region: str, name: str, out: dict[str, Any]) -> None:
        try:
            config = self.call(target, region, "s3", "GetBucketNotificationConfiguration", name, Bucket=name)
            entry: dict[str, Any] = {"NotificationConfiguration": jsonable(config)}
        except CallFailed as failure:
            entry = failure.marker()
        with self.lock:
            out[name] = entry

    def topic(self, target: Target, arn: str, function_arns: set[str], out: dict[str, Any]) -> None:
        region = arn.split(":")[3]
        try:
            subs = self.pages(target, region, "sns", "ListSubscriptionsByTopic", "Subscriptions", arn, TopicArn=arn)
        except CallFailed as failure:
            with self.lock:
                out[arn] = failure.marker()
            return
        kept = []
        for sub in subs:
            endpoint = sub.get("Endpoint")
            if sub.get("Protocol") != "lambda" or not isinstance(endpoint, str):
                continue
            if ":".join(endpoint.split(":")[:7]) not in function_arns:
                continue
            item = jsonable(sub)
            sub_arn = sub.get("SubscriptionArn")
            if isinstance(sub_arn, str) and sub_arn.startswith("arn:"):
                try:
                    attrs = self.call(target, region, "sns", "GetSubscriptionAttributes", sub_arn,
                                      SubscriptionArn=sub_arn).get("Attributes", {})
                    # Only what the rules read: the filter policy and its scope.
                    item["Attributes"] = {k: v for k, v in attrs.items() if k in ("FilterPolicy", "FilterPolicyScope")}
                except CallFailed as failure:
                    item["Attributes"] = failure.marker()
            kept.append(item)
        with self.lock:
            out[arn] = {"Subscriptions": kept}

    @staticmethod
    def invokers(functions: dict[str, Any]) -> tuple[list[str], list[str]]:
        """Buckets and topics the functions' resource policies let invoke them (by SourceArn)."""
        buckets: set[str] = set()
        topics: set[str] = set()
        for entry in functions.values():
            policy = entry.get("Policy")
            statements = policy.get("Statement") if isinstance(policy, dict) else None
            for stmt in statements if isinstance(statements, list) else ():
                principal = stmt.get("Principal") if isinstance(stmt, dict) else None
                service = principal.get("Service") if isinstance(principal, dict) else None
                services = [service] if isinstance(service, str) else service if isinstance(service, list) else []
                for arn in _source_arns(stmt.get("Condition")):
                    if "*" in arn or "?" in arn:
                        continue
                    if "s3.amazonaws.com" in services and arn.startswith("arn:") and ":::" in arn:
                        buckets.add(arn.split(":::", 1)[1])
                    elif "sns.amazonaws.com" in services and arn.startswith("arn:") and ":sns:" in arn:
                        topics.add(arn)
        return sorted(buckets), sorted(topics)


def _source_arns(condition: Any) -> list[str]:
    out: list[str] = []
    if isinstance(condition, dict):
        for block in condition.values():
            if isinstance(block, dict):
                for key, value in block.items():
                    if isinstance(key, str) and key.lower() == "aws:sourcearn":
                        out.extend([value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]
                                   if isinstance(value, list) else [])
    return out


def _policy_doc(doc: Any) -> Any:
    """IAM returns policy documents URL-encoded JSON; boto3 decodes them, older SDKs may not."""
    if isinstance(doc, str):
        from urllib.parse import unquote

        for text in (doc, unquote(doc)):
            try:
                return json.loads(text)
            except ValueError:
                continue
        return {"Error": {"Code": "InvalidPolicyJSON", "Kind": "failed", "Action": "iam:GetPolicyVersion"}}
    return jsonable(doc)


def _dns_suffix(partition: str) -> str:
    return {"aws-cn": "amazonaws.com.cn", "aws-iso": "c2s.ic.gov", "aws-iso-b": "sc2s.sgov.gov"}.get(
        partition, "amazonaws.com")
