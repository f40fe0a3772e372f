/*
 * sshwire.c - see sshwire.h.
 */
#include "sshwire.h"

bool ks_ssh_string(const uint8_t *d, size_t n, size_t *pos, const uint8_t **s, size_t *len)
{
    if (*pos > n || n - *pos < 4)
        return false;
    uint32_t l = (uint32_t)d[*pos] << 24 | (uint32_t)d[*pos + 1] << 16 |
                 (uint32_t)d[*pos + 2] << 8 | d[*pos + 3];
    if (l > n - *pos - 4)
        return false;
    *s = d + *pos + 4;
    *len = l;
    *pos += 4 + (size_t)l;
    return true;
}

EVP_PKEY *ks_pkey_from_params(const char *type, int selection, OSSL_PARAM_BLD *b)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(b);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *key = NULL;
    if (params && pc && EVP_PKEY_fromdata_init(pc) == 1)
        EVP_PKEY_fromdata(pc, &key, selection, params);
    EVP_PKEY_CTX_free(pc);
    OSSL_PARAM_free(params);
    return key;
}
