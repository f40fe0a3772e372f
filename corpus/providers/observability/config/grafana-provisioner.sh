#!/bin/sh
# Provision dashboards into the legacy on-prem Grafana (v8)
set -eu
GRAFANA_URL=https://grafana-legacy.lumen.example
curl -fsS -X POST "$GRAFANA_URL/api/dashboards/db" \
  -H "Authorization: Bearer eyJrIjoia0xNZkpydDNtY0lHUThRQUFsTGZ0SURZWkRCMklHZXYiLCJuIjoibHVtZW4tcHJvdmlzaW9uZXIiLCJpZCI6MX0=" \
  -H "Content-Type: application/json" \
  --data-binary @dashboards/hub-fleet.json
