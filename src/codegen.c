/*
 * codegen.c - voucher codes from the kernel's CSPRNG (see include/wisp/codegen.h).
 *
 * getrandom(2) fills a 4 KiB buffer at a time. A number below `bound` is drawn
 * from the fewest whole bytes that can hold it (one byte for any charset up
 * to 256 characters): with R = 256^bytes, a draw v is kept only when
 * v < R - R % bound, so v % bound is exactly uniform, and thrown away
 * otherwise. For 32 characters (the default charset) no byte is ever thrown
 * away; for 31 about 3% are.
 *
 * The room check keeps charset_len^length as "hundreds and the rest below
 * 100", saturating the hundreds at INT64_MAX: then "space >= 100 x count" is
 * simply "hundreds >= count", and nothing can overflow.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "wisp/codegen.h"
#include "wisp/i18n.h"
#include "wisp/quote.h"
#include "wisp/util.h"

#define LENGTH_MIN 4
#define LENGTH_MAX 32

static const struct {
    const char *name;
    const char *chars;
} named[] = {
    {"digits", "0123456789"},
    {"lower", "abcdefghijkmnpqrstuvwxyz"},         /* no l, o */
    {"upper", "ABCDEFGHJKLMNPQRSTUVWXYZ"},         /* no I, O */
    {"alnum", "23456789abcdefghijkmnpqrstuvwxyz"}, /* no 0 1 l o */
};

char *
codegen_charset(const char *spec, struct werr *e)
{
    bool seen[128] = {false};
    char q[200];
    size_t len;

    if (spec == NULL)
        spec = "";
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (str_eq(spec, named[i].name))
            return xstrdup(named[i].chars);
    len = strlen(spec);
    if (len < 2) {
        werr_set(e, WISP_EUSAGE,
                 _("bad --charset \"%s\": expected digits, lower, upper, alnum or at least 2 "
                   "characters"),
                 str_quote(spec, 40, q, sizeof q));
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)spec[i];

        /* codes become router commands' arguments, shell words, URL and
         * CSV fields: only characters that need no quoting in any of them */
        if (!strchr(SAFE_CHARS, c)) {
            werr_set(e, WISP_EUSAGE,
                     _("bad --charset \"%s\": only letters, digits, - _ and . (no quotes, $, "
                       "brackets, spaces or other symbols)"),
                     str_quote(spec, 40, q, sizeof q));
            return NULL;
        }
        if (seen[c]) {
            werr_set(e, WISP_EUSAGE, _("bad --charset \"%s\": '%c' appears more than once"),
                     str_quote(spec, 40, q, sizeof q), c);
            return NULL;
        }
        seen[c] = true;
    }
    return xstrdup(spec);
}

/* A number of possible codes: 100 * hundreds + rest, hundreds saturated. */
struct room {
    int64_t hundreds;
    int64_t rest; /* 0..99 */
};

/* r *= m, saturating the hundreds at INT64_MAX. */
static void
room_mul(struct room *r, size_t m)
{
    int64_t carry;

    if (m == 0) {
        r->hundreds = r->rest = 0;
        return;
    }
    if (r->hundreds == INT64_MAX)
        return;
    if (m > (size_t)INT64_MAX / 100) {
        /* a charset this size is room enough for anything */
        r->hundreds = r->hundreds || r->rest ? INT64_MAX : 0;
        r->rest = 0;
        return;
    }
    carry = r->rest * (int64_t)m; /* < 100 * INT64_MAX / 100 */
    r->rest = carry % 100;
    carry /= 100;
    if (r->hundreds > (INT64_MAX - carry) / (int64_t)m)
        r->hundreds = INT64_MAX;
    else
        r->hundreds = r->hundreds * (int64_t)m + carry;
}

/* The room as a decimal number; only called when hundreds is exact. */
static void
room_format(const struct room *r, char *buf, size_t n)
{
    if (r->hundreds > 0)
        snprintf(buf, n, "%" PRId64 "%02" PRId64, r->hundreds, r->rest);
    else
        snprintf(buf, n, "%" PRId64, r->rest);
}

int
codegen_check_space(size_t charset_len, int length, int64_t count, struct werr *e)
{
    struct room space = {0, 1}, longer;
    char have[32];
    int enough;

    if (length < LENGTH_MIN || length > LENGTH_MAX)
        return werr_set(e, WISP_EUSAGE, _("bad --length %d: expected %d..%d"), length, LENGTH_MIN,
                        LENGTH_MAX);
    for (int i = 0; i < length; i++)
        room_mul(&space, charset_len);
    /* space >= 100 * count  <=>  floor(space / 100) >= count */
    if (count <= 0 || space.hundreds >= count)
        return 0;
    longer = space;
    for (enough = length + 1; enough <= LENGTH_MAX; enough++) {
        room_mul(&longer, charset_len);
        if (longer.hundreds >= count)
            break;
    }
    room_format(&space, have, sizeof have);
    if (enough > LENGTH_MAX)
        return werr_set(e, WISP_EUSAGE,
                        ngettext("%" PRId64 " code of %d characters from a %zu-character set "
                                 "leave too little room (%s possible codes, need %" PRId64
                                 "00): even --length %d is not enough, use a larger --charset",
                                 "%" PRId64 " codes of %d characters from a %zu-character set "
                                 "leave too little room (%s possible codes, need %" PRId64
                                 "00): even --length %d is not enough, use a larger --charset",
                                 (unsigned long)count),
                        count, length, charset_len, have, count, LENGTH_MAX);
    return werr_set(e, WISP_EUSAGE,
                    ngettext("%" PRId64 " code of %d characters from a %zu-character set leave "
                             "too little room (%s possible codes, need %" PRId64
                             "00): raise --length to %d or use a larger --charset",
                             "%" PRId64 " codes of %d characters from a %zu-character set leave "
                             "too little room (%s possible codes, need %" PRId64
                             "00): raise --length to %d or use a larger --charset",
                             (unsigned long)count),
                    count, length, charset_len, have, count, enough);
}

/* Copy `n` random bytes into out, refilling the buffer from the kernel. */
static int
rng_bytes(struct rng *r, unsigned char *out, size_t n, struct werr *e)
{
    for (size_t i = 0; i < n; i++) {
        if (r->pos >= r->len) {
            ssize_t got;

            do {
                got = getrandom(r->buf, sizeof r->buf, 0);
            } while (got < 0 && errno == EINTR);
            if (got <= 0)
                return werr_set(e, WISP_ERUNTIME, _("the kernel gave no random bytes: %s"),
                                got < 0 ? strerror(errno) : "empty read");
            r->len = (size_t)got;
            r->pos = 0;
        }
        out[i] = r->buf[r->pos++];
    }
    return 0;
}

int
codegen_uniform(struct rng *r, uint32_t bound, uint32_t *out, struct werr *e)
{
    unsigned char b[4];
    uint64_t range = 256, limit, v;
    size_t nbytes = 1;

    if (bound == 0)
        return werr_set(e, WISP_ERUNTIME, "codegen_uniform: bound must be at least 1");
    while (range < bound) {
        range <<= 8;
        nbytes++;
    }
    limit = range - range % bound; /* a multiple of bound */
    do {
        if (rng_bytes(r, b, nbytes, e) < 0)
            return -1;
        v = 0;
        for (size_t i = 0; i < nbytes; i++)
            v = v << 8 | b[i];
    } while (v >= limit);
    *out = (uint32_t)(v % bound);
    return 0;
}

int
codegen_random(struct rng *r, const char *charset, size_t len, char *out, struct werr *e)
{
    size_t n = strlen(charset);
    uint32_t k;

    if (n == 0 || (uint64_t)n > UINT32_MAX)
        return werr_set(e, WISP_ERUNTIME, "codegen_random: charset of %zu characters", n);
    for (size_t i = 0; i < len; i++) {
        if (codegen_uniform(r, (uint32_t)n, &k, e) < 0)
            return -1;
        out[i] = charset[k];
    }
    out[len] = '\0';
    return 0;
}
