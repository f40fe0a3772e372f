/*
 * wifi_config.h - build-time Wi-Fi and cloud settings for the Lumen hub.
 *
 * FAKE test fixture for keysift: every credential in this file is made up.
 *
 * These values are compiled into the factory image flashed on the assembly
 * line. Shipped units are re-provisioned over BLE (see provisioning.c), so in
 * theory they only matter for bring-up boards in the lab.
 */
#ifndef LUMEN_WIFI_CONFIG_H
#define LUMEN_WIFI_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define WIFI_SSID               "lumen-lab-5g"
#define WIFI_PASSWORD           "dKIjmaqO5iosT"
#define WIFI_PASSWORD_MAX_LEN   64
#define WIFI_CONNECT_TIMEOUT_MS 15000
#define WIFI_MAX_RETRIES        5

/*
 * Fallback access point used when the hub cannot join WIFI_SSID. Its password
 * is generated per unit and stored in NVS; the macro is only the NVS key name.
 */
#define SOFTAP_SSID_PREFIX      "Lumen-Setup-"
#define SOFTAP_PASSWORD_NVS_KEY "softap_pw"
#define SOFTAP_CHANNEL          6

/* OTA manifests are served from Firebase storage. */
#define OTA_MANIFEST_URL \
    "https://firebasestorage.googleapis.com/v0/b/lumen-ota/o/manifest.json?alt=media"
#define OTA_API_KEY             "AIzaSycuJkcSpi0rMTUf2YUc6Pdp0BIilx8Cudj"
#define OTA_CHECK_INTERVAL_S    (6 * 3600)

typedef enum {
    WIFI_STATE_IDLE = 0,
    WIFI_STATE_CONNECTING,
    WIFI_STATE_CONNECTED,
    WIFI_STATE_SOFTAP,
    WIFI_STATE_FAILED,
} wifi_state_t;

typedef struct {
    char ssid[33];
    char password[WIFI_PASSWORD_MAX_LEN + 1];
    uint8_t bssid[6];
    bool has_bssid;
    int8_t rssi;
} wifi_credentials_t;

/* Fills *out from NVS, falling back to the build-time WIFI_SSID/WIFI_PASSWORD. */
int wifi_config_load(wifi_credentials_t *out);

/* Persists credentials received over BLE; wipes the previous password first. */
int wifi_config_store(const wifi_credentials_t *creds);

/* Clears the stored password buffer; safe to call on a partially filled struct. */
void wifi_config_wipe(wifi_credentials_t *creds);

wifi_state_t wifi_state(void);

#endif /* LUMEN_WIFI_CONFIG_H */
