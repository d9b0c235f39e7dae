# LL103: visibility 60 s from terraform.tfvars, timeout 30 s from a variable default: 60 < 6 x 30.
variable "visibility_timeout" {
  type    = number
  default = 900
}

variable "function_timeout" {
  type    = number
  default = 30
}

resource "aws_sqs_queue" "invoices" {
  name                       = "invoices"
  visibility_timeout_seconds = var.visibility_timeout # expect: LL103@aws_sqs_queue.invoices
}

resource "aws_sqs_queue" "receipts" { # expect: LL103@aws_sqs_queue.receipts
  name = "receipts"
}

resource "aws_lambda_function" "billing" {
  function_name = "billing"
  role          = "arn:aws:iam::123456789012:role/billing"
  handler       = "app.handler"
  runtime       = "python3.12"
  timeout       = var.function_timeout
  filename      = "billing.zip"
}

resource "aws_lambda_event_source_mapping" "invoices" {
  event_source_arn        = aws_sqs_queue.invoices.arn
  function_name           = aws_lambda_function.billing.arn
  function_response_types = ["ReportBatchItemFailures"]
}

resource "aws_lambda_event_source_mapping" "receipts" {
  event_source_arn        = aws_sqs_queue.receipts.arn
  function_name           = aws_lambda_function.billing.arn
  function_response_types = ["ReportBatchItemFailures"]
}
