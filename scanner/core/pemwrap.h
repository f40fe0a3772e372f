/*
 * pemwrap.h - a PEM block whose lines are wrapped in something, rebuilt as a
 * clean block.
 *
 * Keys turn up in logs and source with every line behind the same prefix
 * (a log line's timestamp and level, `# `, `// `, ` * `, `> `, an indent)
 * or with every line a string literal of a concatenation
 * ("-----BEGIN ...-----\n" + ..., '...' \, Python's implicit
 * concatenation, one JSON string with \n escapes). The armour's own rules
 * then see a body full of prefixes or `" +`; this rebuilds the block
 * OpenSSL would read.
 *
 * Pure and bounded: reads at most KS_PEM_UNWRAP_WINDOW bytes after the
 * marker and KS_PEM_UNWRAP_PREFIX before it, writes at most `cap` bytes,
 * allocates nothing. Safe from any thread.
 */
#ifndef KS_PEMWRAP_H
#define KS_PEMWRAP_H

#include "ks.h"

/* How far after the BEGIN marker the END marker may be. */
#define KS_PEM_UNWRAP_WINDOW (64u * 1024u)
/* The longest line prefix (from the line's start to the BEGIN marker). */
#define KS_PEM_UNWRAP_PREFIX 256u

/* text[begin] is the first '-' of "-----BEGIN ". The wrapper is what comes
 * before the marker on its line:
 *
 * - ending in a quote (", ', `): each line is the content of a string
 *   literal in that quote, ended by a \n escape or by the literal's close;
 *   between literals only concatenation syntax (whitespace, newlines, + . &
 *   , ( ), a backslash ending the line, a b/r/u/f string prefix);
 * - anything else: the prefix, which every following line must start with
 *   (digits may differ from digits, so a log line's timestamp may tick; a
 *   line that is the prefix without its trailing blanks is an empty line).
 *
 * Lines must be a PEM block: the BEGIN line, RFC 1421/4880 headers, base64
 * lines, the END line with the same label. Writes the clean block into out
 * (BEGIN line, body lines, END line, each ending in '\n') and returns its
 * length, with *consumed set to the bytes of text from `begin` to the end of
 * the END line (its closing quote included). Returns -1, *consumed 0, when
 * the lines do not follow the pattern (the wrapper changes, a line is not
 * base64), no END comes within KS_PEM_UNWRAP_WINDOW bytes, or the block
 * does not fit in cap. */
long ks_pem_unwrap(uint8_t *out, size_t cap, const uint8_t *text, size_t n, size_t begin,
                   size_t *consumed);

#endif
