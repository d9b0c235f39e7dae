resource "aws_lambda_function" "orders" {
  function_name = "orders"
  role          = "arn:aws:iam::123456789012:role/orders"
  handler       = "app.handler"
  runtime       = "python3.12"
  timeout       = 10
  filename      = "orders.zip"
}
