variable "batch_size" {
  type    = number
  default = 1
}

resource "aws_lambda_event_source_mapping" "orders" { # expect: LL102@aws_lambda_event_source_mapping.orders
  event_source_arn = aws_sqs_queue.orders.arn
  function_name    = aws_lambda_function.orders.arn
  batch_size       = var.batch_size
}

resource "aws_lambda_event_source_mapping" "stream" { # expect: LL102@aws_lambda_event_source_mapping.stream
  event_source_arn  = aws_kinesis_stream.clicks.arn
  function_name     = aws_lambda_function.orders.arn
  starting_position = "LATEST"
}

resource "aws_kinesis_stream" "clicks" {
  name        = "clicks"
  shard_count = 1
}
