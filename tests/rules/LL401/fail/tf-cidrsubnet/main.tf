# LL401: two /24 subnets carved with cidrsubnet() give 502 usable addresses, fewer than the 1000
# the function may scale to without reserved concurrency.
resource "aws_vpc" "main" {
  cidr_block = var.vpc_cidr
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, 10)
}

resource "aws_subnet" "b" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(var.vpc_cidr, 8, 11)
}

resource "aws_lambda_function" "reader" {
  function_name = "reader"
  role          = "arn:aws:iam::123456789012:role/reader"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "reader.zip"

  vpc_config {
    subnet_ids         = [aws_subnet.a.id, aws_subnet.b.id] # expect: LL401@aws_lambda_function.reader
    security_group_ids = ["sg-0123456789abcdef0"]
  }
}

variable "vpc_cidr" {
  type    = string
  default = "10.20.0.0/16"
}
