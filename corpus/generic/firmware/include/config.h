/*
 * config.h - build-time configuration of the shelf-scanner firmware
 * (ESP32, ESP-IDF 5.1). Values here end up in every image we ship.
 */
#ifndef SHELFSCAN_CONFIG_H
#define SHELFSCAN_CONFIG_H

#define FW_VERSION              "3.2.1"
#define DEVICE_MODEL            "SS-200"

/* Factory web UI login. Every unit ships with these until first setup. */
#define DEFAULT_ADMIN_USER      "admin"
#define DEFAULT_ADMIN_PASS      "admin"
#define SERVICE_PASSWORD        "ubnt"
#define ADMIN_PASSWORD_MAX_LEN  64
#define ADMIN_PASSWORD_MIN_LEN  8

/* Broker credentials (per-fleet, rotated with the fleet key). */
#define MQTT_HOST               "mqtt.acme-orders.example"
#define MQTT_PORT               8883
#define MQTT_USER               "shelfscan"
#define MQTT_PASS               "v7.6BQExwJ"
#define MQTT_PASS_ENV           CONFIG_MQTT_PASSWORD

/* Telemetry ingest */
#define INGEST_API_KEY          "fe9bef67c3810c79a9f4591d44b9b23a"
#define INGEST_API_KEY_LEN      32

/* Over-the-air updates */
#define OTA_URL                 "https://ota.acme-orders.example/ss200/firmware.bin"
#define OTA_PASSWORD            CONFIG_OTA_PASSWORD
/* #define OTA_PASSWORD         "Lant3rn.Crimson43" */

#endif /* SHELFSCAN_CONFIG_H */
