/*
 * pemwrap.c - rebuilding a wrapped PEM block. See pemwrap.h.
 *
 * DESIGN: one pass over the text, one line at a time, each line checked as
 * it is completed against where the block is (BEGIN line, headers, body,
 * END line) and written straight into the caller's buffer; nothing is
 * allocated. Everything is bounded by the window after the marker, so a
 * caller may hand in a whole file: a block that never ends costs 64 KiB of
 * reading, not the file.
 */
#include "pemwrap.h"

#include <string.h>

#define BEGIN_MARK "-----BEGIN "
#define END_MARK "-----END "
#define MAX_LABEL 64
#define MAX_LINE 256 /* a body line: 64 (PEM), 70 (OpenSSH), 76 (PGP), headers longer */
#define MAX_GAP 256  /* concatenation syntax between two string literals */

typedef enum phase {
    PH_BEGIN, /* the next line must be the BEGIN line */
    PH_HEAD,  /* RFC 1421 / RFC 4880 headers may come */
    PH_BODY,  /* base64 lines, then the END line */
    PH_DONE,  /* the END line was read */
} phase;

typedef struct unwrap {
    uint8_t *out;
    size_t cap, len;
    const uint8_t *label; /* the BEGIN line's label, in text */
    size_t label_len;
    size_t body_lines;
    phase ph;
} unwrap;

static bool is_b64(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '=';
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool is_blank(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static bool starts(const uint8_t *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n >= m && memcmp(s, lit, m) == 0;
}

static bool put(unwrap *u, const uint8_t *s, size_t n)
{
    if (n > u->cap - u->len)
        return false;
    memcpy(u->out + u->len, s, n);
    u->len += n;
    return true;
}

/* "-----BEGIN LABEL-----" or "-----END LABEL-----" as the whole of s[0..n):
 * the label's place in *label. Labels are letters, digits and spaces
 * ("RSA PRIVATE KEY", "OpenVPN Static key V1"). */
static bool marker_line(const uint8_t *s, size_t n, const char *mark, const uint8_t **label,
                        size_t *label_len)
{
    size_t m = strlen(mark);
    if (!starts(s, n, mark) || n < m + 1 + 5 || memcmp(s + n - 5, "-----", 5) != 0)
        return false;
    size_t ll = n - m - 5;
    if (ll == 0 || ll > MAX_LABEL)
        return false;
    for (size_t i = m; i < n - 5; i++) {
        uint8_t c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == ' '))
            return false;
    }
    *label = s + m;
    *label_len = ll;
    return true;
}

/* "Proc-Type: 4,ENCRYPTED", "Comment: ...": a name, a colon, printable text. */
static bool header_line(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
                     is_digit(s[i]) || s[i] == '-'))
        i++;
    if (i == 0 || i + 1 >= n || s[i] != ':' || s[i + 1] != ' ')
        return false;
    for (; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return false;
    return true;
}

/* One line of the block, its wrapper removed and trailing blanks with it.
 * False when it is not what this place in the block allows. */
static bool take_line(unwrap *u, const uint8_t *s, size_t n)
{
    static const uint8_t nl = '\n';
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    if (n > MAX_LINE)
        return false;
    const uint8_t *label;
    size_t ll;
    if (u->ph == PH_DONE)
        return false;
    if (u->ph == PH_BEGIN) {
        if (!marker_line(s, n, BEGIN_MARK, &label, &ll))
            return false;
        u->label = label;
        u->label_len = ll;
        u->ph = PH_HEAD;
    } else if (u->ph == PH_HEAD && n > 0 && header_line(s, n)) {
        /* RFC 1421 / RFC 4880 header: kept as it is */
    } else if (starts(s, n, END_MARK)) {
        if (!marker_line(s, n, END_MARK, &label, &ll) || ll != u->label_len ||
            memcmp(label, u->label, ll) != 0 || u->body_lines == 0)
            return false;
        u->ph = PH_DONE;
    } else {
        u->ph = PH_BODY;
        for (size_t i = 0; i < n; i++)
            if (!is_b64(s[i]))
                return false;
        if (n > 0)
            u->body_lines++;
    }
    return put(u, s, n) && put(u, &nl, 1);
}

/* ------------------------------------------------------------------------ */
/* Every line behind the same prefix                                         */

/* Does line[0..ll) start with the prefix? Digits match digits: a timestamp
 * that ticks between two log lines is the same wrapper. */
static bool prefix_match(const uint8_t *line, size_t ll, const uint8_t *pre, size_t pl)
{
    if (ll < pl)
        return false;
    for (size_t i = 0; i < pl; i++)
        if (line[i] != pre[i] && !(is_digit(line[i]) && is_digit(pre[i])))
            return false;
    return true;
}

static long by_prefix(unwrap *u, const uint8_t *text, size_t limit, size_t begin, size_t ls,
                      size_t *consumed)
{
    const uint8_t *pre = text + ls;
    size_t pl = begin - ls, pl_bare = pl;
    while (pl_bare > 0 && is_blank(pre[pl_bare - 1]))
        pl_bare--;
    size_t p = begin;
    bool first = true;
    while (p < limit) {
        const uint8_t *nl = memchr(text + p, '\n', limit - p);
        size_t eol = nl ? (size_t)(nl - text) : limit;
        size_t le = eol;
        if (le > p && text[le - 1] == '\r')
            le--;
        const uint8_t *line = text + p;
        size_t ll = le - p;
        if (first) {
            first = false; /* the marker's line: its prefix is the one */
        } else if (prefix_match(line, ll, pre, pl)) {
            line += pl;
            ll -= pl;
        } else if (ll == pl_bare && prefix_match(line, ll, pre, pl_bare)) {
            ll = 0; /* an empty line whose trailing blanks an editor removed */
        } else {
            return -1;
        }
        if (!take_line(u, line, ll))
            return -1;
        if (u->ph == PH_DONE) {
            *consumed = le - begin;
            return (long)u->len;
        }
        if (!nl)
            break;
        p = eol + 1;
    }
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Each line a string literal                                                */

static bool string_prefix(uint8_t c)
{
    return c == 'b' || c == 'B' || c == 'r' || c == 'R' || c == 'u' || c == 'U' || c == 'f' ||
           c == 'F';
}

/* Past the concatenation syntax between two literals, to the opening quote
 * of the next; false when something else comes first. */
static bool skip_gap(const uint8_t *text, size_t limit, size_t *pp, uint8_t q)
{
    size_t p = *pp, start = *pp;
    while (p < limit && p - start <= MAX_GAP) {
        uint8_t c = text[p];
        if (c == q) {
            *pp = p + 1;
            return true;
        }
        if (is_blank(c) || c == '\n' || c == '\r' || c == '+' || c == '.' || c == '&' || c == ',' ||
            c == '(' || c == ')') {
            p++;
        } else if (c == '\\') { /* a line continuation (shell, Python, C macros) */
            size_t e = p + 1;
            if (e < limit && text[e] == '\r')
                e++;
            if (e >= limit || text[e] != '\n')
                return false;
            p = e + 1;
        } else if (string_prefix(c) && p + 1 < limit &&
                   (text[p + 1] == q ||
                    (string_prefix(text[p + 1]) && p + 2 < limit && text[p + 2] == q))) {
            p++;
        } else {
            return false;
        }
    }
    return false;
}

static long by_literals(unwrap *u, const uint8_t *text, size_t limit, size_t begin, uint8_t q,
                        size_t *consumed)
{
    /* text[line..p) is the line being read. A line ends at a \n escape
     * (\r\n: the \r dropped), or at the literal's close when the code
     * concatenates lines without escapes. */
    size_t p = begin, line = begin;
    while (p < limit) {
        uint8_t c = text[p];
        size_t cut = p, next;
        bool close = false;
        if (c == q) {
            close = true;
            next = p + 1;
        } else if (c == '\\' && p + 1 < limit && text[p + 1] == 'n') {
            next = p + 2;
        } else if (c == '\\' && p + 1 < limit && text[p + 1] == 'r') {
            next = p + 2;
            if (next + 1 < limit && text[next] == '\\' && text[next + 1] == 'n') {
                next += 2;
            } else if (next < limit && text[next] == q) {
                close = true;
                next++;
            } else {
                return -1;
            }
        } else if (c < 0x20 || c > 0x7e || c == '\\') {
            return -1; /* a raw newline in the literal, another escape */
        } else {
            if (++p - line > MAX_LINE + 8)
                return -1;
            continue;
        }
        /* A literal that closes right after a \n escape adds no line. */
        if (!(c == q && cut == line) && !take_line(u, text + line, cut - line))
            return -1;
        p = next;
        if (u->ph == PH_DONE) {
            if (!close && p < limit && text[p] == q)
                p++;
            *consumed = p - begin;
            return (long)u->len;
        }
        if (close && !skip_gap(text, limit, &p, q))
            return -1;
        line = p;
    }
    return -1;
}

/* ------------------------------------------------------------------------ */

long ks_pem_unwrap(uint8_t *out, size_t cap, const uint8_t *text, size_t n, size_t begin,
                   size_t *consumed)
{
    *consumed = 0;
    if (begin >= n || !starts(text + begin, n - begin, BEGIN_MARK))
        return -1;
    size_t limit = n - begin > KS_PEM_UNWRAP_WINDOW ? begin + KS_PEM_UNWRAP_WINDOW : n;
    unwrap u = {.out = out, .cap = cap, .ph = PH_BEGIN};
    long r;
    uint8_t q = begin > 0 ? text[begin - 1] : 0;
    if (q == '"' || q == '\'' || q == '`') {
        r = by_literals(&u, text, limit, begin, q, consumed);
    } else {
        size_t ls = begin;
        while (ls > 0 && text[ls - 1] != '\n' && begin - ls <= KS_PEM_UNWRAP_PREFIX)
            ls--;
        if (begin - ls > KS_PEM_UNWRAP_PREFIX)
            return -1;
        r = by_prefix(&u, text, limit, begin, ls, consumed);
    }
    if (r < 0)
        *consumed = 0;
    return r;
}
