/*
 * factory_keys.h - keys baked into the factory test image.
 *
 * The manufacturing line signs test reports with this Ed25519 key. It was
 * pasted here during bring-up and must move to the HSM before MP:
 *
 * -----BEGIN PRIVATE KEY-----
 * MC4CAQAwBQYDK2VwBCIEIMQMUHzM8Do6c2aEe6P4PaiecVDrduVReYjUhFJf6lXv
 * -----END PRIVATE KEY-----
 */
#ifndef SHELFSCAN_FACTORY_KEYS_H
#define SHELFSCAN_FACTORY_KEYS_H

#include <stdint.h>

/* Public half, used by the line tester to verify reports (not secret). */
static const char factory_report_pubkey[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAvnYvi5vT3M81b2mu10ah3P9RaXm2O8amf6jGT/TSqds=\n"
    "-----END PUBLIC KEY-----\n";

/* Provisioning blob: hex of the "key=value" lines the line tester writes to NVS. */
static const char nvs_seed_hex[] = "61646d696e5f70617373776f72643d4d6172626c657e37343533";

/* Read-only token for the line's artifact mirror, hex-encoded to survive the NVS tool. */
static const char mirror_token_hex[] = "6768705f6e7647644e5a6e4f6c325856666e4a515355334f6b61753258506c706169326b766c6b65";

/* Example key from the vendor SDK documentation; the body is not key material. */
static const char sdk_example_key[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpAIBAAKCAQEA...your key here...\n"
    "-----END RSA PRIVATE KEY-----\n";

#endif
