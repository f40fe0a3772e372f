# Lumen platform infrastructure (GitHub org, Azure storage, database roles).
# FAKE test fixture for keysift: the hardcoded credentials are made up.

terraform {
  required_version = ">= 1.6"
  required_providers {
    github = {
      source  = "integrations/github"
      version = "~> 6.2"
    }
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 3.108"
    }
    postgresql = {
      source  = "cyrilgdn/postgresql"
      version = "~> 1.22"
    }
  }
  backend "azurerm" {
    resource_group_name  = "rg-lumen-tfstate"
    storage_account_name = "stlumentfstate"
    container_name       = "tfstate"
    key                  = "platform.tfstate"
  }
}

provider "github" {
  owner = "lumen-iot"
  token = "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"
}

provider "azurerm" {
  features {}
  subscription_id = "679030f1-d7ee-49c1-b857-012021d8a2ff"
  tenant_id       = "529bb5e1-18d7-4573-8c3b-074e0ee741b5"
}

provider "postgresql" {
  host     = "db-primary.lumen.internal"
  port     = 5432
  username = "terraform"
  password = "uyR86rcDQbSybEHXq2jT!I"
  sslmode  = "require"
}

variable "db_admin_password" {
  type      = string
  sensitive = true
}

variable "location" {
  type    = string
  default = "westeurope"
}

resource "github_repository" "firmware" {
  name                   = "firmware"
  visibility             = "private"
  delete_branch_on_merge = true
  vulnerability_alerts   = true
}

resource "azurerm_resource_group" "media" {
  name     = "rg-lumen-media"
  location = var.location
  tags = {
    owner            = "platform"
    task_live_window = "sun-0200"
  }
}

resource "azurerm_storage_account" "media" {
  name                     = "stlumenmedia"
  resource_group_name      = azurerm_resource_group.media.name
  location                 = azurerm_resource_group.media.location
  account_tier             = "Standard"
  account_replication_type = "ZRS"
  min_tls_version          = "TLS1_2"
}

resource "postgresql_role" "app" {
  name     = "lumen_app"
  login    = true
  password = var.db_admin_password
}

output "media_connection_string" {
  value     = azurerm_storage_account.media.primary_connection_string
  sensitive = true
}
