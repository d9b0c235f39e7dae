"""Property-based tests of the model and rules: any template shaped like the real ones, with any
values in any property (intrinsics, wrong types, missing pieces), builds a model and runs every
rule without a crash; and the model is deterministic."""

from __future__ import annotations

import json
import pickle
from dataclasses import FrozenInstanceError, astuple, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdalint.engine import RuleSet, all_rules, run_rules
from lambdalint.model import Loc, Prov, Val
from lambdalint.parsers.cloudformation import build, is_template
from lambdalint.parsers.decode import decode

LOGICAL_IDS = ["Fn", "Fn2", "Queue", "Topic", "Bucket", "Table", "Stream", "Role", "Logs", "SubnetA", "Mapping",
               "Param", "Missing"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 2000), st.sampled_from(["", "*", "x", "10.0.0.0/24", "prefix/",
                                                                       "arn:aws:s3:::b/*", "sqs:SendMessage"]),
    st.text(max_size=12),
)


def intrinsic(children: st.SearchStrategy) -> st.SearchStrategy:
    ids = st.sampled_from([*LOGICAL_IDS, "AWS::Region", "AWS::NoValue", "AWS::AccountId"])
    return st.one_of(
        st.builds(lambda i: {"Ref": i}, ids),
        st.builds(lambda i, a: {"Fn::GetAtt": [i, a]}, ids, st.sampled_from(["Arn", "QueueName", "StreamArn", "X"])),
        st.builds(lambda s: {"Fn::Sub": s}, st.sampled_from(["${Fn}", "arn:aws:s3:::${Bucket}/*", "${!x}", "${",
                                                            "/aws/lambda/${Fn}", "${Param}-${AWS::Region}"])),
        st.builds(lambda a, b: {"Fn::If": ["C", a, b]}, children, children),
        st.builds(lambda a: {"Fn::Join": ["", a]}, st.lists(children, max_size=3)),
        st.builds(lambda i, a: {"Fn::Select": [i, a]}, st.integers(-1, 3), children),
        st.builds(lambda a: {"Fn::Cidr": [a, 4, 8]}, children),
        st.builds(lambda a: {"Fn::ImportValue": a}, children),
        st.builds(lambda a: {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, a]}, children),
    )


values = st.recursive(
    scalars,
    lambda children: st.one_of(
        intrinsic(children),
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(["Arn", "Destination", "TargetArn", "Type", "Properties", "Name", "Value",
                                         "Effect", "Action", "Resource", "Statement", "Variables", "SubnetIds"]),
                        children, max_size=3),
    ),
    max_leaves=12,
)

PROPERTY_NAMES = {
    "AWS::Serverless::Function": ["Timeout", "Environment", "Events", "Policies", "DeadLetterQueue", "VpcConfig",
                                  "EventInvokeConfig", "LoggingConfig", "ReservedConcurrentExecutions", "Role",
                                  "FunctionName", "AutoPublishAlias", "Connectors", "FunctionUrlConfig"],
    "AWS::Lambda::Function": ["Timeout", "Environment", "DeadLetterConfig", "VpcConfig", "Role", "FunctionName",
                              "LoggingConfig", "ReservedConcurrentExecutions"],
    "AWS::SQS::Queue": ["VisibilityTimeout", "RedrivePolicy", "QueueName", "FifoQueue"],
    "AWS::SNS::Topic": ["TopicName", "Subscription"],
    "AWS::S3::Bucket": ["BucketName", "NotificationConfiguration"],
    "AWS::DynamoDB::Table": ["TableName", "StreamSpecification"],
    "AWS::Kinesis::Stream": ["Name"],
    "AWS::IAM::Role": ["Policies", "ManagedPolicyArns", "RoleName"],
    "AWS::IAM::Policy": ["PolicyDocument", "Roles"],
    "AWS::Logs::LogGroup": ["LogGroupName", "RetentionInDays"],
    "AWS::EC2::Subnet": ["CidrBlock"],
    "AWS::Lambda::EventSourceMapping": ["FunctionName", "EventSourceArn", "BatchSize", "FunctionResponseTypes",
                                        "MaximumBatchingWindowInSeconds", "DestinationConfig", "FilterCriteria"],
    "AWS::Lambda::Permission": ["FunctionName", "Principal", "SourceArn"],
    "AWS::Lambda::EventInvokeConfig": ["FunctionName", "DestinationConfig"],
    "AWS::Events::Rule": ["Targets", "ScheduleExpression"],
    "AWS::Serverless::Connector": ["Source", "Destination", "Permissions"],
}


@st.composite
def templates(draw: st.DrawFn) -> dict:
    resources = {}
    for logical_id in draw(st.lists(st.sampled_from(LOGICAL_IDS[:11]), min_size=1, max_size=8, unique=True)):
        rtype = draw(st.sampled_from(sorted(PROPERTY_NAMES)))
        props = {name: draw(values) for name in draw(st.lists(st.sampled_from(PROPERTY_NAMES[rtype]), max_size=5,
                                                              unique=True))}
        resource = {"Type": rtype, "Properties": props}
        if draw(st.booleans()):
            resource["Condition"] = "C"
        resources[logical_id] = resource
    template = {"Resources": resources, "Parameters": {"Param": {"Type": "String"}},
                "Mappings": {"M": {"us-east-1": {"k": "v"}}}}
    if draw(st.booleans()):
        template["Transform"] = "AWS::Serverless-2016-10-31"
        template["Globals"] = {"Function": {"Timeout": draw(values), "Environment": draw(values)}}
    return template


RULESET = RuleSet(list(all_rules()))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates())
def test_any_template_builds_and_every_rule_runs(template: dict) -> None:
    text = json.dumps(template)
    doc = decode(text)
    fmt = is_template(doc.data)
    assert fmt in ("sam", "cloudformation")
    model = build(doc, "t.json", fmt)
    findings = run_rules(model, RULESET, debug=True)
    crashes = [f.message for f in findings if f.rule_id == "LL000"]
    assert not crashes, crashes
    # Deterministic: the same text gives the same findings.
    again = run_rules(build(decode(text), "t.json", fmt), RULESET)
    assert [(f.rule_id, f.loc, f.message) for f in findings] == [(f.rule_id, f.loc, f.message) for f in again]


@given(file=st.text(max_size=8), line=st.integers(1, 10**6), col=st.integers(1, 500),
       pointer=st.lists(st.one_of(st.text(max_size=5), st.integers(0, 9)), max_size=4).map(tuple))
def test_loc_and_val_keep_dataclass_semantics(file: str, line: int, col: int, pointer: tuple) -> None:
    """``Loc`` and ``Val`` get a faster ``__init__`` (model._direct_init): it must build what the
    generated one would, defaults and keywords included, and leave them frozen and value-equal."""
    loc = Loc(file, line, col, pointer=pointer)
    assert astuple(loc) == (file, line, col, None, None, pointer)
    assert Loc(file) == Loc(file, 1, 1, None, None, ())
    assert loc == Loc(file=file, line=line, col=col, pointer=pointer) and hash(loc) == hash(replace(loc))
    assert pickle.loads(pickle.dumps(loc)) == loc
    val = Val(line, loc, why="x")
    assert (val.value, val.loc, val.prov, val.via, val.why) == (line, loc, Prov.EXPLICIT, "", "x")
    with pytest.raises(FrozenInstanceError):
        loc.line = line + 1  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        val.value = 0  # type: ignore[misc]
    with pytest.raises(TypeError):
        Loc()  # type: ignore[call-arg]
