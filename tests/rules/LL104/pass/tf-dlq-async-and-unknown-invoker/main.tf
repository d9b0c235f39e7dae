# Trap: the first function's DLQ serves its SNS subscription (asynchronous); the second is also
# granted to a principal the linter cannot classify, which may invoke it asynchronously.
variable "caller_principal" {
  type = string
}

resource "aws_sqs_queue" "dlq" {
  name = "alerts-dlq"
}

resource "aws_sns_topic" "alerts" {
  name = "alerts"
}

resource "aws_lambda_function" "notify" {
  function_name = "notify"
  role          = "arn:aws:iam::123456789012:role/notify"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "notify.zip"

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }
}

resource "aws_sns_topic_subscription" "notify" {
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.notify.arn
}

resource "aws_lambda_function" "api" {
  function_name = "api"
  role          = "arn:aws:iam::123456789012:role/api"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "api.zip"

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }
}

resource "aws_lambda_function_url" "api" {
  function_name      = aws_lambda_function.api.function_name
  authorization_type = "NONE"
}

resource "aws_lambda_permission" "partner" {
  statement_id  = "partner"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  principal     = var.caller_principal
}
