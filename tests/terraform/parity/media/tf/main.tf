# Parity app "media" in Terraform.
variable "bucket_name" {
  type    = string
  default = "media-uploads"
}

resource "aws_s3_bucket" "media" {
  bucket = var.bucket_name
}

resource "aws_s3_bucket_notification" "media" {
  bucket = aws_s3_bucket.media.id
  lambda_function {
    lambda_function_arn = aws_lambda_function.resize.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "incoming/"
  }
}

resource "aws_lambda_function" "resize" {
  function_name = "resize"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  role          = aws_iam_role.resize.arn
  filename      = "resize.zip"
}

resource "aws_lambda_permission" "s3" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.resize.function_name
  principal     = "s3.amazonaws.com"
  source_arn    = aws_s3_bucket.media.arn
}

resource "aws_iam_role" "resize" {
  name = "resize"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
  inline_policy {
    name = "objects"
    policy = jsonencode({
      Statement = [{ Effect = "Allow", Action = "s3:PutObject", Resource = "${aws_s3_bucket.media.arn}/incoming/*" }]
    })
  }
}
