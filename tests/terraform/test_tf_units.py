"""Terraform units: discovery, variable precedence (tfvars, *.auto.tfvars, --var-file), local and
community modules, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lambdalint.engine import RuleSet, all_rules, rule_by_key
from lambdalint.lint import LintOptions, discover, lint

QUEUE_APP = """
variable "visibility" {
  type    = number
  default = 30
}

resource "aws_sqs_queue" "jobs" {
  name                       = "jobs"
  visibility_timeout_seconds = var.visibility
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "worker.zip"
  timeout       = 10
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn        = aws_sqs_queue.jobs.arn
  function_name           = aws_lambda_function.worker.arn
  function_response_types = ["ReportBatchItemFailures"]
}
"""


def _ll103(path: Path, var_files: tuple[str, ...] = ()) -> list:
    rule = rule_by_key("LL103")
    result = lint([str(path)], RuleSet([rule]), cwd=path, options=LintOptions(var_files=var_files))
    assert not result.errors, result.errors
    return result.findings


def test_variable_precedence_and_provenance(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(QUEUE_APP)
    (finding,) = _ll103(tmp_path)
    assert "30s (from variable visibility default)" in finding.message
    (tmp_path / "terraform.tfvars").write_text("visibility = 40\n")
    (finding,) = _ll103(tmp_path)
    assert "40s (from terraform.tfvars)" in finding.message
    (tmp_path / "b.auto.tfvars.json").write_text(json.dumps({"visibility": 50}))
    (finding,) = _ll103(tmp_path)
    assert "50s (from b.auto.tfvars.json)" in finding.message
    extra = tmp_path / "prod.tfvars"
    extra.write_text("visibility = 600\n")
    assert _ll103(tmp_path, (str(extra),)) == []


def test_var_file_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(QUEUE_APP)
    (tmp_path / "prod.tfvars").write_text("visibility = 45\n")
    proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", ".", "--select", "LL103",
                           "--var-file", "prod.tfvars", "--format", "json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["resource"] == "aws_sqs_queue.jobs" and finding["file"] == "main.tf"
    assert "45s (from prod.tfvars)" in finding["message"]


def test_directory_is_one_unit_and_called_modules_are_not_linted_again(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "modules" / "q").mkdir(parents=True)
    (app / "main.tf").write_text('module "q" {\n  source = "./modules/q"\n}\n')
    (app / "extra.tf").write_text('resource "aws_sns_topic" "t" {}\n')
    (app / "modules" / "q" / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "main.tf").write_text('resource "aws_sns_topic" "t" {}\n')
    units = [u.path for u in discover([str(tmp_path)])]
    assert units == [app, tmp_path / "other"]
    # A .tf file named explicitly (pre-commit passes files) stands for its directory.
    assert [u.path for u in discover([str(app / "extra.tf"), str(app / "main.tf")])] == [app]


def test_remote_module_outputs_are_unknown_and_silent(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""
module "queue" {
  source  = "terraform-aws-modules/sqs/aws"
  version = "~> 4.0"
  name    = "jobs"
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "worker.zip"
  timeout       = 900
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = module.queue.queue_arn
  function_name    = aws_lambda_function.worker.arn
}
""")
    result = lint([str(tmp_path)], RuleSet(list(all_rules())), cwd=tmp_path)
    assert {f.rule_id for f in result.findings} <= {"LL102", "LL301"}  # the queue's own settings: unknown


def test_community_lambda_module_common_inputs(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""
resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}

module "worker" {
  source        = "terraform-aws-modules/lambda/aws"
  version       = "~> 7.0"
  function_name = "worker"
  handler       = "app.handler"
  runtime       = "python3.12"
  timeout       = 20

  environment_variables = {
    API_TOKEN = var.api_token
  }

  event_source_mapping = {
    sqs = {
      event_source_arn = aws_sqs_queue.jobs.arn
    }
  }
}

variable "api_token" {
  type = string
}
""")
    result = lint([str(tmp_path)], RuleSet(list(all_rules())), cwd=tmp_path)
    got = {(f.rule_id, f.resource) for f in result.findings}
    assert got == {
        ("LL102", "module.worker"),  # the mapping has no ReportBatchItemFailures
        ("LL103", "aws_sqs_queue.jobs"),  # 30 s default < 6 x 20 s
        ("LL106", "aws_sqs_queue.jobs"),
        ("LL201", "module.worker.aws_lambda_function.this"),
        ("LL301", "module.worker.aws_cloudwatch_log_group.lambda"),  # the module's group, no retention
    }, got


def test_vendored_module_is_read_as_a_local_module(tmp_path: Path) -> None:
    vendored = tmp_path / ".terraform" / "modules" / "jobs"
    vendored.mkdir(parents=True)
    (vendored / "main.tf").write_text('resource "aws_sqs_queue" "this" {\n  name = var.name\n}\n'
                                      'variable "name" {}\noutput "arn" {\n  value = aws_sqs_queue.this.arn\n}\n')
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(json.dumps(
        {"Modules": [{"Key": "", "Source": "", "Dir": "."},
                     {"Key": "jobs", "Source": "registry.terraform.io/acme/queue/aws",
                      "Dir": ".terraform/modules/jobs"}]}))
    (tmp_path / "main.tf").write_text("""
module "jobs" {
  source = "acme/queue/aws"
  name   = "jobs"
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "worker.zip"
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn        = module.jobs.arn
  function_name           = aws_lambda_function.worker.arn
  function_response_types = ["ReportBatchItemFailures"]
}
""")
    result = lint([str(tmp_path)], RuleSet([rule_by_key("LL106")]), cwd=tmp_path)
    assert [(f.resource, f.loc.file) for f in result.findings] == [
        ("module.jobs.aws_sqs_queue.this", ".terraform/modules/jobs/main.tf")]


def test_syntax_errors_do_not_crash(tmp_path: Path) -> None:
    """A syntax error is the directory's one-line error at its line, not a partial lint: tree-sitter's
    recovery can nest every later block inside the broken one (tests/terraform/test_hostile_terraform.py)."""
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = \n}\nresource {{{\n')
    result = lint([str(tmp_path)], RuleSet(list(all_rules())), cwd=tmp_path)
    assert result.units == 0
    assert [(e.file, e.message) for e in result.errors] == [
        (".", "main.tf: invalid HCL at line 2, column 9: missing '{'")]
