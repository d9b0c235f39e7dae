# Trap: the first queue's visibility (180 s) covers 6 x 30 s; the second function's timeout is a
# variable with no value (unknown), so the default 30 s visibility is not judged.
variable "slow_timeout" {
  type = number
}

resource "aws_sqs_queue" "fast" {
  name                       = "fast"
  visibility_timeout_seconds = 180
}

resource "aws_sqs_queue" "slow" {
  name = "slow"
}

resource "aws_lambda_function" "fast" {
  function_name = "fast"
  role          = "arn:aws:iam::123456789012:role/fast"
  handler       = "app.handler"
  runtime       = "python3.12"
  timeout       = 30
  filename      = "fast.zip"
}

resource "aws_lambda_function" "slow" {
  function_name = "slow"
  role          = "arn:aws:iam::123456789012:role/slow"
  handler       = "app.handler"
  runtime       = "python3.12"
  timeout       = var.slow_timeout
  filename      = "slow.zip"
}

resource "aws_lambda_event_source_mapping" "fast" {
  event_source_arn = aws_sqs_queue.fast.arn
  function_name    = aws_lambda_function.fast.arn
}

resource "aws_lambda_event_source_mapping" "slow" {
  event_source_arn = aws_sqs_queue.slow.arn
  function_name    = aws_lambda_function.slow.arn
}
