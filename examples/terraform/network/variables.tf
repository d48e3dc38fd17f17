variable "aws_region" { default = "eu-central-1" }
variable "vpc_cidr" { default = "10.0.0.0/16" }
variable "azs" { default = ["eu-central-1a", "eu-central-1b"] }
variable "public_subnet_cidrs" { default = ["10.0.1.0/24", "10.0.2.0/24"] }
variable "private_subnet_cidrs" { default = ["10.0.3.0/24", "10.0.4.0/24"] }
