/*
 * codegen.c - voucher codes from the kernel's CSPRNG (see include/wisp/codegen.h).
 *
 * getrandom(2) fills a 4 KiB buffer at a time. A character is chosen from a
 * charset of n characters by taking one random byte b and accepting it only
 * when b < 256 - 256 % n (then b % n is exactly uniform); other bytes are
 * thrown away. For n = 32 every byte is accepted.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "wisp/codegen.h"
#include "wisp/util.h"

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
    size_t len;

    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (str_eq(spec, named[i].name))
            return xstrdup(named[i].chars);
    len = spec ? strlen(spec) : 0;
    if (len < 2) {
        werr_set(e, WISP_EUSAGE,
                 "bad --charset \"%s\": expected digits, lower, upper, alnum or at least 2 "
                 "characters",
                 spec ? spec : "");
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)spec[i];

        if (c <= ' ' || c >= 127 || seen[c]) {
            werr_set(e, WISP_EUSAGE,
                     "bad --charset \"%s\": printable ASCII without spaces or repeats", spec);
            return NULL;
        }
        seen[c] = true;
    }
    return xstrdup(spec);
}

int
codegen_check_space(size_t charset_len, int length, int64_t count, struct werr *e)
{
    long double need = 100.0L * (long double)count, space = 1;
    int enough;

    if (length < 4 || length > 32)
        return werr_set(e, WISP_EUSAGE, "bad --length %d: expected 4..32", length);
    for (int i = 0; i < length; i++)
        space *= (long double)charset_len;
    if (space >= need)
        return 0;
    for (enough = length; enough < 32; enough++) {
        long double s = 1;

        for (int i = 0; i < enough; i++)
            s *= (long double)charset_len;
        if (s >= need)
            break;
    }
    return werr_set(e, WISP_EUSAGE,
                    "%lld codes of %d characters from a %zu-character set leave too little room "
                    "(%.0Lf possible codes, need %.0Lf): raise --length to %d or use a larger "
                    "--charset",
                    (long long)count, length, charset_len, space, need, enough);
}

/* One random byte. */
static int
next_byte(struct rng *r, unsigned char *b, struct werr *e)
{
    if (r->pos >= r->len) {
        ssize_t n;

        do {
            n = getrandom(r->buf, sizeof r->buf, 0);
        } while (n < 0 && errno == EINTR);
        if (n <= 0)
            return werr_set(e, WISP_ERUNTIME, "the kernel gave no random bytes: %s",
                            strerror(errno));
        r->len = (size_t)n;
        r->pos = 0;
    }
    *b = r->buf[r->pos++];
    return 0;
}

int
codegen_uniform(struct rng *r, uint32_t bound, uint32_t *out, struct werr *e)
{
    uint32_t limit, v;
    unsigned char b[4] = {0};

    if (bound <= 256) {
        limit = 256 - 256 % bound;
        do {
            if (next_byte(r, b, e) < 0)
                return -1;
        } while (b[0] >= limit);
        *out = b[0] % bound;
        return 0;
    }
    limit = UINT32_MAX - (uint32_t)(((uint64_t)UINT32_MAX + 1) % bound);
    do {
        for (int i = 0; i < 4; i++)
            if (next_byte(r, &b[i], e) < 0)
                return -1;
        v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    } while (v > limit);
    *out = v % bound;
    return 0;
}

int
codegen_random(struct rng *r, const char *charset, size_t len, char *out, struct werr *e)
{
    uint32_t n = (uint32_t)strlen(charset), k;

    for (size_t i = 0; i < len; i++) {
        if (codegen_uniform(r, n, &k, e) < 0)
            return -1;
        out[i] = charset[k];
    }
    out[len] = '\0';
    return 0;
}
