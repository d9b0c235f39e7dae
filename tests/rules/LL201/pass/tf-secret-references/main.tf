# Trap: the secret is passed by reference (a Secrets Manager ARN, an SSM parameter name), and
# names like TOKEN_TTL_SECONDS or SORT_KEY are not secrets.
resource "aws_secretsmanager_secret" "db" {
  name = "db-credentials"
}

resource "aws_ssm_parameter" "api_key" {
  name  = "/checkout/api-key"
  type  = "SecureString"
  value = "placeholder"
}

resource "aws_lambda_function" "checkout" {
  function_name = "checkout"
  role          = "arn:aws:iam::123456789012:role/checkout"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "checkout.zip"

  environment {
    variables = {
      DB_SECRET_ARN     = aws_secretsmanager_secret.db.arn
      API_KEY_PARAMETER = aws_ssm_parameter.api_key.name
      TOKEN_TTL_SECONDS = "3600"
      SORT_KEY          = "createdAt"
    }
  }
}
