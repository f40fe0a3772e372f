/*
 * mqtt_client.c - telemetry uplink for the Lumen hub (MQTT 3.1.1 over TLS).
 *
 * FAKE test fixture for keysift: the broker credentials below are made up.
 *
 * The client keeps one session to the fleet broker, publishes a telemetry
 * frame every MQTT_PUBLISH_PERIOD_S and reconnects with exponential backoff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_credentials.h"
#include "mqtt_client.h"
#include "tls_transport.h"

#define MQTT_BROKER_HOST      "mqtt.lumen.internal"
#define MQTT_BROKER_PORT      8883
#define MQTT_KEEPALIVE_S      60
#define MQTT_PUBLISH_PERIOD_S 30
#define MQTT_TOPIC_FMT        "lumen/%s/telemetry"
#define MQTT_BACKOFF_MAX_MS   (5 * 60 * 1000)

static const char *mqtt_username = "hub-fleet";
static const char *mqtt_password = "b!I72wV3ennQ4fUupqh";

/* MD5 of the broker's CA bundle as shipped in v2.3.0, checked at boot. */
static const char ca_bundle_md5[] = "972c5de840e01e667e2f8639d9960eaa";

static unsigned backoff_ms = 500;

static int mqtt_connect(mqtt_session_t *s, const char *host, uint16_t port)
{
    const char *password = mqtt_password;
    /* Staging brokers take their password from the environment of the test rig. */
    const char *override = getenv("LUMEN_MQTT_PASSWORD");
    mqtt_connect_opts_t opts;
    int rc;

    if (override != NULL && override[0] != '\0')
        password = override;

    memset(&opts, 0, sizeof(opts));
    opts.client_id = device_serial();
    opts.username = mqtt_username;
    opts.password = password;
    opts.keepalive_s = MQTT_KEEPALIVE_S;
    opts.clean_session = 1;

    rc = tls_transport_open(&s->transport, host, port, device_cert_pem, device_key_pem);
    if (rc != 0)
        return rc;
    if (!tls_transport_ca_matches(&s->transport, ca_bundle_md5)) {
        tls_transport_close(&s->transport);
        return MQTT_E_CA_MISMATCH;
    }
    return mqtt_session_connect(s, &opts);
}

static void backoff_sleep(void)
{
    platform_sleep_ms(backoff_ms);
    backoff_ms *= 2;
    if (backoff_ms > MQTT_BACKOFF_MAX_MS)
        backoff_ms = MQTT_BACKOFF_MAX_MS;
}

int mqtt_client_run(mqtt_session_t *s, telemetry_source_fn next_frame, void *payload)
{
    char topic[96];
    uint8_t frame[512];
    size_t len;

    snprintf(topic, sizeof(topic), MQTT_TOPIC_FMT, device_serial());
    for (;;) {
        if (!mqtt_session_is_connected(s)) {
            if (mqtt_connect(s, MQTT_BROKER_HOST, MQTT_BROKER_PORT) != 0) {
                backoff_sleep();
                continue;
            }
            backoff_ms = 500;
        }
        len = next_frame(frame, sizeof(frame), payload);
        if (len > 0 && mqtt_session_publish(s, topic, frame, len, 1) != 0)
            mqtt_session_drop(s);
        platform_sleep_ms(MQTT_PUBLISH_PERIOD_S * 1000);
    }
    return 0;
}
