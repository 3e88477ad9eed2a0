/*
 * md5.c - MD5 and HMAC-MD5 (see include/wisp/md5.h), written from RFC 1321
 * and RFC 2104; the unit test holds both RFCs' test vectors.
 */
#include <string.h>

#include "wisp/md5.h"

static uint32_t
rol(uint32_t x, int c)
{
    return (x << c) | (x >> (32 - c));
}

/* RFC 1321 3.4: the per-round shifts and the table T[i] = floor(2^32 * |sin(i + 1)|). */
static const int shift[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                              5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                              4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                              6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
static const uint32_t table[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

static void
block(struct md5 *m, const uint8_t *p)
{
    uint32_t w[16], a = m->h[0], b = m->h[1], c = m->h[2], d = m->h[3];

    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    for (int i = 0; i < 64; i++) {
        uint32_t f, t;
        int g;

        if (i < 16) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (i < 32) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) % 16;
        } else if (i < 48) {
            f = b ^ c ^ d;
            g = (3 * i + 5) % 16;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) % 16;
        }
        t = d;
        d = c;
        c = b;
        b = b + rol(a + f + table[i] + w[g], shift[i]);
        a = t;
    }
    m->h[0] += a;
    m->h[1] += b;
    m->h[2] += c;
    m->h[3] += d;
}

void
md5_init(struct md5 *m)
{
    m->h[0] = 0x67452301;
    m->h[1] = 0xefcdab89;
    m->h[2] = 0x98badcfe;
    m->h[3] = 0x10325476;
    m->len = 0;
}

void
md5_update(struct md5 *m, const void *data, size_t n)
{
    const uint8_t *p = data;
    size_t have = m->len % 64;

    m->len += n;
    if (have) {
        size_t take = 64 - have < n ? 64 - have : n;

        memcpy(m->buf + have, p, take);
        p += take;
        n -= take;
        if (have + take < 64)
            return;
        block(m, m->buf);
    }
    for (; n >= 64; p += 64, n -= 64)
        block(m, p);
    memcpy(m->buf, p, n);
}

void
md5_final(struct md5 *m, uint8_t out[16])
{
    uint8_t pad[72] = {0x80};
    uint64_t bits = m->len * 8;
    size_t have = m->len % 64, padn = have < 56 ? 56 - have : 120 - have;

    for (int i = 0; i < 8; i++)
        pad[padn + i] = (uint8_t)(bits >> (8 * i));
    md5_update(m, pad, padn + 8);
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 4; k++)
            out[4 * i + k] = (uint8_t)(m->h[i] >> (8 * k));
}

void
hmac_md5(const void *key, size_t keylen, const void *data, size_t n, uint8_t out[16])
{
    uint8_t k[64] = {0}, pad[64], inner[16];
    struct md5 m;

    if (keylen > 64) {
        md5_init(&m);
        md5_update(&m, key, keylen);
        md5_final(&m, k);
    } else {
        memcpy(k, key, keylen);
    }
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    md5_init(&m);
    md5_update(&m, pad, 64);
    md5_update(&m, data, n);
    md5_final(&m, inner);
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    md5_init(&m);
    md5_update(&m, pad, 64);
    md5_update(&m, inner, 16);
    md5_final(&m, out);
}
