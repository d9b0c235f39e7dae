# Trap: one queue has a jsonencode redrive policy, one gets it from aws_sqs_queue_redrive_policy,
# and the third's redrive_policy is a variable with no value (unknown): none is reported.
variable "redrive" {
  type = string
}

resource "aws_sqs_queue" "dlq" {
  name = "dlq"
}

resource "aws_sqs_queue" "a" {
  name = "a"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 3
  })
}

resource "aws_sqs_queue" "b" {
  name = "b"
}

resource "aws_sqs_queue_redrive_policy" "b" {
  queue_url = aws_sqs_queue.b.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 3
  })
}

resource "aws_sqs_queue" "c" {
  name           = "c"
  redrive_policy = var.redrive
}

resource "aws_lambda_function" "consumer" {
  function_name = "consumer"
  role          = "arn:aws:iam::123456789012:role/consumer"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "consumer.zip"
}

resource "aws_lambda_event_source_mapping" "a" {
  event_source_arn = aws_sqs_queue.a.arn
  function_name    = aws_lambda_function.consumer.arn
}

resource "aws_lambda_event_source_mapping" "b" {
  event_source_arn = aws_sqs_queue.b.arn
  function_name    = aws_lambda_function.consumer.arn
}

resource "aws_lambda_event_source_mapping" "c" {
  event_source_arn = aws_sqs_queue.c.arn
  function_name    = aws_lambda_function.consumer.arn
}
