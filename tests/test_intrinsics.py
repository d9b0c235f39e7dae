"""Unit tests of the intrinsic resolver on small decoded templates.

What matters for the rules: known values resolve to plain values, whatever cannot be known
before deploy becomes a symbol that still equals itself, and no input (however malformed) makes
``Resolver.eval`` raise or answer differently twice.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdalint.model import SYMBOL_BASE, is_literal
from lambdalint.parsers.decode import decode
from lambdalint.parsers.intrinsics import NOVALUE, Resolver, Symbols

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage:
    Type: String
    Default: prod
  BucketName:
    Type: String
  Retention:
    Type: Number
    Default: 14
  Flag:
    Type: String
    Default: true
  LatestAmi:
    Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
    Default: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
  Subnets:
    Type: CommaDelimitedList
    Default: "subnet-1, subnet-2,subnet-3"
  NoSubnets:
    Type: List<AWS::EC2::Subnet::Id>
  Zones:
    Type: List<String>
    Default: eu-west-1a,eu-west-1b
Mappings:
  Everywhere:
    us-east-1: {Size: 64, Name: same}
    eu-west-1: {Size: 64, Name: same}
  PerRegion:
    us-east-1: {Size: 64}
    eu-west-1: {Size: 128}
  Partial:
    us-east-1: {Size: 64}
    eu-west-1: {Other: 1}
Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${Stage}-orders"
  Anonymous:
    Type: AWS::SQS::Queue
  Events:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: events
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Ref BucketName
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: acme-logs
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: worker
  Network:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.1.0.0/16
  OpenNetwork:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Ref BucketName
  PrivateA:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Network
      CidrBlock: 10.1.0.0/24
"""


@pytest.fixture
def resolver() -> Resolver:
    return Resolver(decode(TEMPLATE).data, Symbols())


def ev(resolver: Resolver, yaml_value: str) -> Any:
    """Evaluate one YAML expression (short-form tags allowed) against the template."""
    return resolver.eval(decode(f"value: {yaml_value}\n").data["value"])


def is_symbol(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 1 and ord(value) >= SYMBOL_BASE


def describe(resolver: Resolver, value: str) -> str:
    return "".join(resolver.symbols.describe.get(c, c) for c in value)


# -- Ref -------------------------------------------------------------------------------------

def test_ref_parameter_with_default_uses_it_and_records_the_provenance(resolver: Resolver) -> None:
    value, via = resolver.evaluate(decode("v: !Ref Stage").data["v"])
    assert value == "prod"
    assert via == ["parameter Stage default"]


def test_ref_parameter_defaults_are_strings_as_cloudformation_passes_them(resolver: Resolver) -> None:
    assert ev(resolver, "!Ref Retention") == "14"
    assert ev(resolver, "!Ref Flag") == "true"


def test_ref_parameter_without_default_is_a_symbol_equal_to_itself(resolver: Resolver) -> None:
    first = ev(resolver, "!Ref BucketName")
    assert is_symbol(first)
    assert describe(resolver, first) == "${BucketName}"
    assert ev(resolver, "!Ref BucketName") == first
    # ... and the same symbol inside a string built elsewhere.
    assert ev(resolver, '!Sub "arn:aws:s3:::${BucketName}/*"') == f"arn:aws:s3:::{first}/*"
    assert resolver.evaluate(decode("v: !Ref BucketName").data["v"])[1] == []


def test_ref_ssm_typed_parameter_is_unknown_even_with_a_default(resolver: Resolver) -> None:
    value = ev(resolver, "!Ref LatestAmi")
    assert is_symbol(value)
    assert "ami-amazon-linux" not in describe(resolver, value)


def test_ref_comma_delimited_list_splits_and_trims(resolver: Resolver) -> None:
    assert ev(resolver, "!Ref Subnets") == ["subnet-1", "subnet-2", "subnet-3"]
    assert ev(resolver, "!Ref Zones") == ["eu-west-1a", "eu-west-1b"]


def test_ref_list_parameter_without_default_is_one_unknown(resolver: Resolver) -> None:
    assert is_symbol(ev(resolver, "!Ref NoSubnets"))


def test_ref_to_a_resource_returns_what_cloudformation_returns(resolver: Resolver) -> None:
    region, account = resolver.region(), resolver.account()
    assert ev(resolver, "!Ref Orders") == f"https://sqs.{region}.amazonaws.com/{account}/prod-orders"
    assert ev(resolver, "!Ref Events") == "events"
    assert ev(resolver, "!Ref Worker") == "worker"
    anonymous = ev(resolver, "!Ref Anonymous")
    assert anonymous.endswith(resolver.name_of("Anonymous"))
    assert describe(resolver, resolver.name_of("Anonymous")) == "<generated name of Anonymous>"


# -- pseudo parameters -------------------------------------------------------------------------

def test_pseudo_partition_and_url_suffix_are_known(resolver: Resolver) -> None:
    assert ev(resolver, "!Ref AWS::Partition") == "aws"
    assert ev(resolver, "!Ref AWS::URLSuffix") == "amazonaws.com"


def test_pseudo_region_is_a_symbol_equal_to_itself(resolver: Resolver) -> None:
    region = ev(resolver, "!Ref AWS::Region")
    assert is_symbol(region)
    assert region == ev(resolver, "!Ref AWS::Region") == resolver.region()
    assert ev(resolver, '!Sub "${AWS::Region}"') == region
    assert region != ev(resolver, "!Ref AWS::AccountId")
    assert describe(resolver, region) == "${AWS::Region}"


# -- Fn::Sub -----------------------------------------------------------------------------------

def test_sub_escaped_literal_stays_literal(resolver: Resolver) -> None:
    assert ev(resolver, '!Sub "${!Literal}-${Stage}"') == "${Literal}-prod"


def test_sub_with_a_variable_map(resolver: Resolver) -> None:
    value = ev(resolver, '!Sub ["${Prefix}/${Name}-${Stage}", {Prefix: logs, Name: !Ref Events}]')
    assert value == "logs/events-prod"


def test_sub_variable_map_wins_over_a_parameter_of_the_same_name(resolver: Resolver) -> None:
    assert ev(resolver, '!Sub ["${Stage}", {Stage: dev}]') == "dev"


def test_sub_resource_attribute(resolver: Resolver) -> None:
    assert ev(resolver, '!Sub "${Orders.Arn}"') == ev(resolver, "!GetAtt Orders.Arn")
    assert ev(resolver, '!Sub "${Logs.Arn}/*"') == "arn:aws:s3:::acme-logs/*"


def test_sub_unknown_variable_is_a_symbol(resolver: Resolver) -> None:
    value = ev(resolver, '!Sub "x-${Nowhere}"')
    assert value.startswith("x-") and not is_literal(value)
    assert value == ev(resolver, '!Sub "x-${Nowhere}"')


# -- Fn::GetAtt ----------------------------------------------------------------------------------

def test_getatt_queue_attributes(resolver: Resolver) -> None:
    region, account = resolver.region(), resolver.account()
    assert ev(resolver, "!GetAtt Orders.Arn") == f"arn:aws:sqs:{region}:{account}:prod-orders"
    assert ev(resolver, "!GetAtt Orders.QueueName") == "prod-orders"
    assert ev(resolver, "!GetAtt Orders.QueueUrl") == ev(resolver, "!Ref Orders")
    assert ev(resolver, "{Fn::GetAtt: [Orders, Arn]}") == ev(resolver, "!GetAtt Orders.Arn")


def test_getatt_table_stream_arn(resolver: Resolver) -> None:
    region, account = resolver.region(), resolver.account()
    stream = ev(resolver, "!GetAtt Events.StreamArn")
    prefix = f"arn:aws:dynamodb:{region}:{account}:table/events/stream/"
    assert stream.startswith(prefix)
    label = stream[len(prefix):]
    assert is_symbol(label)
    assert stream == ev(resolver, "!GetAtt Events.StreamArn")


def test_getatt_bucket_arn_known_and_unknown_name(resolver: Resolver) -> None:
    assert ev(resolver, "!GetAtt Logs.Arn") == "arn:aws:s3:::acme-logs"
    assert ev(resolver, "!GetAtt Uploads.Arn") == "arn:aws:s3:::" + ev(resolver, "!Ref BucketName")


def test_getatt_vpc_cidr_block_is_its_property(resolver: Resolver) -> None:
    assert ev(resolver, "!GetAtt Network.CidrBlock") == "10.1.0.0/16"
    assert not is_literal(ev(resolver, "!GetAtt OpenNetwork.CidrBlock"))


def test_getatt_subnet_id_is_what_ref_returns(resolver: Resolver) -> None:
    assert ev(resolver, "!GetAtt PrivateA.SubnetId") == ev(resolver, "!Ref PrivateA")


def test_getatt_unmodeled_attribute_is_a_stable_symbol(resolver: Resolver) -> None:
    value = ev(resolver, "!GetAtt Worker.SnapStartResponse")
    assert is_symbol(value)
    assert value == ev(resolver, "!GetAtt Worker.SnapStartResponse")


# -- Fn::Join / Select / Split -----------------------------------------------------------------

def test_join(resolver: Resolver) -> None:
    assert ev(resolver, '!Join ["/", [a, !Ref Stage, 3]]') == "a/prod/3"
    assert ev(resolver, '!Join [",", !Ref Subnets]') == "subnet-1,subnet-2,subnet-3"
    assert not is_literal(ev(resolver, '!Join [",", !Ref NoSubnets]'))


def test_select(resolver: Resolver) -> None:
    assert ev(resolver, "!Select [1, [a, b, c]]") == "b"
    assert ev(resolver, '!Select ["2", !Ref Subnets]') == "subnet-3"
    assert is_symbol(ev(resolver, "!Select [5, [a, b]]"))
    assert is_symbol(ev(resolver, "!Select [0, !Ref NoSubnets]"))


def test_split(resolver: Resolver) -> None:
    assert ev(resolver, '!Split [",", "a,b,,c"]') == ["a", "b", "", "c"]
    assert ev(resolver, '!Select [1, !Split ["-", !Sub "${Stage}-orders"]]') == "orders"
    assert is_symbol(ev(resolver, '!Split [",", !Ref BucketName]'))


# -- Fn::If ------------------------------------------------------------------------------------

def test_if_equal_branches_resolve(resolver: Resolver) -> None:
    assert ev(resolver, "!If [IsProd, 30, 30]") == 30
    assert ev(resolver, '!If [IsProd, !Ref Stage, "prod"]') == "prod"


def test_if_differing_branches_are_unknown(resolver: Resolver) -> None:
    value = ev(resolver, "!If [IsProd, 30, 7]")
    assert is_symbol(value)
    assert describe(resolver, value) == "<Fn::If branches differ>"
    assert value == ev(resolver, "!If [IsProd, 30, 7]")
    assert is_symbol(ev(resolver, "!If [IsProd, 30, !Ref AWS::NoValue]"))


# -- Fn::FindInMap -----------------------------------------------------------------------------

def test_find_in_map_literal_keys(resolver: Resolver) -> None:
    assert ev(resolver, "!FindInMap [PerRegion, eu-west-1, Size]") == 128
    assert is_symbol(ev(resolver, "!FindInMap [PerRegion, ap-south-1, Size]"))


def test_find_in_map_region_key_resolves_when_all_entries_agree(resolver: Resolver) -> None:
    assert ev(resolver, '!FindInMap [Everywhere, !Ref "AWS::Region", Size]') == 64
    assert ev(resolver, '!FindInMap [Everywhere, !Ref "AWS::Region", Name]') == "same"


def test_find_in_map_region_key_is_unknown_when_entries_disagree(resolver: Resolver) -> None:
    assert is_symbol(ev(resolver, '!FindInMap [PerRegion, !Ref "AWS::Region", Size]'))
    # An entry lacking the key is not agreement either.
    assert is_symbol(ev(resolver, '!FindInMap [Partial, !Ref "AWS::Region", Size]'))


# -- Fn::Cidr ----------------------------------------------------------------------------------

def test_cidr_carves_blocks(resolver: Resolver) -> None:
    assert ev(resolver, '!Cidr ["10.0.0.0/16", 4, 8]') == [
        "10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24",
    ]
    assert ev(resolver, '!Select [1, !Cidr ["10.0.0.0/16", 4, 8]]') == "10.0.1.0/24"
    assert ev(resolver, '!Select [0, !Cidr [!GetAtt Network.CidrBlock, "2", "6"]]') == "10.1.0.0/26"
    assert ev(resolver, '!Cidr ["2001:db8::/56", 2, 64]') == ["2001:db8::/64", "2001:db8:0:1::/64"]


def test_cidr_of_an_unknown_block_or_impossible_size_is_unknown(resolver: Resolver) -> None:
    assert is_symbol(ev(resolver, "!Select [0, !Cidr [!GetAtt OpenNetwork.CidrBlock, 4, 8]]"))
    assert is_symbol(ev(resolver, '!Cidr ["10.0.0.0/24", 4, 12]'))
    assert is_symbol(ev(resolver, '!Cidr ["10.0.0.0/16", 4, .inf]'))
    assert is_symbol(ev(resolver, '!Cidr ["not a block", 4, 8]'))


# -- Fn::ImportValue, AWS::NoValue -----------------------------------------------------------------

def test_import_value_is_a_symbol_equal_to_itself(resolver: Resolver) -> None:
    first = ev(resolver, "!ImportValue network-PrivateSubnetA")
    assert is_symbol(first)
    assert first == ev(resolver, "!ImportValue network-PrivateSubnetA")
    assert first == ev(resolver, '!ImportValue {"Fn::Sub": "network-PrivateSubnetA"}')
    assert first != ev(resolver, "!ImportValue network-PrivateSubnetB")


def test_no_value_removes_a_key_and_a_list_item(resolver: Resolver) -> None:
    value = ev(resolver, "{Keep: 1, Drop: !Ref AWS::NoValue, Maybe: !If [C, x, x]}")
    assert value == {"Keep": 1, "Maybe": "x"}
    assert ev(resolver, "[a, !Ref AWS::NoValue, b]") == ["a", "b"]
    assert ev(resolver, "!Ref AWS::NoValue") == NOVALUE


# -- malformed input: unknown, never an exception ------------------------------------------------

def test_malformed_resource_type_is_not_a_crash() -> None:
    # Regression: a list-valued Type reached a dict lookup through SAM's dotted Ref form.
    data = decode("Resources:\n  Odd:\n    Type:\n      - AWS::SQS::Queue\n").data
    resolver = Resolver(data, Symbols())
    assert is_symbol(resolver.eval({"Ref": "Odd.QueueName"}))
    assert is_symbol(resolver.eval({"Fn::GetAtt": ["Odd", "QueueName"]}))


def test_cidr_with_an_infinite_size_is_unknown() -> None:
    # Regression: int(inf) raised OverflowError (a JSON template can say 1e999).
    resolver = Resolver({}, Symbols())
    assert is_symbol(resolver.eval({"Fn::Cidr": ["10.0.0.0/16", 4, math.inf]}))
    assert is_symbol(resolver.eval({"Fn::Cidr": ["10.0.0.0/16", -math.inf, 8]}))


# -- property: any nesting of intrinsics evaluates, and always the same way ----------------------

NAMES = [
    "Stage", "BucketName", "Retention", "LatestAmi", "Subnets", "NoSubnets", "Orders", "Anonymous",
    "Events", "Uploads", "Logs", "Worker", "Network", "OpenNetwork", "PrivateA", "Loop1", "Loop2",
    "Odd", "AWS::Region", "AWS::Partition", "AWS::NoValue", "AWS::StackName", "Missing", "Orders.Arn",
    "Odd.QueueName", "SelfVpc",
]
ATTRS = ["Arn", "QueueName", "QueueUrl", "StreamArn", "CidrBlock", "SubnetId", "Name", "TopicArn", ""]
MAPS = ["Everywhere", "PerRegion", "Partial", "Missing"]

scalars = st.one_of(
    st.sampled_from(NAMES + ATTRS + MAPS),
    st.sampled_from(["", ",", "-", "10.0.0.0/16", "::/0", "a,b,c", "${Stage}", "${!X}", "${", "${Odd.Arn}"]),
    st.sampled_from([math.inf, -math.inf, math.nan, 1e300, 0.5, 8.0]),
    st.text(max_size=8),
    st.integers(min_value=-3, max_value=300),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)


def _intrinsics(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    known = st.sampled_from(NAMES)
    name = st.one_of(known, known, known, children)  # mostly names the template has
    args = st.lists(children, max_size=4)
    sub_text = st.lists(
        st.one_of(st.sampled_from([*NAMES, "!Lit", "Orders.QueueUrl", "x"]).map(lambda n: "${" + n + "}"),
                  st.text(max_size=4)),
        max_size=4,
    ).map("".join)
    return st.one_of(
        st.builds(lambda n: {"Ref": n}, name),
        st.builds(lambda n, a: {"Fn::GetAtt": [n, a]}, name, st.one_of(st.sampled_from(ATTRS), children)),
        st.builds(lambda n, a: {"Fn::GetAtt": f"{n}.{a}"}, known, st.sampled_from(ATTRS)),
        st.builds(lambda t: {"Fn::Sub": t}, st.one_of(sub_text, children)),
        st.builds(lambda t, v: {"Fn::Sub": [t, v]}, sub_text,
                  st.dictionaries(st.sampled_from(["x", "Stage"]), children)),
        st.builds(lambda d, items: {"Fn::Join": [d, items]}, children, st.one_of(args, children)),
        st.builds(lambda i, items: {"Fn::Select": [i, items]}, children, st.one_of(args, children)),
        st.builds(lambda d, s: {"Fn::Split": [d, s]}, children, children),
        st.builds(lambda c, a, b: {"Fn::If": [c, a, b]}, children, children, children),
        st.builds(lambda m, k1, k2: {"Fn::FindInMap": [m, k1, k2]},
                  st.one_of(st.sampled_from(MAPS), children), children, children),
        st.builds(lambda b, n, bits: {"Fn::Cidr": [b, n, bits]},
                  st.one_of(st.sampled_from(["10.0.0.0/16", "2001:db8::/56", "10.0.0.0/33"]), children),
                  children, children),
        st.builds(lambda v: {"Fn::ImportValue": v}, children),
        st.builds(lambda v: {"Fn::Base64": v}, children),
        st.builds(lambda v: {"Fn::Length": v}, children),
        st.builds(lambda v: {"Fn::ToJsonString": v}, children),
        st.builds(lambda k, v: {k: v},
                  st.sampled_from(["Fn::Unknown", "Fn::GetAZs", "Condition", "Fn::Equals"]), children),
        args,  # an intrinsic's argument of the wrong shape, or a plain list
        st.dictionaries(st.text(max_size=6), children, max_size=3),
    )


expressions = st.recursive(scalars, _intrinsics, max_leaves=25)

# The template itself may be odd: resources whose names refer to each other in a loop, a
# non-string Type, a parameter that is not a map, a VPC whose block refers to its own attribute.
ODD_TEMPLATE = TEMPLATE + """
  Loop1:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !GetAtt Loop2.QueueName
  Loop2:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${Loop1}-2"
  Odd:
    Type:
      - AWS::SQS::Queue
    Properties: 7
  SelfVpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Select [0, !Cidr [!GetAtt SelfVpc.CidrBlock, 1, 8]]
"""


def _canonical(value: Any) -> str:
    """repr, with NaN spelled out so that two NaNs compare equal."""
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_canonical(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_canonical(v) for v in value) + "]"
    return repr(value)


ODD_DATA = decode(ODD_TEMPLATE).data  # the resolver never mutates its template
ODD_DATA["Parameters"]["Broken"] = ["not", "a", "map"]


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions)
def test_eval_never_raises_and_is_deterministic(expr: Any) -> None:
    data = ODD_DATA
    first = Resolver(data, Symbols())
    once = first.eval(expr)
    twice = first.eval(expr)
    assert _canonical(once) == _canonical(twice)
    # A fresh resolver allocates the same symbols in the same order.
    again = Resolver(data, Symbols()).eval(expr)
    assert _canonical(again) == _canonical(once)
