/*
 * device_credentials.c - factory identity of lab unit lumen-hub-000142.
 *
 * FAKE test fixture for keysift. The certificate is public and harmless; the
 * private key is the kind of thing that must never be compiled into an image
 * that the whole fleet shares.
 */
#include <stddef.h>

#include "device_credentials.h"

const char device_serial_str[] = "lumen-hub-000142";

/* SHA-256 fingerprint of the fleet root CA, pinned by tls_transport.c. */
const char fleet_root_ca_sha256[] =
    "b90926a020457741625a32314f3fcb0e7b33bdd4cfb2c50863776a98c7b54945";

const char device_cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB7DCCAZGgAwIBAgIUBadn+IUI0PTKC8LRTYSy+nqQ/i4wCgYIKoZIzj0EAwIw\n"
    "SzEcMBoGA1UECgwTTHVtZW4gTGlnaHRpbmcgR21iSDEQMA4GA1UECwwHRGV2aWNl\n"
    "czEZMBcGA1UEAwwQbHVtZW4taHViLTAwMDE0MjAeFw0yNjExMjQwMTQ4NDZaFw0z\n"
    "NjExMjEwMTQ4NDZaMEsxHDAaBgNVBAoME0x1bWVuIExpZ2h0aW5nIEdtYkgxEDAO\n"
    "BgNVBAsMB0RldmljZXMxGTAXBgNVBAMMEGx1bWVuLWh1Yi0wMDAxNDIwWTATBgcq\n"
    "hkjOPQIBBggqhkjOPQMBBwNCAARS9fR+AXFiFvBjnZ8K4oLclFALD0ExJ8pst6Fm\n"
    "U2GUJgkhpAnvmX0M9DyUOsaE73AFjw/bnuJKugOoDcDOLvDno1MwUTAdBgNVHQ4E\n"
    "FgQU8LV0iWH9Wwy4nsdCI3tDZNFblBswHwYDVR0jBBgwFoAU8LV0iWH9Wwy4nsdC\n"
    "I3tDZNFblBswDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAq2RX\n"
    "JvY+3ExZpS/taacRWwrGAsZH9Fcc6bZzRVdcdZ4CIQDLSP9lOftDygC9VbGhD2fX\n"
    "Ee/km58zHRFXW7v1ZeUv/g==\n"
    "-----END CERTIFICATE-----\n";

const char device_key_pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIKQMdW1JACMx0MNFmmPgSVyqXP1Nq3Z/wbtrWwfJR67LoAoGCCqGSM49\n"
    "AwEHoUQDQgAESxa4my2lQfwCjBTvFKP9SCs4a51+MQFo9uciPA2YWKHu1M/rGdnw\n"
    "tcxfbmBZJLD0DqlwggRSF3W/tXxIAmL88A==\n"
    "-----END EC PRIVATE KEY-----\n";

const size_t device_cert_pem_len = sizeof(device_cert_pem);
const size_t device_key_pem_len = sizeof(device_key_pem);

const char *device_serial(void)
{
    return device_serial_str;
}
