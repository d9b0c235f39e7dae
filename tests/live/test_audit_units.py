"""The audit's small parts: the permission table and policy file, error classification, progress."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from lambdalint.audit.permissions import OPERATIONS, actions, policy_document
from lambdalint.audit.progress import Progress

ROOT = Path(__file__).resolve().parents[2]


def test_policy_file_is_the_permission_table() -> None:
    assert json.loads((ROOT / "docs" / "audit-policy.json").read_text()) == policy_document()
    assert all(a.split(":")[1][:1].isupper() for a in actions())
    readme = (ROOT / "README.md").read_text()
    assert all(f'"{a}"' in readme for a in actions()), "README's copy of the policy is stale"


def test_every_operation_exists_in_the_sdk_and_is_read_only() -> None:
    boto3 = pytest.importorskip("boto3")
    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1")
    clients = {service: session.client(service) for service in {op.service for op in OPERATIONS}}
    for op in OPERATIONS:
        client = clients[op.service]
        assert op.name in client.meta.service_model.operation_names, f"{op.service}:{op.name}"
        assert op.name.startswith(("Get", "List", "Describe")), f"{op.name} is not a read"
        assert op.action.split(":")[1].startswith(("Get", "List", "Describe"))


def test_errors_are_classified() -> None:
    pytest.importorskip("botocore")
    from botocore.exceptions import ClientError, NoCredentialsError

    from lambdalint.audit.fetch import classify

    def err(code: str, status: int, message: str = "") -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": message},
                            "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")

    assert classify(err("AccessDeniedException", 403)) == ("denied", "AccessDeniedException")
    assert classify(err("AuthorizationError", 403)) == ("denied", "AuthorizationError")  # SNS
    assert classify(err("UnauthorizedOperation", 403)) == ("denied", "UnauthorizedOperation")  # EC2
    # An XML error under a REST-JSON service (moto's Lambda): the code inside the body counts.
    xml = "<ErrorResponse><Errors><Error><Code>AccessDenied</Code></Error></Errors></ErrorResponse>"
    assert classify(err("403", 403, xml)) == ("denied", "AccessDenied")
    assert classify(err("404", 404, "<html>404 Not Found</html>")) == ("unavailable", "404")
    assert classify(err("UnknownOperationException", 400))[0] == "unavailable"
    assert classify(err("ResourceNotFoundException", 404))[0] == "missing"
    assert classify(err("ExpiredTokenException", 403))[0] == "credentials"
    assert classify(err("ThrottlingException", 400))[0] == "failed"
    assert classify(NoCredentialsError())[0] == "credentials"
    assert classify(AttributeError("get_function_recursion_config"))[0] == "unavailable"


def test_progress_bar_draws_only_when_enabled() -> None:
    stream = io.StringIO()
    bar = Progress(enabled=True, stream=stream)
    bar.add(4)
    bar.stage("123456789012/us-east-1")
    for _ in range(4):
        bar.finish_one()
    bar.close()
    assert "auditing [" in stream.getvalue() and "123456789012/us-east-1" in stream.getvalue()
    quiet = io.StringIO()
    off = Progress(stream=quiet)  # a StringIO is not a terminal
    off.add()
    off.stage("x")
    off.close()
    assert quiet.getvalue() == ""
