terraform {
  required_providers {
    newrelic     = { source = "newrelic/newrelic" }
    launchdarkly = { source = "launchdarkly/launchdarkly" }
    sumologic    = { source = "SumoLogic/sumologic" }
  }
}

provider "newrelic" {
  account_id = 3412876
  api_key    = "NRAK-2C2GTTVCCY7GCC5TIXHLMXIKK5J"
  region     = "EU"
}

provider "launchdarkly" {
  access_token = "api-e6d42269-cb9a-48b6-988a-e7b0d23f8782"
}

locals {
  sumo_access_key = "LSDE862hbCV3NnXtjprlAjE0QYJPtSY3CYz0roUf1HaiKYLhSdEeeDj9BiCLNNpx"
  logzio_api_token = "52f04648-42f0-4107-8035-174992c54cf4"
}

resource "grafana_cloud_stack" "lumen" {
  name        = "lumen"
  slug        = "lumen"
  region_slug = "prod-eu-west-2"
}

variable "grafana_cloud_token" {
  default = "glc_eyJvIjoiNzcxMjAzIiwibiI6Imx1bWVuLWFsbG95LXdyaXRlIiwiayI6IkVteldoSmN1M0RwQ3YxWEFHakJ0bGcwcyIsIm0iOnsiciI6InByb2QtZXUtd2VzdC0yIn19"
}
