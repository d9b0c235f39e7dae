variable "bucket_name" {
  type    = string
  default = "media-uploads"
}
