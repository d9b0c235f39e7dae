"""`lambdalint audit` as a subprocess against moto's server: every rule a live account can show.

The account (``conftest.seed_account``) is created through boto3 on a real AWS-protocol
endpoint; the audit reaches it only through ``AWS_ENDPOINT_URL``. moto 5.2's server drops
``DeadLetterConfig`` and ``LoggingConfig`` from function configurations and answers 404 to
``GetAccountSettings``, ``GetFunctionRecursionConfig`` and ``ListFunctionUrlConfigs``: those
paths are covered with botocore's Stubber in ``test_audit_stubber.py``, and here the audit must
treat the 404s as "not available" (notes, not a partial audit).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from lambdalint.audit.permissions import OPERATIONS, actions

from .conftest import SECRET_VALUE, Endpoint, audit_env, run_audit

ROOT = Path(__file__).resolve().parents[2]
POLICY = json.loads((ROOT / "docs" / "audit-policy.json").read_text())

# (rule, resource) of every finding the seeded account must produce, and nothing else. Mapping
# UUIDs are generated, so LL102 findings are keyed by the source named in their message.
EXPECTED = {
    ("LL101", "stream-role"), ("LL101", "thumbnailer-role"), ("LL101", "worker-role"),
    ("LL102", "mapping from jobs"), ("LL102", "mapping from events"),
    ("LL103", "jobs"), ("LL104", "worker"), ("LL105", "thumbnailer"), ("LL106", "jobs"), ("LL201", "api"),
    ("LL301", "thumbnailer"), ("LL301", "/aws/lambda/notifier"), ("LL401", "api"),
}


def keyed(findings: list[dict[str, Any]]) -> set[tuple[str, str]]:
    out = set()
    for f in findings:
        if f["rule_id"] == "LL102":
            source = re.search(r"mapping from (\S+)", f["message"]).group(1)
            # A source the audit could not read is named by its ARN: keep the resource name.
            source = re.sub(r"^arn:[^/]*?:(?:table/)?([^/:]+)(?:/stream/.*)?$", r"\1", source)
            out.add(("LL102", "mapping from " + source))
        else:
            out.add((f["rule_id"], f["resource"]))
    return out


def report(proc: Any) -> dict[str, Any]:
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def saved(seeded: Endpoint, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """One full audit with --save, shared by the tests that read its output."""
    work = tmp_path_factory.mktemp("audit")
    proc = run_audit(seeded.env, "--save", "snapshot.json", "--format", "json", cwd=work)
    return work, proc


def test_audit_finds_every_rule_a_live_account_shows(saved: tuple[Path, Any]) -> None:
    _, proc = saved
    data = report(proc)
    assert proc.returncode == 1, proc.stderr
    assert keyed(data["findings"]) == EXPECTED, "\n".join(f"{f['rule_id']} {f['resource']}: {f['message']}"
                                                         for f in data["findings"])
    by_key = {(f["rule_id"], f["resource"]): f for f in data["findings"]}
    # Facts only a live account shows: free addresses as AWS reports them, the reserved concurrency.
    assert "11 free addresses" in by_key[("LL401", "api")]["message"]
    assert "peak concurrency 50" in by_key[("LL401", "api")]["message"]
    # A stream loop is an error (AWS's loop detection does not cover it); the S3 loop names the grant.
    assert by_key[("LL101", "stream-role")]["severity"] == "error"
    assert "s3:PutObject" in by_key[("LL101", "thumbnailer-role")]["message"]
    # Live findings name the function, and carry its ARN.
    assert by_key[("LL201", "api")]["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:api"
    audit = data["audit"]
    assert audit["partial"] is False and audit["functions"] == 8 and audit["unreachable"] == []
    # moto's gaps are notes ("not available"), never a crash or a partial audit.
    unavailable = {w["action"] for w in audit["warnings"] if w["kind"] == "unavailable"}
    assert unavailable == {"lambda:GetAccountSettings", "lambda:GetFunctionRecursionConfig",
                           "lambda:ListFunctionUrlConfigs"}
    assert not [w for w in audit["warnings"] if w["kind"] != "unavailable"]
    assert "not available on this endpoint" in proc.stderr


def test_secret_values_and_credentials_are_never_printed(saved: tuple[Path, Any]) -> None:
    work, proc = saved
    assert SECRET_VALUE not in proc.stdout + proc.stderr
    assert "testing" not in proc.stderr
    snapshot = work / "snapshot.json"
    assert snapshot.stat().st_mode & 0o777 == 0o600  # it holds environment values
    assert "SecretAccessKey" not in snapshot.read_text() and "aws_secret" not in snapshot.read_text()


def test_check_of_the_snapshot_gives_identical_findings(saved: tuple[Path, Any]) -> None:
    """The audit lints the file it saved, so `check` on it is the same run: lines included."""
    import subprocess
    import sys

    work, proc = saved
    audited = report(proc)
    again = subprocess.run([sys.executable, "-m", "lambdalint", "check", "snapshot.json", "--format", "json"],
                           cwd=work, capture_output=True, text=True, timeout=120)
    checked = json.loads(again.stdout)
    strip = [{k: v for k, v in f.items() if k != "arn"} for f in audited["findings"]]
    assert strip == checked["findings"]
    assert again.returncode == 1
    # Exact lines into the snapshot: the secret's finding is on the variable's key.
    lines = (work / "snapshot.json").read_text().splitlines()
    secret = next(f for f in checked["findings"] if f["rule_id"] == "LL201")
    assert secret["file"] == "snapshot.json"
    assert lines[secret["line"] - 1].strip().startswith('"DB_PASSWORD":')
    log = next(f for f in checked["findings"] if f["resource"] == "/aws/lambda/notifier")
    assert lines[log["line"] - 1].strip() == '"/aws/lambda/notifier": {'


def test_audit_without_save_locates_findings_in_account_and_region(seeded: Endpoint, saved: tuple[Path, Any]) -> None:
    proc = run_audit(seeded.env, "--format", "json")
    data = report(proc)
    assert keyed(data["findings"]) == EXPECTED
    files = {f["file"] for f in data["findings"]}
    assert files == {"123456789012/us-east-1", "123456789012/iam"}
    # Same lines as in the saved snapshot (the same rendering), other file names.
    saved_lines = {(f["rule_id"], f["line"]) for f in report(saved[1])["findings"]}
    assert {(f["rule_id"], f["line"]) for f in data["findings"]} == saved_lines


def test_sarif_output_is_valid(seeded: Endpoint) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
    if not schema_path.exists():
        pytest.skip("SARIF schema not available")
    proc = run_audit(seeded.env, "--format", "sarif")
    log = json.loads(proc.stdout)
    jsonschema.validate(log, json.loads(schema_path.read_text()))
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("not available on this endpoint" in n["message"]["text"] for n in notes)
    results = log["runs"][0]["results"]
    api = next(r for r in results if r["ruleId"] == "LL201")
    assert api["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].endswith(":function:api")


def test_every_call_the_audit_makes_is_in_the_policy(saved: tuple[Path, Any]) -> None:
    calls = report(saved[1])["audit"]["api_calls"]
    allowed = set(POLICY["Statement"][0]["Action"])
    assert set(calls) <= allowed, set(calls) - allowed
    assert allowed == set(actions())  # docs/audit-policy.json is the permissions table, exactly


def _user(endpoint: Endpoint, name: str, allowed: list[str]) -> dict[str, str]:
    iam = endpoint.session().client("iam")
    iam.create_user(UserName=name)
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": allowed, "Resource": "*"}]}
    iam.put_user_policy(UserName=name, PolicyName="audit", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return audit_env(endpoint.url, key["AccessKeyId"], key["SecretAccessKey"])


def test_the_policy_is_sufficient_under_iam_enforcement(seeded: Endpoint) -> None:
    """Audit as a user holding exactly docs/audit-policy.json, with moto enforcing IAM."""
    env = _user(seeded, "auditor", POLICY["Statement"][0]["Action"])
    seeded.enforce_iam(True)
    try:
        proc = run_audit(env, "--format", "json")
    finally:
        seeded.enforce_iam(False)
    data = report(proc)
    assert keyed(data["findings"]) == EXPECTED
    assert not [w for w in data["audit"]["warnings"] if w["kind"] == "denied"]
    assert proc.returncode == 1


SERVICES = sorted({op.service for op in OPERATIONS} - {"sts"})  # sts:GetCallerIdentity needs no permission


@pytest.mark.parametrize("service", SERVICES)
def test_access_denied_on_one_service_is_a_partial_audit(seeded: Endpoint, service: str) -> None:
    """Every service denied in turn: the audit completes, names the missing permissions and the
    checks they disable, keeps what it could check, and exits 3 (partial)."""
    allowed = [a for a in POLICY["Statement"][0]["Action"] if not a.startswith(service + ":")]
    env = _user(seeded, f"no-{service}", allowed)
    seeded.enforce_iam(True)
    try:
        proc = run_audit(env, "--format", "json")
    finally:
        seeded.enforce_iam(False)
    data = report(proc)
    assert proc.returncode == 3, proc.stderr
    assert data["audit"]["partial"] is True
    denied = [w for w in data["audit"]["warnings"] if w["kind"] == "denied"]
    assert denied and all(w["action"].startswith(service + ":") for w in denied)
    for warning in denied:
        assert f"{warning['action']} denied" in proc.stderr
        assert "cannot read" in warning["text"] and "Grant " + warning["action"] in warning["text"]
    got = keyed(data["findings"])
    assert got <= EXPECTED  # nothing invented from what could not be read
    lost = {rule for rule, _ in EXPECTED - got}
    disabled = {rule for w in denied for rule in w["disables"]}
    assert lost <= disabled, f"{lost - disabled} lost without a warning naming them"
    if service != "lambda":
        assert ("LL201", "api") in got  # what the function listing shows is still checked
    if service == "ec2":
        assert ("LL401", "api") not in got
    if service == "sqs":
        assert not {("LL103", "jobs"), ("LL106", "jobs")} & got


def test_several_accounts_through_role_assumption(seeded: Endpoint, tmp_path: Path) -> None:
    """--role-arn and --accounts-from: each account through an assumed role, ids qualified by
    account and region when the audit spans several."""
    from .conftest import code_zip, make_role

    sts = seeded.session().client("sts")
    creds = sts.assume_role(RoleArn="arn:aws:iam::111111111111:role/auditor", RoleSessionName="seed")["Credentials"]
    import boto3

    other = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                          aws_session_token=creds["SessionToken"], region_name="us-east-1")
    role = make_role(other.client("iam"), "payments-role")
    other.client("lambda").create_function(
        FunctionName="payments", Role=role, Runtime="python3.12", Handler="app.handler", Code={"ZipFile": code_zip()},
        Environment={"Variables": {"API_TOKEN": SECRET_VALUE}})
    other.client("logs").create_log_group(logGroupName="/aws/lambda/payments")
    other.client("logs").put_retention_policy(logGroupName="/aws/lambda/payments", retentionInDays=7)

    one = report(run_audit(seeded.env, "--role-arn", "arn:aws:iam::111111111111:role/auditor", "--format", "json"))
    assert {(f["rule_id"], f["resource"], f["file"]) for f in one["findings"]} == {
        ("LL201", "payments", "111111111111/us-east-1")}

    listing = tmp_path / "accounts.json"
    listing.write_text(json.dumps({"Accounts": [
        {"Id": "123456789012", "Status": "ACTIVE"}, {"Id": "111111111111", "Status": "ACTIVE"},
        {"Id": "222222222222", "Status": "SUSPENDED"}]}))
    proc = run_audit(seeded.env, "--accounts-from", str(listing), "--role-name", "auditor", "--format", "json")
    both = report(proc)
    resources = {(f["rule_id"], f["resource"]) for f in both["findings"]}
    assert ("LL201", "111111111111/us-east-1/payments") in resources
    assert ("LL201", "123456789012/us-east-1/api") in resources
    assert both["audit"]["scopes"] == ["123456789012/us-east-1", "111111111111/us-east-1"]
    assert SECRET_VALUE not in proc.stdout + proc.stderr
    missing = run_audit(seeded.env, "--accounts-from", str(listing))
    assert missing.returncode == 2 and "--role-name" in missing.stderr


def test_all_regions_qualifies_ids_and_groups_notes(seeded: Endpoint, tmp_path: Path) -> None:
    proc = run_audit(seeded.env, "--all-regions", "--format", "json", "--save", "all.json", cwd=tmp_path)
    data = report(proc)
    assert len(data["audit"]["scopes"]) > 1 and "123456789012/us-east-1" in data["audit"]["scopes"]
    assert ("LL201", "us-east-1/api") in {(f["rule_id"], f["resource"]) for f in data["findings"]}
    # One note for an operation missing in every region, not one per region.
    notes = [line for line in proc.stderr.splitlines() if "GetAccountSettings" in line]
    assert len(notes) == 1 and " regions (" in notes[0]


def test_check_of_a_snapshot_does_not_import_boto3(saved: tuple[Path, Any]) -> None:
    import subprocess
    import sys

    code = ("import sys, runpy\nsys.argv = ['lambdalint', 'check', 'snapshot.json']\n"
            "try:\n    runpy.run_module('lambdalint', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print('LOADED' if {'boto3', 'botocore'} & set(sys.modules) else 'CLEAN')\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=saved[0], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip().endswith("CLEAN"), proc.stdout + proc.stderr


def test_baseline_and_omit_suppressed(seeded: Endpoint, tmp_path: Path) -> None:
    """An audit gated by a baseline, reported to code scanning without the suppressed findings."""
    written = run_audit(seeded.env, "--write-baseline", "baseline.json", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert len(json.loads((tmp_path / "baseline.json").read_text())["findings"]) == len(EXPECTED)
    proc = run_audit(seeded.env, "--baseline", "baseline.json", "--format", "json", "--omit-suppressed", cwd=tmp_path)
    data = report(proc)
    assert proc.returncode == 0
    assert data["findings"] == [] and data["suppressed"] == []
