resource "aws_sqs_queue" "this" { # expect: LL106@module.orders.aws_sqs_queue.this
  name                       = var.queue_name
  visibility_timeout_seconds = 300
}
