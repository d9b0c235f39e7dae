# Trap: the first function has an OnFailure destination (event invoke config); the second's DLQ
# block is written with a target from a variable with no value: unknown, never reported.
variable "dlq_arn" {
  type = string
}

resource "aws_sns_topic" "events" {
  name = "events"
}

resource "aws_sqs_queue" "failures" {
  name = "failures"
}

resource "aws_lambda_function" "first" {
  function_name = "first"
  role          = "arn:aws:iam::123456789012:role/first"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "first.zip"
}

resource "aws_lambda_function_event_invoke_config" "first" {
  function_name = aws_lambda_function.first.function_name
  destination_config {
    on_failure {
      destination = aws_sqs_queue.failures.arn
    }
  }
}

resource "aws_lambda_function" "second" {
  function_name = "second"
  role          = "arn:aws:iam::123456789012:role/second"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "second.zip"

  dead_letter_config {
    target_arn = var.dlq_arn
  }
}

resource "aws_sns_topic_subscription" "first" {
  topic_arn = aws_sns_topic.events.arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.first.arn
}

resource "aws_sns_topic_subscription" "second" {
  topic_arn = aws_sns_topic.events.arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.second.arn
}
