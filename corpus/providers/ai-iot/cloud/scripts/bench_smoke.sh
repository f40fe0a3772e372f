#!/bin/sh
# Smoke test of the bench rigs against the staging device platforms.
set -eu

# MQTT: toggle the bench lamp
mosquitto_pub -h broker.lumen.example -p 8883 --cafile ca.crt -u bench-runner -P as2c4gumt7A+D5 -t lumen/bench/lamp/set -m on

# ThingsBoard (thingsboard.lumen.example): push a reading as the bench sensor
curl -s -X POST https://thingsboard.lumen.example/api/v1/ddLlKJpiiDpGpU1xHR56/telemetry \
  -H "Content-Type: application/json" -d '{"temperature": 21.5}'

# Ubidots mirror
curl -s -X POST -H "X-Auth-Token: BBUS-YE30abn31SXLKACVWzEsx6VgJMcPQL" \
  -H "Content-Type: application/json" -d '{"temperature": 21.5}' \
  https://industrial.api.ubidots.com/api/v1.6/devices/bench-lamp

# Azure IoT Hub: direct method call with a pre-generated token
curl -s -X POST "https://lumen-stg-hub.azure-devices.net/twins/bench-hub/methods?api-version=2021-04-12" \
  -H "Authorization: SharedAccessSignature sr=lumen-stg-hub.azure-devices.net&sig=Ph59WWx778VRSn3f30d31sn2qOfE7hrY6jzXiEXBLgg%3D&se=1924992000&skn=service" \
  -d '{"methodName": "reboot"}'

# Balena fleet of gateways
balena login --token "$BALENA_TOKEN"
balena push lumen-gateways
