terraform {
  required_providers {
    cloudflare = { source = "cloudflare/cloudflare" }
    vercel     = { source = "vercel/vercel" }
  }
}

provider "cloudflare" {
  api_token = "O1di-32xOly4r4nl58dzsIsZ9ga4bJ6WBlBHEboE"
}

provider "cloudflare" {
  alias   = "legacy"
  email   = "ops@lumen.test"
  api_key = "cfk_MJRWFcPRLjZOgfPWtU73igKaZafoG9lUewxiyoGutAj4wqqG"
}

provider "vercel" {
  api_token = "u0aTzLB6Zl6LqQUIUNAAIToy"
  team      = "lumen"
}

locals {
  wrangler_oauth = "cfoat_4PzVfHxBo80fSmhp0zBMJyOdt2QPOVQn5Skk34vLDKr"
  zone_id        = "e0dbc9720a509363ee58e7b76b85f1e9"
}
