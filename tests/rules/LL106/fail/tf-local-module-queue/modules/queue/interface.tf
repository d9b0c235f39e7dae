variable "queue_name" {
  type = string
}

output "queue_arn" {
  value = aws_sqs_queue.this.arn
}
