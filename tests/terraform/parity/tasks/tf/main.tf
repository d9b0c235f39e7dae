# Parity app "tasks" in Terraform.
resource "aws_sqs_queue" "tasks" {
  name                       = "tasks"
  visibility_timeout_seconds = 180
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.tasks_dlq.arn
    maxReceiveCount     = 5
  })
}

resource "aws_sqs_queue" "tasks_dlq" {
  name = "tasks-dlq"
}

resource "aws_cloudwatch_log_group" "tasks" {
  name              = "/aws/lambda/tasks"
  retention_in_days = 14
}

resource "aws_lambda_function" "tasks" {
  function_name = "tasks"
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = "arn:aws:iam::123456789012:role/tasks"
  filename      = "tasks.zip"
  timeout       = 20

  dead_letter_config {
    target_arn = aws_sqs_queue.tasks_dlq.arn
  }
}

resource "aws_lambda_event_source_mapping" "tasks" {
  event_source_arn        = aws_sqs_queue.tasks.arn
  function_name           = aws_lambda_function.tasks.arn
  function_response_types = ["ReportBatchItemFailures"]
}
