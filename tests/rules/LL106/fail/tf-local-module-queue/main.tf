# LL106 through a local module call: the queue is declared in ./modules/queue (two files) and
# consumed here; the finding is on the module's resource, at its source line.
module "orders" {
  source     = "./modules/queue"
  queue_name = "orders"
}

resource "aws_lambda_function" "consumer" {
  function_name = "consumer"
  role          = "arn:aws:iam::123456789012:role/consumer"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "consumer.zip"
}

resource "aws_lambda_event_source_mapping" "orders" {
  event_source_arn        = module.orders.queue_arn
  function_name           = aws_lambda_function.consumer.arn
  function_response_types = ["ReportBatchItemFailures"]
}
