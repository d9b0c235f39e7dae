# LL104: a function-level DLQ and an async OnFailure destination on a function invoked only by an
# SQS mapping and a function URL: nothing ever arrives there.
resource "aws_sqs_queue" "tasks" {
  name                       = "tasks"
  visibility_timeout_seconds = 120
}

resource "aws_sqs_queue" "tasks_dlq" {
  name = "tasks-dlq"
}

resource "aws_lambda_function" "tasks" {
  function_name = "tasks"
  role          = "arn:aws:iam::123456789012:role/tasks"
  handler       = "app.handler"
  runtime       = "python3.12"
  timeout       = 20
  filename      = "tasks.zip"

  dead_letter_config { # expect: LL104@aws_lambda_function.tasks
    target_arn = aws_sqs_queue.tasks_dlq.arn
  }
}

resource "aws_lambda_function_event_invoke_config" "tasks" {
  function_name = aws_lambda_function.tasks.function_name

  destination_config {
    on_failure { # expect: LL104@aws_lambda_function.tasks
      destination = aws_sqs_queue.tasks_dlq.arn
    }
  }
}

resource "aws_lambda_event_source_mapping" "tasks" {
  event_source_arn = aws_sqs_queue.tasks.arn
  function_name    = aws_lambda_function.tasks.arn
}

resource "aws_lambda_function_url" "tasks" {
  function_name      = aws_lambda_function.tasks.function_name
  authorization_type = "AWS_IAM"
}
