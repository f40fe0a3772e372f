/*
 * jks.c - Java keystores: JKS (Sun's, magic 0xFEEDFEED) and JCEKS (SunJCE's,
 * 0xCECECECE), as OpenJDK's JavaKeyStore and JceKeyStore write them.
 *
 * Big-endian: magic, version (1 or 2), the number of entries, the entries,
 * then a keyed SHA-1 of the whole (20 bytes). An entry is a tag, an alias
 * (Java's writeUTF: a 16-bit length, modified UTF-8) and a date (64-bit
 * milliseconds), then:
 *
 *   tag 1, private key: the protected key (32-bit length, a DER
 *     EncryptedPrivateKeyInfo), the number of certificates of its chain and
 *     each certificate (version 2: its type as writeUTF; a 32-bit length,
 *     the DER);
 *   tag 2, trusted certificate: one certificate, as in a chain;
 *   tag 3, secret key (JCEKS only): a SealedObject in Java serialization,
 *     with no length in front of it, so it is walked (jser_*) to find where
 *     the next entry starts.
 *
 * Children are slices of the keystore: each certificate's DER and each
 * protected key's DER, which the DER decoder renders as PEM for the rules
 * (an ENCRYPTED PRIVATE KEY). A JKS key is protected with Sun's
 * KeyProtector (a SHA-1 keystream over the password as UTF-16BE and a
 * 20-byte salt, XORed with the key, then SHA-1 of password and key as an
 * integrity check): a key protected with "changeit" (keytool's well-known
 * default) or the empty password is recovered, and its PKCS#8 DER is a
 * child too, so it is reported as a plaintext key with its facts. JCEKS
 * keys (PBEWithMD5AndTripleDES) stay encrypted.
 *
 * Every length is checked against the blob before it is used. A keystore
 * that ends early or holds nonsense is warned about where reading stopped,
 * and what was read before is still emitted; carved out of other bytes, a
 * keystore must read completely or it is not one.
 */
#include "format.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JKS_MAGIC 0xfeedfeedu
#define JCEKS_MAGIC 0xcecececeu
#define DIGEST_LEN 20
#define MIN_ENTRY (4 + 2 + 8 + 4) /* tag, empty alias, date, one length */
#define MAX_CHAIN 64
#define MAX_RECOVER (256u * 1024u) /* a protected key larger than this is not tried */

/* Sun's KeyProtector (JKS) and PBEWithMD5AndTripleDES (JCEKS). */
static const char oid_jks_protector[] = "1.3.6.1.4.1.42.2.17.1.1";

/* ------------------------------------------------------------------------ */
/* A cursor over the blob                                                    */

typedef struct cur {
    const uint8_t *d;
    size_t n, pos;
} cur;

static bool take(cur *c, size_t len, const uint8_t **p)
{
    if (len > c->n - c->pos)
        return false;
    if (p)
        *p = c->d + c->pos;
    c->pos += len;
    return true;
}

static bool u8(cur *c, uint8_t *v)
{
    const uint8_t *p;
    if (!take(c, 1, &p))
        return false;
    *v = p[0];
    return true;
}

static bool u16(cur *c, uint16_t *v)
{
    const uint8_t *p;
    if (!take(c, 2, &p))
        return false;
    *v = (uint16_t)(p[0] << 8 | p[1]);
    return true;
}

static bool u32(cur *c, uint32_t *v)
{
    const uint8_t *p;
    if (!take(c, 4, &p))
        return false;
    *v = ks_be32(p);
    return true;
}

/* Java's writeUTF: a 16-bit length, then the bytes. */
static bool utf(cur *c, const uint8_t **s, size_t *len)
{
    uint16_t l;
    if (!u16(c, &l) || !take(c, l, s))
        return false;
    *len = l;
    return true;
}

/* A 32-bit length, then that many bytes. */
static bool blob32(cur *c, const uint8_t **s, size_t *len)
{
    uint32_t l;
    if (!u32(c, &l) || !take(c, l, s))
        return false;
    *len = l;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Java serialization, walked to its end                                     */

/* The subset of the Object Serialization Stream Protocol a SealedObject
 * uses (objects of serializable classes, strings, arrays, references),
 * bounded in depth and handles; anything else stops the walk. */

#define JSER_MAX_HANDLES 256
#define JSER_MAX_FIELDS 64
#define JSER_MAX_DEPTH 16

enum {
    TC_NULL = 0x70,
    TC_REFERENCE = 0x71,
    TC_CLASSDESC = 0x72,
    TC_OBJECT = 0x73,
    TC_STRING = 0x74,
    TC_ARRAY = 0x75,
    TC_CLASS = 0x76,
    TC_BLOCKDATA = 0x77,
    TC_ENDBLOCKDATA = 0x78,
    TC_BLOCKDATALONG = 0x7a,
    TC_LONGSTRING = 0x7c,
    TC_ENUM = 0x7e,
};
#define SC_WRITE_METHOD 0x01
#define SC_SERIALIZABLE 0x02
#define SC_EXTERNALIZABLE 0x04
#define SC_BLOCK_DATA 0x08
#define BASE_HANDLE 0x7e0000u

typedef struct jclass {
    uint8_t flags;
    uint8_t elem;   /* arrays ("[B"): the element's type code; 0 otherwise */
    int super;      /* handle of the superclass's descriptor, -1 for none */
    size_t nfields; /* type codes: B C D F I J S Z, or L and [ (objects) */
    uint8_t types[JSER_MAX_FIELDS];
} jclass;

typedef struct jser {
    cur c;
    size_t nhandles;
    int cls[JSER_MAX_HANDLES]; /* handle -> index in classes, -1: not a class */
    jclass classes[JSER_MAX_HANDLES];
    size_t nclasses;
} jser;

static bool jser_object(jser *j, int depth, int *cls_out);

static bool jser_handle(jser *j, int cls)
{
    if (j->nhandles == JSER_MAX_HANDLES)
        return false;
    j->cls[j->nhandles++] = cls;
    return true;
}

static size_t prim_size(uint8_t t)
{
    switch (t) {
    case 'B':
    case 'Z':
        return 1;
    case 'C':
    case 'S':
        return 2;
    case 'F':
    case 'I':
        return 4;
    case 'D':
    case 'J':
        return 8;
    default:
        return 0;
    }
}

/* Block data and objects up to TC_ENDBLOCKDATA (class and object
 * annotations). */
static bool jser_annotation(jser *j, int depth)
{
    for (;;) {
        if (j->c.pos >= j->c.n)
            return false;
        uint8_t tc = j->c.d[j->c.pos];
        if (tc == TC_ENDBLOCKDATA) {
            j->c.pos++;
            return true;
        }
        if (tc == TC_BLOCKDATA) {
            uint8_t l;
            j->c.pos++;
            if (!u8(&j->c, &l) || !take(&j->c, l, NULL))
                return false;
        } else if (tc == TC_BLOCKDATALONG) {
            uint32_t l;
            j->c.pos++;
            if (!u32(&j->c, &l) || !take(&j->c, l, NULL))
                return false;
        } else if (!jser_object(j, depth + 1, NULL)) {
            return false;
        }
    }
}

/* A class descriptor (new, a reference to one, or null): its index in
 * classes in *cls, -1 for null. */
static bool jser_classdesc(jser *j, int depth, int *cls)
{
    uint8_t tc;
    if (depth > JSER_MAX_DEPTH || !u8(&j->c, &tc))
        return false;
    if (tc == TC_NULL) {
        *cls = -1;
        return true;
    }
    if (tc == TC_REFERENCE) {
        uint32_t h;
        if (!u32(&j->c, &h) || h < BASE_HANDLE || h - BASE_HANDLE >= j->nhandles ||
            j->cls[h - BASE_HANDLE] < 0)
            return false;
        *cls = j->cls[h - BASE_HANDLE];
        return true;
    }
    if (tc != TC_CLASSDESC || j->nclasses == JSER_MAX_HANDLES)
        return false;
    const uint8_t *name;
    size_t nl;
    uint16_t nf;
    int idx = (int)j->nclasses++;
    jclass *k = &j->classes[idx];
    memset(k, 0, sizeof *k);
    if (!utf(&j->c, &name, &nl) || !take(&j->c, 8, NULL) || !jser_handle(j, idx) ||
        !u8(&j->c, &k->flags) || !u16(&j->c, &nf) || nf > JSER_MAX_FIELDS)
        return false;
    if (nl >= 2 && name[0] == '[')
        k->elem = name[1];
    k->nfields = nf;
    for (size_t i = 0; i < nf; i++) {
        const uint8_t *fname;
        size_t fl;
        if (!u8(&j->c, &k->types[i]) || !utf(&j->c, &fname, &fl))
            return false;
        if (k->types[i] == 'L' || k->types[i] == '[') {
            if (!jser_object(j, depth + 1, NULL)) /* the field's class name, a string */
                return false;
        } else if (!prim_size(k->types[i])) {
            return false;
        }
    }
    int super;
    if (!jser_annotation(j, depth) || !jser_classdesc(j, depth + 1, &super))
        return false;
    j->classes[idx].super = super;
    *cls = idx;
    return true;
}

/* The field values of one class of an object's hierarchy, superclass
 * first. */
static bool jser_classdata(jser *j, int depth, int cls, int chain)
{
    if (cls < 0)
        return true;
    if (chain > JSER_MAX_DEPTH || !jser_classdata(j, depth, j->classes[cls].super, chain + 1))
        return false;
    const jclass *k = &j->classes[cls];
    if (k->flags & SC_EXTERNALIZABLE)
        return (k->flags & SC_BLOCK_DATA) && jser_annotation(j, depth);
    for (size_t i = 0; i < k->nfields; i++) {
        size_t ps = prim_size(k->types[i]);
        if (ps ? !take(&j->c, ps, NULL) : !jser_object(j, depth + 1, NULL))
            return false;
    }
    return !(k->flags & SC_WRITE_METHOD) || jser_annotation(j, depth);
}

static bool jser_object(jser *j, int depth, int *cls_out)
{
    uint8_t tc;
    uint32_t u;
    uint16_t s;
    int cls;
    if (depth > JSER_MAX_DEPTH || j->c.pos >= j->c.n)
        return false;
    tc = j->c.d[j->c.pos];
    switch (tc) {
    case TC_NULL:
        j->c.pos++;
        return true;
    case TC_REFERENCE:
        j->c.pos++;
        return u32(&j->c, &u) && u >= BASE_HANDLE && u - BASE_HANDLE < j->nhandles;
    case TC_CLASSDESC:
        return jser_classdesc(j, depth, cls_out ? cls_out : &cls);
    case TC_STRING:
        j->c.pos++;
        return jser_handle(j, -1) && u16(&j->c, &s) && take(&j->c, s, NULL);
    case TC_LONGSTRING:
        j->c.pos++;
        /* 64-bit length: the high word must be 0 in anything that fits */
        return jser_handle(j, -1) && u32(&j->c, &u) && u == 0 && u32(&j->c, &u) &&
               take(&j->c, u, NULL);
    case TC_CLASS:
        j->c.pos++;
        return jser_classdesc(j, depth + 1, &cls) && jser_handle(j, -1);
    case TC_ENUM:
        j->c.pos++;
        return jser_classdesc(j, depth + 1, &cls) && jser_handle(j, -1) &&
               jser_object(j, depth + 1, NULL);
    case TC_ARRAY: {
        j->c.pos++;
        if (!jser_classdesc(j, depth + 1, &cls) || cls < 0 || !jser_handle(j, -1) ||
            !u32(&j->c, &u) || u > j->c.n)
            return false;
        size_t es = prim_size(j->classes[cls].elem);
        if (es)
            return (uint64_t)u * es <= j->c.n - j->c.pos && take(&j->c, (size_t)u * es, NULL);
        if (j->classes[cls].elem != 'L' && j->classes[cls].elem != '[')
            return false;
        for (uint32_t i = 0; i < u; i++)
            if (!jser_object(j, depth + 1, NULL))
                return false;
        return true;
    }
    case TC_OBJECT:
        j->c.pos++;
        return jser_classdesc(j, depth + 1, &cls) && cls >= 0 && jser_handle(j, -1) &&
               jser_classdata(j, depth, cls, 0);
    default:
        return false;
    }
}

/* One serialization stream holding one object, from c->pos: advances past
 * it. */
static bool java_object(cur *c)
{
    const uint8_t *h;
    if (!take(c, 4, &h) || h[0] != 0xac || h[1] != 0xed || h[2] != 0x00 || h[3] != 0x05)
        return false;
    jser *j = ks_xmalloc(sizeof *j);
    j->c = *c;
    j->nhandles = 0;
    j->nclasses = 0;
    bool ok = jser_object(j, 0, NULL);
    if (ok)
        c->pos = j->c.pos;
    free(j);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* Key recovery (JKS)                                                        */

/* The PKCS#8 of a key protected with Sun's KeyProtector under `password`
 * (ASCII), into a new buffer (*out, *outlen; the caller frees); false when
 * the key is not protected that way or the password is not its. */
static bool jks_recover(const uint8_t *epki, size_t len, const char *password, uint8_t **out,
                        size_t *outlen)
{
    const unsigned char *p = epki;
    X509_SIG *sig = d2i_X509_SIG(NULL, &p, (long)len);
    const X509_ALGOR *alg;
    const ASN1_OCTET_STRING *data;
    const ASN1_OBJECT *oid;
    char txt[64];
    uint8_t pw[2 * 16], digest[DIGEST_LEN], *key = NULL;
    size_t pl = strlen(password), dl = 0, kl = 0;
    const uint8_t *d = NULL;
    EVP_MD_CTX *md = NULL;
    unsigned dlen;
    bool ok = false;
    if (!sig || pl > 16)
        goto done;
    X509_SIG_get0(sig, &alg, &data);
    X509_ALGOR_get0(&oid, NULL, NULL, alg);
    if (OBJ_obj2txt(txt, sizeof txt, oid, 1) <= 0 || strcmp(txt, oid_jks_protector) != 0)
        goto done;
    /* salt (20) || key XOR keystream || SHA-1(password || key) (20) */
    d = ASN1_STRING_get0_data(data);
    dl = (size_t)ASN1_STRING_length(data);
    if (dl <= 2 * DIGEST_LEN || dl > MAX_RECOVER || !(md = EVP_MD_CTX_new()))
        goto done;
    for (size_t i = 0; i < pl; i++) { /* UTF-16BE, as Java's chars */
        pw[2 * i] = 0;
        pw[2 * i + 1] = (uint8_t)password[i];
    }
    kl = dl - 2 * DIGEST_LEN;
    key = ks_xmalloc(kl);
    /* The keystream: SHA-1(password || salt), then SHA-1(password || the
     * previous digest), ... */
    const uint8_t *prev = d;
    for (size_t off = 0; off < kl; off += DIGEST_LEN) {
        if (EVP_DigestInit_ex(md, EVP_sha1(), NULL) != 1 || EVP_DigestUpdate(md, pw, 2 * pl) != 1 ||
            EVP_DigestUpdate(md, prev, DIGEST_LEN) != 1 ||
            EVP_DigestFinal_ex(md, digest, &dlen) != 1)
            goto done;
        for (size_t i = 0; i < DIGEST_LEN && off + i < kl; i++)
            key[off + i] = d[DIGEST_LEN + off + i] ^ digest[i];
        prev = digest;
    }
    ok = EVP_DigestInit_ex(md, EVP_sha1(), NULL) == 1 && EVP_DigestUpdate(md, pw, 2 * pl) == 1 &&
         EVP_DigestUpdate(md, key, kl) == 1 && EVP_DigestFinal_ex(md, digest, &dlen) == 1 &&
         CRYPTO_memcmp(digest, d + DIGEST_LEN + kl, DIGEST_LEN) == 0;
done:
    if (ok) {
        *out = key;
        *outlen = kl;
    } else if (key) {
        OPENSSL_cleanse(key, kl);
        free(key);
    }
    EVP_MD_CTX_free(md);
    X509_SIG_free(sig);
    OPENSSL_cleanse(pw, sizeof pw);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* The keystore                                                              */

typedef struct store {
    ks_fmt_ctx *ctx; /* NULL: only check the structure */
    const char *type;
    uint32_t version, count;
    cur c;
    char alias[128];
    uint32_t entry;  /* the entry being read */
    size_t stopped;  /* where reading stopped (an error), or SIZE_MAX */
    const char *why; /* what was wrong there */
} store;

/* The alias as a name part: printable ASCII, '/', ':' and '!' (origin
 * separators) replaced. */
static void set_alias(store *s, const uint8_t *a, size_t al)
{
    size_t o = 0;
    for (size_t i = 0; i < al && o + 1 < sizeof s->alias; i++)
        s->alias[o++] = a[i] >= 0x20 && a[i] < 0x7f && a[i] != '/' && a[i] != ':' && a[i] != '!'
                            ? (char)a[i]
                            : '_';
    s->alias[o] = '\0';
    if (o == 0)
        snprintf(s->alias, sizeof s->alias, "entry-%u", s->entry);
}

static int emit(store *s, const char *what, const uint8_t *d, size_t len, bool slice)
{
    if (!s->ctx)
        return 0;
    char name[sizeof s->alias + 64];
    snprintf(name, sizeof name, "%s/%s", s->alias, what);
    ks_child ch = {.kind = KS_CHILD_SECTION,
                   .name = name,
                   .data = d,
                   .len = len,
                   .parent_offset = slice ? (uint64_t)(d - s->c.d) : KS_NO_OFFSET};
    return ks_fmt_emit(s->ctx, &ch);
}

static bool fail(store *s, size_t at, const char *why)
{
    s->stopped = at;
    s->why = why;
    return false;
}

/* One certificate (of a chain, or a trusted one). */
static bool certificate(store *s, const char *what)
{
    const uint8_t *type, *der;
    size_t tl, dl, at = s->c.pos;
    if (s->version == 2 && !utf(&s->c, &type, &tl))
        return fail(s, at, "certificate type runs past the end");
    at = s->c.pos;
    if (!blob32(&s->c, &der, &dl))
        return fail(s, at, "certificate runs past the end");
    return emit(s, what, der, dl, true) == 0 || fail(s, SIZE_MAX, NULL);
}

/* The protected key, and the key itself when a default password opens it. */
static bool private_key(store *s)
{
    static const char *const passwords[] = {"changeit", ""};
    const uint8_t *key;
    size_t kl, at = s->c.pos;
    if (!blob32(&s->c, &key, &kl))
        return fail(s, at, "protected key runs past the end");
    if (emit(s, "private-key", key, kl, true) != 0)
        return fail(s, SIZE_MAX, NULL);
    if (!s->ctx)
        return true;
    for (size_t i = 0; i < sizeof passwords / sizeof passwords[0]; i++) {
        uint8_t *plain;
        size_t pl;
        if (!jks_recover(key, kl, passwords[i], &plain, &pl))
            continue;
        char what[64];
        snprintf(what, sizeof what, "private-key[%s%s]", *passwords[i] ? "password=" : "",
                 *passwords[i] ? passwords[i] : "empty password");
        /* A rendering of the protected key: its offsets map to it. */
        ks_child ch = {.kind = KS_CHILD_SECTION,
                       .data = plain,
                       .len = pl,
                       .parent_offset = (uint64_t)(key - s->c.d),
                       .whole = true};
        char name[sizeof s->alias + 64];
        snprintf(name, sizeof name, "%s/%s", s->alias, what);
        ch.name = name;
        int rc = ks_fmt_reserve(s->ctx, pl, kl);
        if (rc == 0)
            rc = ks_fmt_emit(s->ctx, &ch);
        OPENSSL_cleanse(plain, pl);
        free(plain);
        if (rc != 0)
            return fail(s, SIZE_MAX, NULL);
        break;
    }
    return true;
}

static bool entry(store *s)
{
    uint32_t tag, ncerts;
    const uint8_t *alias;
    size_t al, at = s->c.pos;
    s->alias[0] = '\0'; /* named in warnings once it is read */
    if (!u32(&s->c, &tag))
        return fail(s, at, "entry runs past the end");
    if (tag < 1 || tag > 3 || (tag == 3 && strcmp(s->type, "JCEKS") != 0))
        return fail(s, at, "unknown entry tag");
    if (!utf(&s->c, &alias, &al) || !take(&s->c, 8, NULL))
        return fail(s, at, "entry header runs past the end");
    set_alias(s, alias, al);
    if (s->ctx && ks_fmt_entry(s->ctx) != 0)
        return fail(s, SIZE_MAX, NULL);
    if (tag == 2)
        return certificate(s, "certificate");
    if (tag == 3) {
        at = s->c.pos;
        return java_object(&s->c) || fail(s, at, "sealed secret key is not a serialized object");
    }
    if (!private_key(s))
        return false;
    at = s->c.pos;
    if (!u32(&s->c, &ncerts))
        return fail(s, at, "certificate chain runs past the end");
    if (ncerts > MAX_CHAIN || ncerts > (s->c.n - s->c.pos) / 4)
        return fail(s, at, "implausible certificate chain length");
    for (uint32_t i = 0; i < ncerts; i++) {
        char what[32];
        snprintf(what, sizeof what, "certificate-%u", i);
        if (!certificate(s, what))
            return false;
    }
    return true;
}

/* Read the keystore: true when every entry and the digest are there. */
static bool read_store(store *s)
{
    s->c.pos = 12;
    s->stopped = SIZE_MAX;
    s->alias[0] = '\0';
    for (s->entry = 0; s->entry < s->count; s->entry++)
        if (!entry(s))
            return false;
    if (s->c.n - s->c.pos < DIGEST_LEN)
        return fail(s, s->c.pos, "integrity digest runs past the end");
    return true;
}

static bool header(const uint8_t *d, size_t n, const char **type, uint32_t *version,
                   uint32_t *count)
{
    if (n < 12 + DIGEST_LEN)
        return false;
    uint32_t magic = ks_be32(d);
    *type = magic == JKS_MAGIC ? "JKS" : magic == JCEKS_MAGIC ? "JCEKS" : NULL;
    *version = ks_be32(d + 4);
    *count = ks_be32(d + 8);
    if (!*type || (*version != 1 && *version != 2) || *count > (n - 12) / MIN_ENTRY)
        return false;
    /* The first entry's tag. */
    if (*count > 0) {
        uint32_t tag = n >= 16 ? ks_be32(d + 12) : 0;
        if (tag < 1 || tag > (magic == JCEKS_MAGIC ? 3u : 2u))
            return false;
    }
    return true;
}

static bool jks_sniff(const uint8_t *d, size_t n)
{
    const char *type;
    uint32_t version, count;
    return header(d, n, &type, &version, &count);
}

static int jks_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    store s = {.c = {d, n, 0}};
    if (!header(d, n, &s.type, &s.version, &s.count))
        return KS_EINVAL;
    /* First the structure alone: a carved lookalike must read completely. */
    bool complete = read_store(&s);
    if (!complete && ks_fmt_carved(ctx))
        return KS_EINVAL;
    ks_fmt_claim(ctx);
    s.ctx = ctx;
    complete = read_store(&s);
    if (!complete && s.stopped != SIZE_MAX && s.entry < s.count)
        ks_fmt_warn(ctx, s.stopped, "%s keystore: entry %u of %u%s%s%s: %s", s.type, s.entry + 1,
                    s.count, s.alias[0] ? " (alias `" : "", s.alias, s.alias[0] ? "`)" : "", s.why);
    else if (!complete && s.stopped != SIZE_MAX)
        ks_fmt_warn(ctx, s.stopped, "%s keystore: %s", s.type, s.why);
    *consumed = complete ? s.c.pos + DIGEST_LEN : n;
    return 0;
}

static const ks_signature jks_sigs[] = {
    {"\xfe\xed\xfe\xed\x00\x00\x00\x02", 8, 0},
    {"\xfe\xed\xfe\xed\x00\x00\x00\x01", 8, 0},
    {"\xce\xce\xce\xce\x00\x00\x00\x02", 8, 0},
    {"\xce\xce\xce\xce\x00\x00\x00\x01", 8, 0},
};

const ks_format ks_format_jks = {
    .name = "jks",
    .sniff = jks_sniff,
    .expand = jks_expand,
    .sigs = jks_sigs,
    .nsigs = sizeof jks_sigs / sizeof jks_sigs[0],
};
