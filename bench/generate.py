"""Generate large SAM and plain-CloudFormation templates for scaling measurements (not a test).

``python bench/generate.py 10 100 1000 10000 --out DIR`` writes, for each size N,
``functions-N.sam.yaml`` and ``functions-N.cfn.yaml``: templates with exactly N Lambda
functions. Both variants describe the same application, so lambdalint and cfn-lint can be
compared on each (cfn-lint runs the SAM transform on the first one, not on the second).

Functions come in groups of three, each group a realistic slice of a serverless app with its own
queue, bucket, topic, log groups and roles:

* ``Worker<g>``: triggered by ``Queue<g>``, sends to the next group's queue; every 50th worker
  sends to its own queue, so the recursion check (LL101) has loops to find among many
  non-loops, and the sends form one long chain through all groups (the case a naive
  graph search would walk once per function, i.e. quadratically);
* ``Uploader<g>``: triggered by ``Bucket<g>`` (s3:ObjectCreated), reads it, publishes to
  ``Topic<g>``;
* ``Notifier<g>``: subscribed to ``Topic<g>``, with an explicit ``AWS::IAM::Role`` (in plain
  CloudFormation it shares the worker's role, which sends to queues only, so no extra loop).

Every function has an explicit log group with a retention. The plain-CloudFormation variant spells
out what SAM would generate: roles with inline policies, the event source mapping, the bucket
notification with its ``AWS::Lambda::Permission`` (the bucket is named with ``!Sub`` so the
permission can name it without a dependency cycle) and the topic's subscription; it has 13
resources per three functions, so 100 functions stay under CloudFormation's 500.

Past 100 functions the templates exceed CloudFormation's quotas (500 resources, 1 MB body): they
measure how a linter's cost grows, they are not meant to be deployed. The small sizes are kept
valid for cfn-lint (``cfn-lint functions-10.*.yaml`` reports nothing).
"""

from __future__ import annotations

import argparse
from pathlib import Path

KINDS = ("Worker", "Uploader", "Notifier")
ASSUME_LAMBDA = [
    "      AssumeRolePolicyDocument:",
    '        Version: "2012-10-17"',
    "        Statement:",
    "          - Effect: Allow",
    "            Principal:",
    "              Service: lambda.amazonaws.com",
    "            Action: sts:AssumeRole",
    "      ManagedPolicyArns:",
    "        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
]
ZIP = ['      Code:', '        ZipFile: |', '          def handler(event, context):', '              return None']


def plan(functions: int) -> list[tuple[int, str]]:
    """(group, kind) of each of the ``functions`` functions, in order."""
    return [(i // 3, KINDS[i % 3]) for i in range(functions)]


def target_queue(group: int, groups: int) -> int:
    """The queue a worker sends to: its own every 50th group (a loop), else the next group's."""
    return group if group % 50 == 0 else (group + 1) % groups


def shared(group: int, sam: bool, notifier: bool) -> list[str]:
    """Queue, topic and (SAM) bucket of one group; in plain CloudFormation the topic subscribes
    the group's notifier inline (one resource fewer per group, to stay under 500 at 100 functions)."""
    out = [f"  Queue{group}:", "    Type: AWS::SQS::Queue", "    Properties:", "      VisibilityTimeout: 180",
           f"  Topic{group}:", "    Type: AWS::SNS::Topic"]
    if not sam and notifier:
        out += ["    Properties:", "      Subscription:", "        - Protocol: lambda",
                f"          Endpoint: !GetAtt Notifier{group}.Arn"]
    if sam:
        out += [f"  Bucket{group}:", "    Type: AWS::S3::Bucket"]
    return out


def role(name: str, statements: list[str]) -> list[str]:
    """An ``AWS::IAM::Role`` for Lambda with one inline policy made of ``statements``."""
    return [f"  {name}:", "    Type: AWS::IAM::Role", "    Properties:", *ASSUME_LAMBDA,
            "      Policies:", "        - PolicyName: access", "          PolicyDocument:",
            '            Version: "2012-10-17"', "            Statement:", *statements]


def statement(actions: list[str], resource: str) -> list[str]:
    return ["              - Effect: Allow", "                Action:",
            *[f"                  - {action}" for action in actions],
            f"                Resource: {resource}"]


def log_group(fn: str) -> list[str]:
    return [f"  {fn}Logs:", "    Type: AWS::Logs::LogGroup", "    Properties:",
            f"      LogGroupName: !Sub /aws/lambda/${{{fn}}}", "      RetentionInDays: 14"]


def notifier_role(group: int) -> list[str]:
    return role(f"Notifier{group}Role", statement(["sns:GetTopicAttributes"], f"!Ref Topic{group}"))


def sam_function(group: int, kind: str, groups: int) -> list[str]:
    head = [f"  {kind}{group}:", "    Type: AWS::Serverless::Function", "    Properties:"]
    if kind == "Worker":
        return [
            *head,
            "      Handler: worker.handler", "      CodeUri: src/", "      Policies:",
            "        - SQSSendMessagePolicy:",
            f"            QueueName: !GetAtt Queue{target_queue(group, groups)}.QueueName",
            "      Events:", "        Jobs:", "          Type: SQS", "          Properties:",
            f"            Queue: !GetAtt Queue{group}.Arn",
            "            FunctionResponseTypes: [ReportBatchItemFailures]",
        ]
    if kind == "Uploader":
        return [
            *head,
            "      Handler: upload.handler", "      CodeUri: src/", "      Policies:",
            "        - S3ReadPolicy:", f"            BucketName: !Ref Bucket{group}",
            "        - SNSPublishMessagePolicy:", f"            TopicName: !GetAtt Topic{group}.TopicName",
            "      Events:", "        Upload:", "          Type: S3", "          Properties:",
            f"            Bucket: !Ref Bucket{group}", "            Events: s3:ObjectCreated:*",
        ]
    return [
        *head,
        "      Handler: notify.handler", "      CodeUri: src/", f"      Role: !GetAtt Notifier{group}Role.Arn",
        "      Environment:", "        Variables:", f"          TOPIC_ARN: !Ref Topic{group}",
        "      Events:", "        Note:", "          Type: SNS", "          Properties:",
        f"            Topic: !Ref Topic{group}",
        *notifier_role(group),
    ]


def cfn_function(group: int, kind: str, groups: int) -> list[str]:
    name = f"{kind}{group}"
    fn = [f"  {name}:", "    Type: AWS::Lambda::Function", "    Properties:", "      Runtime: python3.12",
          "      Handler: index.handler", "      Timeout: 30", *ZIP,
          f"      Role: !GetAtt {'Worker' if kind == 'Notifier' else kind}{group}Role.Arn"]
    if kind == "Worker":
        return role(f"{name}Role", [
            *statement(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                       f"!GetAtt Queue{group}.Arn"),
            *statement(["sqs:SendMessage"], f"!GetAtt Queue{target_queue(group, groups)}.Arn"),
        ]) + fn + [
            f"  {name}Mapping:", "    Type: AWS::Lambda::EventSourceMapping", "    Properties:",
            f"      EventSourceArn: !GetAtt Queue{group}.Arn", f"      FunctionName: !Ref {name}",
            "      FunctionResponseTypes: [ReportBatchItemFailures]",
        ]
    if kind == "Uploader":
        bucket_arn = f"arn:${{AWS::Partition}}:s3:::${{AWS::StackName}}-uploads-{group}"
        return role(f"{name}Role", [
            *statement(["s3:GetObject"], f"!Sub {bucket_arn}/*"),
            *statement(["sns:Publish"], f"!Ref Topic{group}"),
        ]) + fn + [
            f"  {name}Permission:", "    Type: AWS::Lambda::Permission", "    Properties:",
            "      Action: lambda:InvokeFunction", f"      FunctionName: !Ref {name}",
            "      Principal: s3.amazonaws.com", f"      SourceArn: !Sub {bucket_arn}",
            "      SourceAccount: !Ref AWS::AccountId",
            f"  Bucket{group}:", "    Type: AWS::S3::Bucket", f"    DependsOn: {name}Permission",
            "    Properties:", f"      BucketName: !Sub ${{AWS::StackName}}-uploads-{group}",
            "      NotificationConfiguration:", "        LambdaConfigurations:",
            "          - Event: s3:ObjectCreated:*", f"            Function: !GetAtt {name}.Arn",
        ]
    return [
        *fn,
        f"  {name}Permission:", "    Type: AWS::Lambda::Permission", "    Properties:",
        "      Action: lambda:InvokeFunction", f"      FunctionName: !Ref {name}",
        "      Principal: sns.amazonaws.com", f"      SourceArn: !Ref Topic{group}",
    ]


def template(functions: int, sam: bool = True) -> str:
    """A template with exactly ``functions`` Lambda functions (SAM or plain CloudFormation)."""
    out = ['AWSTemplateFormatVersion: "2010-09-09"']
    if sam:
        out += ["Transform: AWS::Serverless-2016-10-31",
                "Globals:", "  Function:", "    Runtime: python3.12", "    Timeout: 30"]
    out.append(f"Description: lambdalint scaling benchmark, {functions} functions")
    out.append("Resources:")
    functions_plan = plan(functions)
    groups = functions_plan[-1][0] + 1 if functions_plan else 0
    for index, (group, kind) in enumerate(functions_plan):
        if kind == "Worker":
            out += shared(group, sam, notifier=index + 2 < functions)
        out += sam_function(group, kind, groups) if sam else cfn_function(group, kind, groups)
        out += log_group(f"{kind}{group}")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("functions", type=int, nargs="+", help="sizes: number of Lambda functions")
    parser.add_argument("--out", type=Path, default=Path("/tmp/lambdalint-bench"))
    parser.add_argument("--variant", choices=("sam", "cfn", "both"), default="both")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    variants = ("sam", "cfn") if args.variant == "both" else (args.variant,)
    for n in args.functions:
        if n < 1:
            parser.error("a template needs at least one function")
        for variant in variants:
            path = args.out / f"functions-{n}.{variant}.yaml"
            path.write_text(template(n, sam=variant == "sam"))
            print(path)


if __name__ == "__main__":
    main()
