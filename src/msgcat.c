/*
 * msgcat.c - a gettext .mo catalog read into memory (see
 * include/wisp/msgcat.h). The format (GNU gettext manual, "MO Files"): a
 * magic number that also gives the byte order, the number of strings, and
 * two tables of (length, offset) pairs, originals sorted by strcmp and
 * their translations in the same order: a binary search finds a msgid.
 * Everything is bounds-checked against the file's size: a damaged catalog
 * is an empty one, never a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/msgcat.h"
#include "wisp/util.h"

struct msgcat {
    unsigned char *data;
    size_t size;
    uint32_t n, orig, trans;
    bool swap;
};

static uint32_t
u32(const struct msgcat *c, size_t off)
{
    uint32_t v;

    memcpy(&v, c->data + off, 4);
    return c->swap ? __builtin_bswap32(v) : v;
}

/* The string of entry i of the table at tab, or NULL when out of bounds. */
static const char *
entry(const struct msgcat *c, uint32_t tab, uint32_t i)
{
    size_t at = (size_t)tab + (size_t)i * 8;
    uint32_t len, off;

    if (at + 8 > c->size)
        return NULL;
    len = u32(c, at);
    off = u32(c, at + 4);
    if ((size_t)off + len >= c->size || c->data[off + len] != '\0')
        return NULL;
    return (const char *)c->data + off;
}

static bool
load(struct msgcat *c, const char *path)
{
    FILE *f = fopen(path, "rb");
    long size;
    uint32_t magic;

    if (!f)
        return false;
    if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 28 || size > (64L << 20) ||
        fseek(f, 0, SEEK_SET) < 0) {
        fclose(f);
        return false;
    }
    c->data = xmalloc((size_t)size);
    c->size = (size_t)size;
    if (fread(c->data, 1, c->size, f) != c->size) {
        fclose(f);
        return false;
    }
    fclose(f);
    memcpy(&magic, c->data, 4);
    if (magic == 0x950412deU)
        c->swap = false;
    else if (magic == 0xde120495U)
        c->swap = true;
    else
        return false;
    c->n = u32(c, 8);
    c->orig = u32(c, 12);
    c->trans = u32(c, 16);
    return (size_t)c->orig + (size_t)c->n * 8 <= c->size &&
           (size_t)c->trans + (size_t)c->n * 8 <= c->size;
}

struct msgcat *
msgcat_open(const char *dir, const char *lang)
{
    struct msgcat *c = xcalloc(1, sizeof *c);
    char short_lang[32];

    if (!dir || !lang || !*lang || str_eq(lang, "en") || strchr(lang, '/'))
        return c;
    snprintf(short_lang, sizeof short_lang, "%s", lang);
    for (int pass = 0; pass < 2; pass++) {
        char *path = xasprintf("%s/%s/LC_MESSAGES/wisp.mo", dir, pass ? short_lang : lang);
        bool ok = load(c, path);

        free(path);
        if (ok)
            return c;
        free(c->data);
        memset(c, 0, sizeof *c);
        short_lang[strcspn(short_lang, "_.@")] = '\0';
    }
    return c;
}

const char *
msgcat_get(const struct msgcat *c, const char *msgid)
{
    uint32_t lo = 0, hi = c->n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const char *o = entry(c, c->orig, mid);
        int cmp;

        if (!o)
            return msgid;
        cmp = strcmp(msgid, o);
        if (cmp == 0) {
            const char *t = entry(c, c->trans, mid);

            return t && *t ? t : msgid;
        }
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return msgid;
}

void
msgcat_free(struct msgcat *c)
{
    if (c) {
        free(c->data);
        free(c);
    }
}
