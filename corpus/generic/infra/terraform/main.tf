terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
    random = {
      source = "hashicorp/random"
    }
  }
}

resource "random_password" "orders_db" {
  length  = 32
  special = true
}

resource "aws_db_instance" "orders" {
  identifier          = "orders-prod"
  engine              = "postgres"
  engine_version      = "16.2"
  instance_class      = "db.t4g.large"
  allocated_storage   = 100
  username            = "orders_admin"
  password            = random_password.orders_db.result
  skip_final_snapshot = false
}

resource "aws_db_instance" "reports" {
  identifier        = "reports-prod"
  engine            = "mysql"
  instance_class    = "db.t4g.medium"
  allocated_storage = 50
  username          = "reports_admin"
  password          = "Pel1c4n_3320"
}

resource "aws_mq_broker" "events" {
  broker_name        = "orders-events"
  engine_type        = "RabbitMQ"
  engine_version     = "3.11.20"
  host_instance_type = "mq.t3.micro"

  user {
    username = "events"
    password = var.mq_password
  }
}

resource "aws_ssm_parameter" "payments_api_key" {
  name  = "/orders/prod/payments-api-key"
  type  = "SecureString"
  value = "Pgi3syWudvFQN7qv8CwTUNEwPBNaFBkPPhFt7fTb"
}

resource "aws_secretsmanager_secret" "webhook" {
  name                    = "orders/prod/webhook-secret"
  recovery_window_in_days = 7
}

module "dashboards" {
  source         = "./modules/dashboards"
  admin_password = "t5-MQ7jVo"
  admin_token    = "${var.dashboards_token}"
}

provider "acme-fleet" {
  endpoint = "https://fleet.acme-orders.example"
  api_key  = "d1199fdc4c6106a6172844a5bef91f1fb409d92f"
}
