# Trap: the first function's reserved concurrency (200) fits its /24; the second's subnets use
# count.index in cidrsubnet (the instances differ, so the size is unknown); the third's subnet ids
# come from a variable with no value.
variable "subnet_ids" {
  type = list(string)
}

resource "aws_vpc" "main" {
  cidr_block = "10.30.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, 1)
}

resource "aws_subnet" "per_az" {
  count      = 3
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 4, count.index)
}

resource "aws_lambda_function" "capped" {
  function_name                  = "capped"
  role                           = "arn:aws:iam::123456789012:role/capped"
  handler                        = "app.handler"
  runtime                        = "python3.12"
  filename                       = "capped.zip"
  reserved_concurrent_executions = 200

  vpc_config {
    subnet_ids         = [aws_subnet.a.id]
    security_group_ids = ["sg-0123456789abcdef0"]
  }
}

resource "aws_lambda_function" "spread" {
  function_name = "spread"
  role          = "arn:aws:iam::123456789012:role/spread"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "spread.zip"

  vpc_config {
    subnet_ids         = aws_subnet.per_az[*].id
    security_group_ids = ["sg-0123456789abcdef0"]
  }
}

resource "aws_lambda_function" "external" {
  function_name = "external"
  role          = "arn:aws:iam::123456789012:role/external"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "external.zip"

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = ["sg-0123456789abcdef0"]
  }
}
