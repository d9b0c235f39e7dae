# Trap: the group's retention comes from a variable default; the second function logs to a custom
# group created elsewhere (not declared here); the third group's retention is a variable with no
# value (unknown).
variable "retention" {
  type    = number
  default = 14
}

variable "other_retention" {
  type = number
}

resource "aws_lambda_function" "api" {
  function_name = "api"
  role          = "arn:aws:iam::123456789012:role/api"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "api.zip"
}

resource "aws_cloudwatch_log_group" "api" {
  name              = "/aws/lambda/${aws_lambda_function.api.function_name}"
  retention_in_days = var.retention
}

resource "aws_lambda_function" "shared" {
  function_name = "shared"
  role          = "arn:aws:iam::123456789012:role/shared"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "shared.zip"

  logging_config {
    log_format = "JSON"
    log_group  = "/platform/shared-logs"
  }
}

resource "aws_lambda_function" "batch" {
  function_name = "batch"
  role          = "arn:aws:iam::123456789012:role/batch"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "batch.zip"
}

resource "aws_cloudwatch_log_group" "batch" {
  name              = "/aws/lambda/batch"
  retention_in_days = var.other_retention
}
