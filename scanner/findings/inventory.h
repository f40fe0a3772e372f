/*
 * inventory.h - step 5 of a scan's findings (findings.h): keys and
 * certificates. Findings of inventory rules (certificates, public keys)
 * move to the inventory; every key and certificate is read with OpenSSL
 * (crypto.h), private keys are linked to the certificate or public key of
 * their public key, and the `check` rules add their findings (weak or
 * expiring material).
 *
 * Reading is the costly part (a tenth of a millisecond a key): it is done
 * asset by asset, by whoever runs the tasks (ks_scan_run hands them to the
 * pipeline's workers); each task touches only its own asset.
 */
#ifndef KS_INVENTORY_H
#define KS_INVENTORY_H

#include "findings.h"

/* Move inventory findings out; returns the number of assets to read. */
size_t ks_inventory_prepare(ks_results *res);
/* Read asset i (0 <= i < the number prepare returned). Tasks for
 * different i may run at the same time. */
void ks_inventory_read(ks_results *res, size_t i);
/* Link keys to certificates and add the findings of the `check` rules,
 * judged at `now` with the product supported until `support_until`
 * (0: not given). */
void ks_inventory_finish(ks_results *res, int64_t now, int64_t support_until);

#endif
