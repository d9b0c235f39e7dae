# LL102 across files: the queue, the function and the mapping live in three files; the batch
# size comes from terraform.tfvars.
resource "aws_sqs_queue" "orders" {
  name                       = "orders"
  visibility_timeout_seconds = 60
}
