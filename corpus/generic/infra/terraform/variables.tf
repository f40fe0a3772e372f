variable "mq_password" {
  description = "Password of the events broker user"
  type        = string
  sensitive   = true
}

# The spec is silent on block context: a literal default of a variable whose
# name is a password name is a hard-coded password, reported at the default line.
variable "legacy_db_password" {
  type      = string
  sensitive = true
  default   = "Copper-Kestrel95"
}

variable "dashboards_token" {
  type      = string
  sensitive = true
  default   = ""
}

variable "password_min_length" {
  type    = number
  default = 16
}
