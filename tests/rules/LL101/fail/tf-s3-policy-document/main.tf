# LL101: the function writes processed objects back into the bucket that triggers it; the
# notification's prefix "incoming/" overlaps the "incoming/*" keys the policy document allows.
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
  role          = aws_iam_role.resize.arn
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "resize.zip"
}

resource "aws_iam_role" "resize" {
  name               = "resize"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "objects" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.media.arn}/*"]
  }
  statement { # expect: LL101@data.aws_iam_policy_document.objects
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.media.arn}/incoming/*"]
  }
}

resource "aws_iam_role_policy" "objects" {
  role   = aws_iam_role.resize.id
  policy = data.aws_iam_policy_document.objects.json
}
