/*
 * fleet.h - secrets shared across images: the step of a scan's findings
 * (findings.h) that runs when one scan covers several firmware images.
 *
 * An image is a top-level input that keysift recognises as a container
 * (ks_format_sniff on its first bytes), other than a key store (DER,
 * PKCS#12, Dropbear, Java key store: the key itself): a file named on the
 * command line, or a regular file directly under a directory named on the
 * command line that the walk does not exclude.
 * The caller (scan.c) lists them, sorted by path, in res->images; this
 * module knows only the paths. A location belongs to the image whose path
 * is its root (the first root_len bytes of the location's path).
 *
 * A private key, password hash or device credential found in two images or
 * more is one finding that lists every image (ks_shared), with a severity
 * one level above its rule's: a key shared by a product line is a key every
 * owner of one device can extract. A private key is identified by its
 * public key (SubjectPublicKeyInfo SHA-256), so the same key as PEM in one
 * image and DER in another is one finding; any other secret by its
 * finding's fingerprint. Only findings (small) are compared: no image's
 * bytes are held.
 */
#ifndef KS_FLEET_H
#define KS_FLEET_H

#include "findings.h"

/* Does a finding of this rule kind count as shared when it is found in
 * several images (private keys, password hashes, device credentials)? */
bool ks_fleet_kind(const char *kind);

/* The image a location is in: an index into res->images, or -1. */
long ks_fleet_image_of(const ks_results *res, const ks_location *l);

/* Merge the findings of one private key found in several forms, mark the
 * findings found in two images or more as shared (their images, their
 * severity, the certificates and public keys of a shared key). Runs after
 * keys and certificates (inventory.h), before the sort. Nothing happens
 * with fewer than two images. */
void ks_fleet_share(ks_results *res);

/* Per image: how many findings have a location in it, and how many of
 * those are shared (after acceptance: what the report lists). */
void ks_fleet_count(ks_results *res);

#endif
