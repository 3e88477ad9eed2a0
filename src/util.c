/*
 * util.c - allocation, string buffers and small string helpers.
 *
 * Running out of memory is not a condition wisp can recover from in any useful
 * way, so the x* allocators print one line and abort (the console's crash
 * handler restores the terminal first).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wisp/err.h"
#include "wisp/i18n.h"
#include "wisp/util.h"

static void
oom(void)
{
    fputs("wisp: out of memory\n", stderr);
    abort();
}

void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        oom();
    return p;
}

void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (p == NULL)
        oom();
    return p;
}

void *
xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL)
        oom();
    return q;
}

char *
xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");

    if (p == NULL)
        oom();
    return p;
}

char *
xasprintf(const char *fmt, ...)
{
    struct sbuf sb = {0};
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom();
    sb_grow(&sb, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(sb.buf, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb.len = (size_t)n;
    return sb_steal(&sb);
}

void
sb_grow(struct sbuf *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;

    if (need <= sb->cap)
        return;
    if (sb->cap == 0)
        sb->cap = 64;
    while (sb->cap < need)
        sb->cap *= 2;
    sb->buf = xrealloc(sb->buf, sb->cap);
}

void
sb_addn(struct sbuf *sb, const char *s, size_t n)
{
    sb_grow(sb, n);
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void
sb_add(struct sbuf *sb, const char *s)
{
    sb_addn(sb, s, strlen(s));
}

void
sb_addc(struct sbuf *sb, char c)
{
    sb_addn(sb, &c, 1);
}

void
sb_printf(struct sbuf *sb, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sb_grow(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void
sb_reset(struct sbuf *sb)
{
    sb->len = 0;
    if (sb->buf)
        sb->buf[0] = '\0';
}

void
sb_free(struct sbuf *sb)
{
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->cap = 0;
}

char *
sb_steal(struct sbuf *sb)
{
    char *p = sb->buf ? sb->buf : xstrdup("");

    sb->buf = NULL;
    sb->len = sb->cap = 0;
    return p;
}

bool
str_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

bool
str_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Columns a code point takes, as glibc's wcwidth counts them in a UTF-8
 * locale: 0 for combining marks (Latin accents, Arabic and Hebrew vowel
 * signs) and for the invisible format characters (zero-width space and
 * joiners, the bidi marks, embeddings and isolates: tmux and ncursesw attach
 * them to the cell before), 2 for East Asian wide and emoji, 1 otherwise.
 * Locale-independent, so sheets line up the same under LANG=C as under a
 * UTF-8 locale. */
static int
cp_width(uint32_t cp)
{
    if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x591 && cp <= 0x5bd) ||
        (cp >= 0x5bf && cp <= 0x5c7 && cp != 0x5c0 && cp != 0x5c3 && cp != 0x5c6) ||
        (cp >= 0x610 && cp <= 0x61a) || cp == 0x61c || (cp >= 0x64b && cp <= 0x65f) ||
        cp == 0x670 || (cp >= 0x6d6 && cp <= 0x6dc) || (cp >= 0x6df && cp <= 0x6e4) ||
        cp == 0x6e7 || cp == 0x6e8 || (cp >= 0x6ea && cp <= 0x6ed) ||
        (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
        (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff)
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
        (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

int
str_width(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t cp;
    int w = 0, more;

    while (*p) {
        if (*p < 0x80) {
            cp = *p++, more = 0;
        } else if ((*p & 0xe0) == 0xc0) {
            cp = *p++ & 0x1f, more = 1;
        } else if ((*p & 0xf0) == 0xe0) {
            cp = *p++ & 0x0f, more = 2;
        } else if ((*p & 0xf8) == 0xf0) {
            cp = *p++ & 0x07, more = 3;
        } else {
            p++, w++; /* stray byte: count it, move on */
            continue;
        }
        while (more-- > 0 && (*p & 0xc0) == 0x80)
            cp = (cp << 6) | (*p++ & 0x3f);
        w += cp_width(cp);
    }
    return w;
}

size_t
str_fit(const char *s, int cols, int *width)
{
    size_t n = 0;
    int w = 0;

    while (s[n]) {
        char one[8]; /* one character: its lead byte and continuation bytes */
        size_t len = 1;
        int cw;

        while (len < sizeof one - 1 && ((unsigned char)s[n + len] & 0xc0) == 0x80)
            len++;
        memcpy(one, s + n, len);
        one[len] = '\0';
        cw = str_width(one);
        if (w + cw > cols)
            break;
        w += cw;
        n += len;
    }
    if (width)
        *width = w;
    return n;
}

bool
str_has_rtl(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        uint32_t cp = *p;
        int more = *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : *p >= 0xc0 ? 1 : 0;

        if (more)
            cp &= 0x3fu >> more;
        for (p++; more-- > 0 && (*p & 0xc0) == 0x80; p++)
            cp = (cp << 6) | (*p & 0x3f);
        /* Hebrew to the end of Arabic Extended-A, and the Hebrew and Arabic
         * presentation forms */
        if ((cp >= 0x590 && cp <= 0x8ff) || (cp >= 0xfb1d && cp <= 0xfdff) ||
            (cp >= 0xfe70 && cp <= 0xfefe))
            return true;
    }
    return false;
}

/* The character at s: its length in bytes (1 for a byte that does not start
 * valid UTF-8, overlong forms and surrogates included) and whether it is a
 * control character (see util.h). */
static size_t
char_at(const unsigned char *s, bool *ctrl)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    size_t len;

    *ctrl = true;
    if (c < 0x80) {
        *ctrl = c < 0x20 || c == 0x7f;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else
        return 1;
    if (s[1] < lo || s[1] > hi)
        return 1;
    for (size_t k = 2; k < len; k++)
        if ((s[k] & 0xc0) != 0x80)
            return 1;
    *ctrl = c == 0xc2 && s[1] <= 0x9f; /* U+0080..U+009F */
    return len;
}

/* Write the control character s (k bytes) visibly into out (room for 7
 * bytes); returns the bytes written. */
static size_t
show_ctrl(const unsigned char *s, size_t k, char *out)
{
    if (k == 2)
        return (size_t)snprintf(out, 8, "\\u%04x", s[1]);
    return (size_t)snprintf(out, 8, "\\x%02x", s[0]);
}

bool
str_has_ctrl(const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    bool ctrl = false;

    while (*p && !ctrl)
        p += char_at(p, &ctrl);
    return ctrl;
}

char *
str_safe(const char *s)
{
    struct sbuf sb = {0};
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    char shown[8];
    bool ctrl;

    sb_addn(&sb, "", 0); /* a buffer, terminated, even for "" */
    sb_grow(&sb, strlen((const char *)p));
    while (*p) {
        size_t k = char_at(p, &ctrl);

        if (ctrl)
            sb_addn(&sb, shown, show_ctrl(p, k, shown));
        else
            sb_addn(&sb, (const char *)p, k);
        p += k;
    }
    return sb_steal(&sb);
}

void
fput_safe(const char *s, FILE *out)
{
    char *safe = str_safe(s);

    fputs(safe, out);
    free(safe);
}

int
text_check(const char *what, const char *s, size_t max, struct werr *e)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t chars = 0;
    bool ctrl;

    while (*p) {
        size_t k = char_at(p, &ctrl);

        chars++;
        if (ctrl) {
            char shown[8];

            show_ctrl(p, k, shown);
            return werr_set(e, WISP_EUSAGE,
                            k == 1 && *p >= 0x80
                                ? _("bad %s: not valid UTF-8 (byte %s at character %zu)")
                                : _("bad %s: control character %s at character %zu (text is "
                                    "one line, without control characters)"),
                            what, shown, chars);
        }
        p += k;
    }
    if (chars > max)
        return werr_set(e, WISP_EUSAGE, _("bad %s: %zu characters, at most %zu"), what, chars, max);
    return 0;
}

int
file_check_private(const char *what, const char *path, int fd, struct werr *e)
{
    struct stat st;

    /* a regular file only: /dev/null or a pipe holds no secret to guard */
    if ((fd >= 0 ? fstat(fd, &st) : stat(path, &st)) != 0 || !S_ISREG(st.st_mode) ||
        (st.st_mode & 077) == 0)
        return 0;
    return werr_set(e, WISP_ERUNTIME,
                    _("%s %s can be read by others (mode %04o): refusing it; run `chmod 600 %s`"),
                    what, path, (unsigned)(st.st_mode & 07777), path);
}

int
file_read_secret(FILE *f, const char *what, const char *path, size_t max, char **out,
                 struct werr *e)
{
    char *buf;
    size_t n;

    *out = NULL;
    if (file_check_private(what, path, fileno(f), e) < 0) {
        fclose(f);
        return -1;
    }
    buf = xmalloc(max);
    n = fread(buf, 1, max - 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    *out = xstrdup(buf);
    explicit_bzero(buf, max);
    free(buf);
    return 0;
}

int
str_n_to_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
    bool neg = len > 0 && s[0] == '-' && min < 0;
    size_t i = neg ? 1 : 0;
    int64_t v = 0;

    if (i == len)
        return -1;
    /* accumulate towards the sign's side, so INT64_MIN fits as well */
    for (; i < len; i++) {
        int d = s[i] - '0';

        if (s[i] < '0' || s[i] > '9' || i64_mul(v, 10, &v) < 0 || i64_add(v, neg ? -d : d, &v) < 0)
            return -1;
    }
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int
str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    return s ? str_n_to_i64(s, strlen(s), min, max, out) : -1;
}

int
str_n_to_fixed(const char *s, size_t len, int scale, int64_t min, int64_t max, int64_t *out)
{
    const char *dot = memchr(s, '.', len);
    size_t whole = dot ? (size_t)(dot - s) : len, frac = dot ? len - whole - 1 : 0;
    int64_t v, digit;
    bool up = false;

    if (scale < 0 || scale > 18 || whole == 0 || (dot && frac == 0) || s[0] == '-' ||
        str_n_to_i64(s, whole, 0, INT64_MAX, &v) < 0)
        return -1;
    for (int k = 0; k < scale; k++) { /* the decimals kept */
        digit = (size_t)k < frac ? dot[1 + k] - '0' : 0;
        if (digit < 0 || digit > 9 || i64_mul(v, 10, &v) < 0 || i64_add(v, digit, &v) < 0)
            return -1;
    }
    for (size_t k = (size_t)scale; k < frac; k++) { /* the rest: digits, rounded away */
        if (dot[1 + k] < '0' || dot[1 + k] > '9')
            return -1;
        if (k == (size_t)scale)
            up = dot[1 + k] >= '5';
    }
    if ((up && i64_add(v, 1, &v) < 0) || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int
i64_add(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;

    if (__builtin_add_overflow(a, b, &r))
        return -1;
    *out = r;
    return 0;
}

int
i64_mul(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;

    if (__builtin_mul_overflow(a, b, &r))
        return -1;
    *out = r;
    return 0;
}

const char *
str_quote(const char *s, size_t max, char *buf, size_t n)
{
    size_t len = 0, i;

    if (s == NULL)
        s = "";
    for (i = 0; i < max && s[i] != '\0' && len + 7 < n;) {
        bool ctrl;
        size_t k = char_at((const unsigned char *)s + i, &ctrl);

        if (ctrl)
            len += show_ctrl((const unsigned char *)s + i, k, buf + len);
        else if (s[i] == '"' || s[i] == '\\')
            len += (size_t)snprintf(buf + len, n - len, "\\%c", s[i]);
        else if (len + k + 1 < n)
            memcpy(buf + len, s + i, k), len += k;
        else
            break;
        i += k;
    }
    if (s[i] != '\0' && len + 4 < n) {
        memcpy(buf + len, "...", 3);
        len += 3;
    }
    buf[len] = '\0';
    return buf;
}

time_t
local_midnight(time_t t)
{
    struct tm tm;

    localtime_r(&t, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return mktime(&tm);
}

time_t
local_hour(time_t day0, int h)
{
    struct tm tm;

    localtime_r(&day0, &tm);
    tm.tm_hour = h;
    tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return mktime(&tm);
}

time_t
local_date(const char *s)
{
    struct tm tm = {0};
    int y, m, d, n = 0;

    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || s[n] != '\0')
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = 12; /* midday: no clock change moves it to another day */
    tm.tm_isdst = -1;
    if (mktime(&tm) == -1 || tm.tm_year != y - 1900 || tm.tm_mon != m - 1 || tm.tm_mday != d)
        return -1;
    return local_midnight(mktime(&tm));
}
