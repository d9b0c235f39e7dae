# Parity app "vpc" in Terraform.
variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_vpc" "main" {
  cidr_block = "10.20.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, 10)
}

resource "aws_subnet" "b" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, 11)
}

resource "aws_lambda_function" "reader" {
  function_name = "reader"
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = "arn:aws:iam::123456789012:role/reader"
  filename      = "reader.zip"

  environment {
    variables = {
      DB_PASSWORD = var.db_password
    }
  }

  vpc_config {
    subnet_ids         = [aws_subnet.a.id, aws_subnet.b.id]
    security_group_ids = ["sg-0123456789abcdef0"]
  }
}
