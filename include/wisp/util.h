/*
 * util.h - the few helpers every module uses: allocation that cannot return
 * NULL, a growable string buffer, and small string utilities.
 */
#ifndef WISP_UTIL_H
#define WISP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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
 * quotes and backslashes escaped and control characters shown as str_safe
 * does, so the message stays one line. Returns buf. */
const char *str_quote(const char *s, size_t max, char *buf, size_t n);
/* True when s holds a right-to-left letter (Hebrew, Arabic and the scripts
 * between them, U+0590..U+08FF, and their presentation forms). Such a table
 * cell is written between FSI (U+2068) and PDI (U+2069), STR_FSI and STR_PDI:
 * a bidi terminal then orders it on its own and cannot pull its neighbours
 * (a price after an Arabic plan) into it; other terminals show the two
 * zero-width marks as nothing. */
bool str_has_rtl(const char *s);
#define STR_FSI "\u2068"
#define STR_PDI "\u2069"

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

/* Terminal safety. A control character is a C0 code (newline, tab, ESC...),
 * DEL, a C1 code (U+0080..U+009F: 0x9b is CSI to many terminals) or a byte
 * that is not part of valid UTF-8. Written raw to a terminal, such text can
 * move the cursor, retitle the window or worse. */

/* True when s holds a control character. */
bool str_has_ctrl(const char *s);
/* A copy of s (malloc'ed) with every control character shown visibly: C0,
 * DEL and bytes that are not UTF-8 as \x1b, C1 codes as \u009b. The one
 * sanitiser for stored or remote text on its way to a terminal. */
char *str_safe(const char *s);
/* fputs(str_safe(s), out), without the copy. */
void fput_safe(const char *s, FILE *out);
/* Check text a person gave for a name, note, customer...: one line, no
 * control character, at most max characters (code points). 0, or -1 with a
 * one-line WISP_EUSAGE error naming what ("--note"). */
struct werr;
int text_check(const char *what, const char *s, size_t max, struct werr *e);

/* As OpenSSH does for private keys: a file holding a secret (a key, a
 * token, a config with a password) must give no permission to group or
 * others. fd >= 0 is checked with fstat, else path with stat. 0 when private
 * (or absent: opening it reports that); otherwise -1 and a WISP_ERUNTIME
 * error naming what and the file and the chmod that fixes it. */
int file_check_private(const char *what, const char *path, int fd, struct werr *e);

/* A secret from the first line of the open file f, which must be private
 * (file_check_private(what, path, ...)): at most max - 1 bytes are read (a
 * longer line is cut there), into a malloc'd *out; the buffer is wiped and f
 * closed. 0, or -1 with the check's error in e. */
int file_read_secret(FILE *f, const char *what, const char *path, size_t max, char **out,
                     struct werr *e);

/* Local time, as "today" and the hours of a day are counted: the midnight at
 * or before t; the start of hour h (0..23) of the day starting at day0 (on a
 * day clocks skip an hour, the skipped one is the next); the midnight
 * starting "YYYY-MM-DD", -1 when s is no such date (2026-02-30 included). */
time_t local_midnight(time_t t);
time_t local_hour(time_t day0, int h);
time_t local_date(const char *s);

#endif
