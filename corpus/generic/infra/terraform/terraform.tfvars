region        = "eu-west-1"
environment   = "prod"
mq_password   = "G0ndola*Cinder52"
dashboards_token = "eUtiDlgqpl1TvUee4M1EDsUX0BdaQw3Jd8vdOu5l"
