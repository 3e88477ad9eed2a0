/*
 * md5.h - MD5 (RFC 1321) and HMAC-MD5 (RFC 2104), for RADIUS only: its
 * authenticators are defined over MD5 (RFC 2865, 2866, 5176), so wisp
 * carries these few lines instead of linking a crypto library for them.
 * Never use them to protect anything new.
 */
#ifndef WISP_MD5_H
#define WISP_MD5_H

#include <stddef.h>
#include <stdint.h>

struct md5 {
    uint32_t h[4];
    uint64_t len; /* bytes hashed so far */
    uint8_t buf[64];
};

/* Start, feed, finish (out: 16 bytes); the context may be reused after md5_init. */
void md5_init(struct md5 *m);
void md5_update(struct md5 *m, const void *data, size_t n);
void md5_final(struct md5 *m, uint8_t out[16]);

/* HMAC-MD5 of data under key, into out (16 bytes). */
void hmac_md5(const void *key, size_t keylen, const void *data, size_t n, uint8_t out[16]);

#endif
