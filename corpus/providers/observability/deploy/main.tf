terraform {
  required_providers {
    newrelic     = { source = "newrelic/newrelic" }
    launchdarkly = { source = "launchdarkly/launchdarkly" }
    sumologic    = { source = "SumoLogic/sumologic" }
  }
}

provider "newrelic" {
  account_id = 3412876
  api_key    = "NRAK-UGKL2J7TH25ZPB3ICAUK8UPJ5SH"
  region     = "EU"
}

provider "launchdarkly" {
  access_token = "api-fc6dad39-6d43-4632-a806-5913aebd4028"
}

locals {
  sumo_access_key = "9Q0OdKqEypdd1IwW9xnJn3Wt3olIqKxWnLElFE2uoS3XHdZH275DITbGzgiF4K5Y"
  logzio_api_token = "94dddd62-7fcb-4ed1-bd1d-218fc7b0bf81"
}

resource "grafana_cloud_stack" "lumen" {
  name        = "lumen"
  slug        = "lumen"
  region_slug = "prod-eu-west-2"
}

variable "grafana_cloud_token" {
  default = "glc_eyJvIjoiNzcxMjAzIiwibiI6Imx1bWVuLWFsbG95LXdyaXRlIiwiayI6Im9tWWVlZ1dnT0xRZlVmRHQzR0pNYVQ2eiIsIm0iOnsiciI6InByb2QtZXUtd2VzdC0yIn19"
}
