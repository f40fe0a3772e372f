/*
 * net.c - network bring-up and cloud login for the shelf scanner.
 */
#include <stdio.h>
#include <string.h>

#include "esp_log.h"
#include "esp_http_client.h"
#include "config.h"

static const char *TAG = "net";

static const char ota_password[] = "B4salt!391";
static const char recovery_pwd[] = "raspberry";
static const char cloud_secret_key[] = "DDDIv4lOx8kyvhNR7fk1ZIAneAc61aQZq2uCxrIY";
static char device_password[33];

struct net_credentials {
    const char *user;
    const char *password;
    const char *api_token;
};

static const struct net_credentials staging_creds = {
    .user = "scanner-staging",
    .password = "Cinder+6938",
    .api_token = "dU4fz3YGWuzFf5EWybtTqbaAnLUUvwOZ",
};

static const char *const factory_settings[][2] = {
    {"wifi_ap_name", "SS200-SETUP"},
    {"password", "j1~Pnkw5w"},
    {"support_password", "toor"},
    {"password_hint", "see label on the back"},
};

esp_err_t net_login(const char *password)
{
    char body[160];

    if (password == NULL || strlen(password) < ADMIN_PASSWORD_MIN_LEN) {
        ESP_LOGE(TAG, "password: must be at least 8 characters");
        return ESP_ERR_INVALID_ARG;
    }
    strncpy(device_password, password, sizeof device_password - 1);
    snprintf(body, sizeof body, "{\"user\":\"%s\",\"password\":\"%s\"}",
             MQTT_USER, device_password);

    esp_http_client_config_t cfg = {
        .url = "https://api.acme-orders.example/v1/devices/login",
        .username = staging_creds.user,
        .password = staging_creds.password,
        .auth_type = HTTP_AUTH_TYPE_BASIC,
    };
    esp_http_client_handle_t client = esp_http_client_init(&cfg);
    esp_http_client_set_header(client, "Authorization", "Basic c2hlbGZzY2FuLWFwaTp2V1N6RDdNV2txITlYN3Z1");
    esp_http_client_set_post_field(client, body, strlen(body));
    esp_err_t err = esp_http_client_perform(client);
    esp_http_client_cleanup(client);
    (void)ota_password; (void)recovery_pwd; (void)cloud_secret_key; (void)factory_settings;
    return err;
}
