# Trap: one mapping reports item failures; the other's batch size and window come from
# variables with no value (unknown: it may be a batch of one), so neither is reported.
variable "batch_size" {
  type = number
}

variable "window" {
  type = number
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}

resource "aws_sqs_queue" "events" {
  name = "events"
}

resource "aws_lambda_function" "handler" {
  function_name = "handler"
  role          = "arn:aws:iam::123456789012:role/handler"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "handler.zip"
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn        = aws_sqs_queue.jobs.arn
  function_name           = aws_lambda_function.handler.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
}

resource "aws_lambda_event_source_mapping" "events" {
  event_source_arn                   = aws_sqs_queue.events.arn
  function_name                      = aws_lambda_function.handler.arn
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.window
}
