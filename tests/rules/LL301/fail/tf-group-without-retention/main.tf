# LL301: one function's declared log group has no retention_in_days (0 means never expire too);
# another function has no declared group at all.
resource "aws_lambda_function" "api" {
  function_name = "api-${var.stage}"
  role          = "arn:aws:iam::123456789012:role/api"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "api.zip"
}

resource "aws_cloudwatch_log_group" "api" { # expect: LL301@aws_cloudwatch_log_group.api
  name = "/aws/lambda/${aws_lambda_function.api.function_name}"
}

resource "aws_lambda_function" "cron" { # expect: LL301@aws_lambda_function.cron
  function_name = "cron-${var.stage}"
  role          = "arn:aws:iam::123456789012:role/cron"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "cron.zip"
}

resource "aws_lambda_function" "worker" {
  function_name = "worker-${var.stage}"
  role          = "arn:aws:iam::123456789012:role/worker"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "worker.zip"
}

resource "aws_cloudwatch_log_group" "worker" { # expect: LL301@aws_cloudwatch_log_group.worker
  name              = "/aws/lambda/worker-${var.stage}"
  retention_in_days = 0
}

variable "stage" {
  type    = string
  default = "prod"
}
