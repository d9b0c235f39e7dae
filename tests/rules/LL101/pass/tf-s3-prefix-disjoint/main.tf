# Trap: the function writes under "thumbnails/" while the notification only fires for "uploads/":
# disjoint prefixes, so no loop; and the write to var.archive_bucket (no value) is unknown.
resource "aws_s3_bucket" "media" {
  bucket = "media-uploads"
}

resource "aws_s3_bucket_notification" "media" {
  bucket = aws_s3_bucket.media.id

  lambda_function {
    lambda_function_arn = aws_lambda_function.thumbnail.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "uploads/"
    filter_suffix       = ".jpg"
  }
}

variable "archive_bucket" {
  type = string
}

resource "aws_lambda_function" "thumbnail" {
  function_name = "thumbnail"
  role          = aws_iam_role.thumbnail.arn
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "thumbnail.zip"
}

resource "aws_iam_role" "thumbnail" {
  name               = "thumbnail"
  assume_role_policy = "{}"
}

data "aws_iam_policy_document" "objects" {
  statement {
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.media.arn}/thumbnails/*"]
  }
  statement {
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::${var.archive_bucket}/*"]
  }
}

resource "aws_iam_role_policy" "objects" {
  role   = aws_iam_role.thumbnail.id
  policy = data.aws_iam_policy_document.objects.json
}
