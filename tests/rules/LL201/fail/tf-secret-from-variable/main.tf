# LL201: a secret-named variable fed from a Terraform variable with no value here (whatever it is
# at apply time lands in plaintext), and a literal token from a variable default.
variable "db_password" {
  type      = string
  sensitive = true
}

variable "stripe_key" {
  type    = string
  default = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
}

locals {
  common_env = {
    LOG_LEVEL = "info"
  }
}

resource "aws_lambda_function" "checkout" {
  function_name = "checkout"
  role          = "arn:aws:iam::123456789012:role/checkout"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "checkout.zip"

  environment {
    variables = {
      DB_PASSWORD    = var.db_password # expect: LL201@aws_lambda_function.checkout
      STRIPE_API_KEY = var.stripe_key # expect: LL201@aws_lambda_function.checkout
      TABLE_NAME     = "orders"
    }
  }
}
