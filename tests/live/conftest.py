"""A real AWS-protocol endpoint for the live tests: moto's server on 127.0.0.1, a free port.

The server runs in this process (``ThreadedMotoServer``) so IAM enforcement can be switched on
and off through moto's ``/moto-api/reset-auth`` endpoint. ``lambdalint audit`` runs as a
subprocess against it through the standard ``AWS_ENDPOINT_URL`` variable, as it would against
any AWS-compatible endpoint.

Tests that need the server are skipped when moto (``pip install 'moto[server]'``) is missing;
the offline tests of this directory (CLI output, snapshots, Stubber) need only boto3 or nothing.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REGION = "us-east-1"
ACCOUNT = "123456789012"
SECRET_VALUE = "Xk29fj3kLq0Zp8sRt7uVw1yB"  # the secret planted in `api`'s environment


def _patch_moto_lambda_signatures() -> None:
    """moto 5.x checks SigV4 signatures of Lambda's REST calls against a wrong payload (its
    ``LambdaResponse.data`` holds the request headers, not the body), so every Lambda call fails
    with SignatureDoesNotMatch once IAM enforcement is on. Sign over the body, as AWS does."""
    from botocore.awsrequest import AWSRequest
    from moto.iam import access_control

    def create_aws_request(self: Any) -> AWSRequest:
        signed = self._get_string_between("SignedHeaders=", ",", self._headers["Authorization"]).split(";")
        headers = self._create_headers_for_aws_request(signed, self._headers)
        data = self._body if self._service == "lambda" else (self._body or self._data)
        request = AWSRequest(method=self._method, url=self._path, data=data, headers=headers)
        request.context["timestamp"] = headers["X-Amz-Date"]
        return request

    access_control.IAMRequestBase._create_aws_request = create_aws_request


@dataclass
class Endpoint:
    url: str
    env: dict[str, str]
    resources: dict[str, Any] = field(default_factory=dict)

    def session(self, **creds: str) -> Any:
        import boto3

        return boto3.Session(aws_access_key_id=creds.get("key", "testing"),
                             aws_secret_access_key=creds.get("secret", "testing"), region_name=REGION)

    def enforce_iam(self, on: bool) -> None:
        import urllib.request

        body = b"0" if on else b"inf"
        urllib.request.urlopen(urllib.request.Request(self.url + "/moto-api/reset-auth", data=body, method="POST",
                                                      headers={"Content-Type": "text/plain"}))


def audit_env(url: str, key: str = "testing", secret: str = "testing") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
               AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               PYTHONWARNINGS="ignore")
    return env


def run_audit(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lambdalint", "audit", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[Endpoint]:
    pytest.importorskip("boto3")
    pytest.importorskip("moto.server")
    from moto.server import ThreadedMotoServer

    _patch_moto_lambda_signatures()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    endpoint = Endpoint(url, audit_env(url))
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL",)}
    os.environ["AWS_ENDPOINT_URL"] = url  # for the boto3 clients of the fixtures themselves
    try:
        yield endpoint
    finally:
        endpoint.enforce_iam(False)
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def code_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
    return buf.getvalue()


def trust() -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def make_role(iam: Any, name: str, statements: list[dict[str, Any]] | None = None) -> str:
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(), Path="/service-role/")["Role"]["Arn"]
    if statements:
        iam.put_role_policy(RoleName=name, PolicyName=f"{name}-writes",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    return arn


@pytest.fixture(scope="session")
def seeded(moto_endpoint: Endpoint) -> Endpoint:
    """The test account: every mission rule a live account can show, and their passing twins."""
    seed_account(moto_endpoint.session())
    return moto_endpoint


def seed_account(session: Any) -> dict[str, Any]:
    iam, lam, sqs, s3, sns = (session.client(s) for s in ("iam", "lambda", "sqs", "s3", "sns"))
    ec2, logs, ddb = (session.client(s) for s in ("ec2", "logs", "dynamodb"))
    code = {"ZipFile": code_zip()}
    base = {"Runtime": "python3.12", "Handler": "app.handler", "Code": code}

    def queue(name: str, **attrs: str) -> tuple[str, str]:
        url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
        return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    # Queues: `jobs` has no redrive and a short visibility timeout; `orders` is done right.
    _, jobs_arn = queue("jobs", VisibilityTimeout="30")
    _, orders_dlq_arn = queue("orders-dlq")
    _, orders_arn = queue("orders", VisibilityTimeout="360",
                          RedrivePolicy=json.dumps({"deadLetterTargetArn": orders_dlq_arn, "maxReceiveCount": 5}))
    _, failures_arn = queue("failures")

    # worker: SQS mapping without ReportBatchItemFailures, an async OnFailure destination it never
    # uses (LL104), and a role that may send to its own source queue (LL101).
    worker_role = make_role(iam, "worker-role",
                            [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": jobs_arn}])
    lam.create_function(FunctionName="worker", Role=worker_role, Timeout=10, **base)
    lam.create_event_source_mapping(EventSourceArn=jobs_arn, FunctionName="worker", BatchSize=10)
    lam.put_function_event_invoke_config(FunctionName="worker",
                                         DestinationConfig={"OnFailure": {"Destination": failures_arn}})

    # orders: the same wiring done right.
    orders_role = make_role(iam, "orders-role")
    lam.create_function(FunctionName="orders", Role=orders_role, Timeout=30, **base)
    lam.create_event_source_mapping(EventSourceArn=orders_arn, FunctionName="orders", BatchSize=10,
                                    FunctionResponseTypes=["ReportBatchItemFailures"])

    # thumbnailer: a bucket notifies it and its role may write back into the bucket (LL101); S3
    # invokes asynchronously and it has no DLQ or destination (LL105); no log group yet (LL301).
    s3.create_bucket(Bucket="ll-uploads")
    thumb_role = make_role(iam, "thumbnailer-role",
                           [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                             "Resource": "arn:aws:s3:::ll-uploads/*"}])
    thumb = lam.create_function(FunctionName="thumbnailer", Role=thumb_role, **base)["FunctionArn"]
    lam.add_permission(FunctionName="thumbnailer", StatementId="s3-invoke", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::ll-uploads", SourceAccount=ACCOUNT)
    s3.put_bucket_notification_configuration(Bucket="ll-uploads", NotificationConfiguration={
        "LambdaFunctionConfigurations": [
            {"Id": "thumbs", "LambdaFunctionArn": thumb, "Events": ["s3:ObjectCreated:*"]}]})

    # archiver: the same bucket pattern with a disjoint prefix filter (no loop) and a destination.
    s3.create_bucket(Bucket="ll-archive")
    archive_role = make_role(iam, "archiver-role", [{"Effect": "Allow", "Action": "s3:PutObject",
                                                     "Resource": "arn:aws:s3:::ll-archive/out/*"}])
    archiver = lam.create_function(FunctionName="archiver", Role=archive_role, **base)["FunctionArn"]
    lam.add_permission(FunctionName="archiver", StatementId="s3-invoke", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::ll-archive")
    s3.put_bucket_notification_configuration(Bucket="ll-archive", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{
            "Id": "incoming", "LambdaFunctionArn": archiver, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}}}]})
    lam.put_function_event_invoke_config(FunctionName="archiver",
                                         DestinationConfig={"OnFailure": {"Destination": failures_arn}})

    # notifier: an SNS subscriber with an OnFailure destination (LL105 passes); its log group has
    # no retention (LL301).
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    notifier = lam.create_function(FunctionName="notifier", Role=make_role(iam, "notifier-role"), **base)["FunctionArn"]
    lam.add_permission(FunctionName="notifier", StatementId="sns-invoke", Action="lambda:InvokeFunction",
                       Principal="sns.amazonaws.com", SourceArn=topic)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=notifier)
    lam.put_function_event_invoke_config(FunctionName="notifier",
                                         DestinationConfig={"OnFailure": {"Destination": failures_arn}})

    # api: a function URL, a secret in its environment (LL201), and a /28 subnet for a reserved
    # concurrency of 50 (LL401).
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    small = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/28", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    large = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone=f"{REGION}b")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="lambda", Description="lambda", VpcId=vpc)["GroupId"]
    lam.create_function(FunctionName="api", Role=make_role(iam, "api-role"), **base,
                        Environment={"Variables": {"DB_PASSWORD": SECRET_VALUE, "LOG_LEVEL": "info"}},
                        VpcConfig={"SubnetIds": [small], "SecurityGroupIds": [sg]})
    lam.put_function_concurrency(FunctionName="api", ReservedConcurrentExecutions=50)
    lam.create_function_url_config(FunctionName="api", AuthType="AWS_IAM")

    # vpc-ok: a /24 for a reserved concurrency of 20 (LL401 passes).
    lam.create_function(FunctionName="vpc-ok", Role=make_role(iam, "vpc-ok-role"), **base,
                        VpcConfig={"SubnetIds": [large], "SecurityGroupIds": [sg]})
    lam.put_function_concurrency(FunctionName="vpc-ok", ReservedConcurrentExecutions=20)

    # stream-reader: a DynamoDB stream mapping without ReportBatchItemFailures (LL102) whose
    # function may write back into the table (LL101, an error: AWS does not stop stream loops).
    table = ddb.create_table(
        TableName="events", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})["TableDescription"]
    stream_role = make_role(iam, "stream-role", [{"Effect": "Allow", "Action": "dynamodb:PutItem",
                                                  "Resource": table["TableArn"]}])
    lam.create_function(FunctionName="stream-reader", Role=stream_role, **base)
    lam.create_event_source_mapping(EventSourceArn=table["LatestStreamArn"], FunctionName="stream-reader",
                                    StartingPosition="LATEST", BatchSize=100)

    # Log groups: retention everywhere except notifier's group; thumbnailer has none at all.
    for name, days in (("worker", 14), ("orders", 14), ("archiver", 30), ("notifier", None), ("api", 7),
                       ("vpc-ok", 7), ("stream-reader", 14)):
        logs.create_log_group(logGroupName=f"/aws/lambda/{name}")
        if days:
            logs.put_retention_policy(logGroupName=f"/aws/lambda/{name}", retentionInDays=days)
    return {"jobs": jobs_arn, "orders": orders_arn, "table": table["TableArn"], "small": small, "large": large}
