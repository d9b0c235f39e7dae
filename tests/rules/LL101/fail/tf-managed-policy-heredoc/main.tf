# LL101 through a customer managed policy (aws_iam_policy, JSON heredoc) attached with
# aws_iam_role_policy_attachment: s3:* on the bucket's objects reaches its Put notification.
# (The finding is inside the JSON heredoc, where no comment can go: see fixture.expect.)
resource "aws_s3_bucket" "inbox" {
  bucket = "${local.prefix}-inbox"
}

locals {
  prefix = "acme"
}

resource "aws_s3_bucket_notification" "inbox" {
  bucket = aws_s3_bucket.inbox.id

  lambda_function {
    lambda_function_arn = aws_lambda_function.sorter.arn
    events              = ["s3:ObjectCreated:Put"]
  }
}

resource "aws_lambda_function" "sorter" {
  function_name = "sorter"
  role          = aws_iam_role.sorter.arn
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "sorter.zip"
}

resource "aws_iam_role" "sorter" {
  name               = "sorter"
  assume_role_policy = "{}"
}

resource "aws_iam_policy" "objects" {
  name   = "sorter-objects"
  policy = <<-EOF
    {
      "Version": "2012-10-17",
      "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-inbox/*"},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::acme-inbox/*"}
      ]
    }
  EOF
}

resource "aws_iam_role_policy_attachment" "objects" {
  role       = aws_iam_role.sorter.name
  policy_arn = aws_iam_policy.objects.arn
}

resource "aws_iam_role_policy_attachment" "basic" {
  role       = aws_iam_role.sorter.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}
