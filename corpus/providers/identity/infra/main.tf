# Lumen infrastructure (FAKE credentials for the keysift corpus)
terraform {
  cloud {
    organization = "acme-lumen"
    workspaces { name = "prod" }
  }
}

provider "mongodbatlas" {
  public_key  = "ulzjpawi"
  private_key = var.atlas_private_key
}

variable "atlas_private_key" {
  type      = string
  sensitive = true
}

locals {
  mongodb_atlas_private_key = "0ac92514-c26e-48d9-a291-3c079dfbcda8"
  infisical_client_id       = "d4d47097-4538-48ae-9b44-6ba945db274c"
  infisical_client_secret   = "ab2fedc3c4a9c34bd1c2e4e8dc83d4c2f7632af47ebf56743608b802df1583fd"
  auth0_mgmt_token          = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2FjbWUtcHJvZC5ldS5hdXRoMC5jb20vIiwic3ViIjoiZGpSb3hoNUhUUGV6dE5sV0tjU3g1RWdHMWoyUGJINTlAY2xpZW50cyIsImF1ZCI6Imh0dHBzOi8vYWNtZS1wcm9kLmV1LmF1dGgwLmNvbS9hcGkvdjIvIiwiaWF0IjoxNzE4MDAwMDAwLCJleHAiOjE3MTgwODY0MDAsInNjb3BlIjoicmVhZDp1c2VycyB1cGRhdGU6dXNlcnMgZGVsZXRlOnVzZXJzIiwiZ3R5IjoiY2xpZW50LWNyZWRlbnRpYWxzIn0.AJGvU0_-zM9pWpLhvMebMwD7rsh0EIk5qB77iwLISMM"
}

provider "neon" {
  api_key = var.neon_api_key
}
