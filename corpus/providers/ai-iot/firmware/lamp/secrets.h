/*
 * secrets.h - Lumen lamp (ESP32) cloud credentials.
 * TODO: move to NVS before the production run.
 */
#pragma once

#define WIFI_SSID "lumen-lab"

/* Blynk dashboard (demo) */
#define BLYNK_TEMPLATE_ID "TMPL4Lumen01"
#define BLYNK_TEMPLATE_NAME "Lumen Lamp"
#define BLYNK_AUTH_TOKEN "wD1TdxDCJAXKXIYyqrg_wc3p2myR0VLU"

/* Adafruit IO mirror */
#define IO_USERNAME "lumenlabs"
#define IO_KEY "aio_dEPPQnbQVfhy6sNjjYNlmb6eNKwp"

/* Arduino Cloud (ESP32 board added manually) */
#define SECRET_DEVICE_KEY "M0D6QJI00JBAAMG475FJ"

/* Azure IoT Hub, Azure SDK for C sample layout */
#define IOT_CONFIG_IOTHUB_FQDN "lumen-stg-hub.azure-devices.net"
#define IOT_CONFIG_DEVICE_ID "lamp-7f3a"
#define IOT_CONFIG_DEVICE_KEY "7uomAvl1RZ4QEfBMSBQKbzpm+a+ERtzX8YcW/9u0GgY="
