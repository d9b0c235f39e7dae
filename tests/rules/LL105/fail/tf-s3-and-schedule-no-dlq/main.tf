# LL105: an S3 notification and an EventBridge schedule invoke the function asynchronously, and it
# has neither a DLQ nor an OnFailure destination.
resource "aws_s3_bucket" "reports" {
  bucket = "reports-bucket"
}

resource "aws_lambda_function" "report" { # expect: LL105@aws_lambda_function.report
  function_name = "report"
  role          = "arn:aws:iam::123456789012:role/report"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "report.zip"
}

resource "aws_s3_bucket_notification" "reports" {
  bucket = aws_s3_bucket.reports.id

  lambda_function {
    lambda_function_arn = aws_lambda_function.report.arn
    events              = ["s3:ObjectCreated:*"]
    filter_suffix       = ".csv"
  }
}

resource "aws_cloudwatch_event_rule" "nightly" {
  name                = "nightly"
  schedule_expression = "cron(0 2 * * ? *)"
}

resource "aws_cloudwatch_event_target" "nightly" {
  rule = aws_cloudwatch_event_rule.nightly.name
  arn  = aws_lambda_function.report.arn
}
