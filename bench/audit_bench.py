"""Audit a seeded account of many functions on moto's server: API calls per function and wall time.

Not a test (it takes a minute or two): run it by hand after changing the fetcher.

    python bench/audit_bench.py               # 1,000 functions
    python bench/audit_bench.py --functions 200 --workers 32

The account mirrors a typical serverless estate: every function has its own execution role
with an inline policy and a log group; a third are fed by their own SQS queue (mapping), a
third by an S3 bucket (permission and notification), a third by an SNS topic (permission and
subscription); one function in ten runs in a VPC on one of four shared subnets. The audit runs
as a subprocess against ``AWS_ENDPOINT_URL``, exactly as a user would run it, and its JSON report
gives the call counts. Needs ``pip install 'moto[server]'``.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

REGION = "us-east-1"


def seed(session: Any, count: int) -> None:
    iam, lam, sqs, s3, sns, ec2, logs = (session.client(s) for s in
                                         ("iam", "lambda", "sqs", "s3", "sns", "ec2", "logs"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
    code = buf.getvalue()
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24")["Subnet"]["SubnetId"] for i in range(4)]
    sg = ec2.create_security_group(GroupName="fns", Description="fns", VpcId=vpc)["GroupId"]

    def role(i: int) -> str:
        name = f"fn-{i:04d}"
        arn = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        iam.put_role_policy(RoleName=f"{name}-role", PolicyName="app", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "dynamodb:GetItem",
                 "Resource": f"arn:aws:dynamodb:{REGION}:*:table/t{i}"}]}))
        return arn

    def one(i: int, role: str) -> None:
        name = f"fn-{i:04d}"
        kind = i % 3
        extra: dict[str, Any] = {}
        if i % 10 == 0:
            extra["VpcConfig"] = {"SubnetIds": [subnets[i % 4]], "SecurityGroupIds": [sg]}
        arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                  Code={"ZipFile": code}, Timeout=10,
                                  Environment={"Variables": {"STAGE": "prod", "INDEX": str(i)}}, **extra)["FunctionArn"]
        if kind == 0:
            url = sqs.create_queue(QueueName=f"{name}-q", Attributes={"VisibilityTimeout": "120"})["QueueUrl"]
            qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            lam.create_event_source_mapping(EventSourceArn=qarn, FunctionName=name, BatchSize=10,
                                            FunctionResponseTypes=["ReportBatchItemFailures"])
        elif kind == 1:
            bucket = f"bench-{name}"
            s3.create_bucket(Bucket=bucket)
            lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                               Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}")
            s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
                "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
        else:
            topic = sns.create_topic(Name=f"{name}-t")["TopicArn"]
            lam.add_permission(FunctionName=name, StatementId="sns", Action="lambda:InvokeFunction",
                               Principal="sns.amazonaws.com", SourceArn=topic)
            sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
        logs.create_log_group(logGroupName=f"/aws/lambda/{name}")
        logs.put_retention_policy(logGroupName=f"/aws/lambda/{name}", retentionInDays=14)

    # Roles first: moto's IAM backend is not safe against a role created while CreateFunction
    # looks its role up on another thread.
    with ThreadPoolExecutor(max_workers=16) as pool:
        roles = list(pool.map(role, range(count)))
        list(pool.map(one, range(count), roles))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--save", metavar="FILE", help="also keep the snapshot (to time `lambdalint check` on it)")
    args = parser.parse_args()

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    os.environ.update({k: env[k] for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")})
    try:
        started = time.perf_counter()
        seed(boto3.Session(region_name=REGION), args.functions)
        print(f"seeded {args.functions} functions in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        started = time.perf_counter()
        save = ["--save", args.save] if args.save else []
        proc = subprocess.run([sys.executable, "-m", "lambdalint", "audit", "--format", "json", "--no-progress",
                               "--max-workers", str(args.workers), *save], env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
    finally:
        server.stop()
    if proc.returncode not in (0, 1, 3):
        sys.exit(f"audit failed ({proc.returncode}):\n{proc.stderr}")
    audit = json.loads(proc.stdout)["audit"]
    functions = audit["functions"]
    print(f"functions audited:      {functions}")
    print(f"API calls:              {audit['api_call_total']} ({audit['api_call_total'] / functions:.2f} per function)")
    print(f"HTTP attempts:          {audit['http_attempts']} (retries included)")
    print(f"audit wall time:        {wall:.1f}s (subprocess, {args.workers} workers; fetching "
          f"{audit['fetch_seconds']}s, whole audit {audit['seconds']}s)")
    print("calls by action:")
    for action, count in sorted(audit["api_calls"].items(), key=lambda kv: -kv[1]):
        print(f"  {action:<42} {count:>6}")


if __name__ == "__main__":
    main()
