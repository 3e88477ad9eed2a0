/*
 * codegen.h - voucher codes from the kernel's CSPRNG.
 *
 * Random bytes come from getrandom(2) in large blocks; each character is drawn
 * by rejection sampling, so every character of the charset is exactly equally
 * likely (no modulo bias).
 */
#ifndef WISP_CODEGEN_H
#define WISP_CODEGEN_H

#include <stddef.h>
#include <stdint.h>

#include "wisp/err.h"

/* The named charsets. The default leaves out look-alikes (0 O 1 l I o). */
#define CODEGEN_DEFAULT_CHARSET "alnum"

/* Resolve a charset name (digits, lower, upper, alnum) or a literal set of
 * characters (letters, digits, - _ . only: SAFE_CHARS of quote.h; no
 * repeats, at least 2) into a
 * malloc'ed string of the characters. WISP_EUSAGE error otherwise. */
char *codegen_charset(const char *name_or_chars, struct werr *e);

/* Refuse (WISP_EUSAGE, saying what to raise) when `count` codes of `length`
 * characters over `charset_len` characters leave too little room: the space
 * must hold at least 100 x count codes so random codes rarely collide. The
 * message names the smallest --length that would do, or says that only a
 * larger --charset can. Also refuses a length outside 4..32. */
int codegen_check_space(size_t charset_len, int length, int64_t count, struct werr *e);

/* A buffered random source over getrandom(2). */
struct rng {
    unsigned char buf[4096];
    size_t pos, len;
};

/* Fill out[0..len-1] with uniform random characters of charset and NUL-terminate
 * out[len]. Returns -1 (WISP_ERUNTIME) only when the kernel refuses randomness. */
int codegen_random(struct rng *r, const char *charset, size_t len, char *out, struct werr *e);

/* A uniform random integer in [0, bound) (bound >= 1). */
int codegen_uniform(struct rng *r, uint32_t bound, uint32_t *out, struct werr *e);

#endif
