/*
 * util.h - the few helpers every module uses: allocation that cannot return
 * NULL, a growable string buffer, and small string utilities.
 */
#ifndef WISP_UTIL_H
#define WISP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* malloc/calloc/realloc/strdup that abort with a message when memory runs out. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* printf into a fresh heap string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable NUL-terminated byte buffer. Zero-initialise it, release with sb_free. */
struct sbuf {
    char *buf;
    size_t len;
    size_t cap;
};

void sb_grow(struct sbuf *sb, size_t extra);
void sb_add(struct sbuf *sb, const char *s);
void sb_addn(struct sbuf *sb, const char *s, size_t n);
void sb_addc(struct sbuf *sb, char c);
void sb_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_reset(struct sbuf *sb);
void sb_free(struct sbuf *sb);
/* Hand the buffer to the caller (never NULL) and leave sb empty. */
char *sb_steal(struct sbuf *sb);

/* True when a and b are equal strings (both may be NULL). */
bool str_eq(const char *a, const char *b);
/* True when s starts with prefix. */
bool str_starts(const char *s, const char *prefix);
/* Display width in terminal columns of a UTF-8 string (wcwidth per code point). */
int str_width(const char *s);
/* The bytes of the longest start of s at most cols columns wide, never
 * splitting a character; *width (may be NULL) gets its width. */
size_t str_fit(const char *s, int cols, int *width);
/* s for an error message, into buf: at most max bytes of it ("..." after),
 * quotes, backslashes and control bytes escaped so the message stays one
 * line. Returns buf. */
const char *str_quote(const char *s, size_t max, char *buf, size_t n);

/* Numbers from outside wisp (arguments, router output, provider replies,
 * config files) go through these: plain ASCII digits, no spaces, no '+', no
 * exponent, nan or inf, and never a value wrapped or cut to fit. Each
 * returns 0 with *out set, or -1 (*out untouched) on anything else. */
/* A whole decimal integer in [min, max]; a leading '-' only when min < 0. */
int str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* The same for the len bytes at s (they need not end in NUL). */
int str_n_to_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *out);
/* A decimal "12", "12.5" or "0.52" times 10^scale (0..18), rounded half up,
 * in [min, max]: ("0.52", 2) -> 52, ("12345.67", 0) -> 12346. No sign. */
int str_n_to_fixed(const char *s, size_t len, int scale, int64_t min, int64_t max, int64_t *out);
/* *out = a + b or a * b; -1 (and *out untouched) when it does not fit int64. */
int i64_add(int64_t a, int64_t b, int64_t *out);
int i64_mul(int64_t a, int64_t b, int64_t *out);

/* Local time, as "today" and the hours of a day are counted: the midnight at
 * or before t; the start of hour h (0..23) of the day starting at day0 (on a
 * day clocks skip an hour, the skipped one is the next); the midnight
 * starting "YYYY-MM-DD", -1 when s is no such date (2026-02-30 included). */
time_t local_midnight(time_t t);
time_t local_hour(time_t day0, int h);
time_t local_date(const char *s);

#endif
