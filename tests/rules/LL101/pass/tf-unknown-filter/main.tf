# Trap: the notification's prefix comes from a variable without a value, so whether the
# function's writes can reach it is unknown: never a finding.
variable "watched_prefix" {
  type = string
}

resource "aws_s3_bucket" "data" {
  bucket = "data-bucket"
}

resource "aws_s3_bucket_notification" "data" {
  bucket = aws_s3_bucket.data.id

  lambda_function {
    lambda_function_arn = aws_lambda_function.etl.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = var.watched_prefix
  }
}

resource "aws_lambda_function" "etl" {
  function_name = "etl"
  role          = aws_iam_role.etl.arn
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "etl.zip"
}

resource "aws_iam_role" "etl" {
  name               = "etl"
  assume_role_policy = "{}"
  inline_policy {
    name = "write"
    policy = jsonencode({
      Version   = "2012-10-17"
      Statement = [{ Effect = "Allow", Action = "s3:PutObject", Resource = "${aws_s3_bucket.data.arn}/out/*" }]
    })
  }
}
