/*
 * secret.c - where the passwords are in a libpq conninfo or URI and in a
 * Redis URL, so that wisp can show such a string (config show, an error, a
 * warning) with them replaced by "****" (see include/wisp/secret.h).
 *
 * It leans to hiding too much rather than too little: a string that is not
 * a valid conninfo is still scanned for anything that looks like a password.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/secret.h"
#include "wisp/util.h"

struct span {
    size_t off, len;
};

static void
add_span(struct span **sp, size_t *n, size_t off, size_t len)
{
    if (len == 0)
        return;
    *sp = xrealloc(*sp, (*n + 1) * sizeof **sp);
    (*sp)[(*n)++] = (struct span){off, len};
}

/* The password in the userinfo of a URI whose authority starts at s[start]
 * (just after "://"); a redis URL's userinfo without a colon is a password
 * too. Returns where the caller's scan should go on. */
static size_t
uri_secret(const char *s, size_t start, bool redis, struct span **sp, size_t *n)
{
    const char *p = s + start, *at = NULL, *colon;
    size_t end = strcspn(p, " \t\r\n\f\v'");
    const char *query = memchr(p, '?', end);

    /* The last '@' ends the userinfo, so a raw '@', '/' or '?' in a password
     * is still hidden; an '@' inside a query value (after "?k=") is not it. */
    for (const char *q = p; q < p + end; q++)
        if (*q == '@' && (query == NULL || q < query || !memchr(query, '=', (size_t)(q - query))))
            at = q;
    if (at == NULL)
        return start;
    colon = memchr(p, ':', (size_t)(at - p));
    if (colon)
        add_span(sp, n, (size_t)(colon + 1 - s), (size_t)(at - colon - 1));
    else if (redis)
        add_span(sp, n, start, (size_t)(at - p));
    return (size_t)(at - s);
}

/* If s[i] starts "password=" or "sslpassword=" as a libpq keyword (after
 * whitespace or a quote) or a URI query parameter (after ? or &), record the
 * value and return the index after it; otherwise return i. */
static size_t
keyword_secret(const char *s, size_t i, struct span **sp, size_t *n)
{
    char prev = i ? s[i - 1] : ' ';
    bool query = prev == '?' || prev == '&';
    size_t j = i, v;

    if (!query && !isspace((unsigned char)prev) && prev != '\'')
        return i;
    if (str_starts(s + i, "password"))
        j += 8;
    else if (str_starts(s + i, "sslpassword"))
        j += 11;
    else
        return i;
    while (!query && isspace((unsigned char)s[j]))
        j++;
    if (s[j] != '=')
        return i;
    j++;
    while (!query && isspace((unsigned char)s[j]))
        j++;
    v = j;
    if (query) {
        j += strcspn(s + j, "&#");
    } else if (s[j] == '\'') {
        for (j++; s[j] && s[j] != '\''; j++)
            if (s[j] == '\\' && s[j + 1])
                j++;
        if (s[j])
            j++;
    } else {
        /* libpq ends a bare value at whitespace only */
        while (s[j] && !isspace((unsigned char)s[j]))
            j++;
    }
    add_span(sp, n, v, j - v);
    return j;
}

/* Where the secrets in s are, in order: passwords in libpq keyword strings
 * (also nested, as dbname='...'), in URIs' userinfo and query. Leaning to
 * hide too much rather than too little. */
static size_t
find_secrets(const char *s, struct span **sp)
{
    size_t n = 0, i = 0, next;

    *sp = NULL;
    while (s[i]) {
        if (strncmp(s + i, "://", 3) == 0) {
            size_t b = i;

            while (b > 0 && (isalnum((unsigned char)s[b - 1]) || strchr("+-.", s[b - 1])))
                b--;
            next = uri_secret(s, i + 3,
                              (i - b == 5 && strncmp(s + b, "redis", 5) == 0) ||
                                  (i - b == 6 && strncmp(s + b, "rediss", 6) == 0),
                              sp, &n);
            i = next > i + 3 ? next : i + 3;
            continue;
        }
        next = keyword_secret(s, i, sp, &n);
        i = next > i ? next : i + 1;
    }
    return n;
}

char *
secret_mask(const char *s)
{
    struct sbuf out = {0};
    struct span *sp;
    size_t n, at = 0;

    if (s == NULL)
        return NULL;
    n = find_secrets(s, &sp);
    for (size_t k = 0; k < n; k++) {
        if (sp[k].off < at)
            continue; /* never overlap, never reveal */
        sb_addn(&out, s + at, sp[k].off - at);
        sb_add(&out, "****");
        at = sp[k].off + sp[k].len;
    }
    sb_add(&out, s + at);
    free(sp);
    return sb_steal(&out);
}

char *
secret_scrub(const char *msg, const char *value)
{
    struct span *sp;
    size_t n = find_secrets(value, &sp);
    char *text = xstrdup(msg);

    for (size_t k = 0; k < n; k++) {
        char *secret = xasprintf("%.*s", (int)sp[k].len, value + sp[k].off);
        struct sbuf out = {0};
        const char *p = text, *hit;

        while ((hit = strstr(p, secret)) != NULL) {
            sb_addn(&out, p, (size_t)(hit - p));
            sb_add(&out, "****");
            p = hit + sp[k].len;
        }
        sb_add(&out, p);
        explicit_bzero(secret, sp[k].len);
        free(secret);
        free(text);
        text = sb_steal(&out);
    }
    free(sp);
    return text;
}
