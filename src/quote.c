/*
 * quote.c - quoting for the two languages wisp speaks to routers, and the
 * checks of the text wisp makes (see include/wisp/quote.h).
 *
 * RouterOS's escapes inside "..." are \" \\ \n \r \t \$ \? \_ \a \b \f \v
 * and \XX (two capital hex digits) for any byte (Manual:Scripting,
 * "Constant Escape Sequences"). \? went away in v7, so '?' (help in the
 * console) is written \3F; the hex form is also used for every byte that is
 * not printable ASCII, so a literal is always one line of plain text.
 */
#include <ctype.h>
#include <string.h>

#include "wisp/quote.h"

void
ros_quote(struct sbuf *sb, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    sb_addc(sb, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\' || *p == '$') {
            sb_addc(sb, '\\');
            sb_addc(sb, (char)*p);
        } else if (*p < 0x20 || *p >= 0x7f || *p == '?') {
            sb_addc(sb, '\\');
            sb_addc(sb, hex[*p >> 4]);
            sb_addc(sb, hex[*p & 15]);
        } else {
            sb_addc(sb, (char)*p);
        }
    }
    sb_addc(sb, '"');
}

void
sh_quote(struct sbuf *sb, const char *s)
{
    sb_addc(sb, '\'');
    for (; *s; s++)
        if (*s == '\'')
            sb_add(sb, "'\\''");
        else
            sb_addc(sb, *s);
    sb_addc(sb, '\'');
}

bool
safe_word(const char *s)
{
    return s && *s && strspn(s, SAFE_CHARS) == strlen(s);
}

bool
mac_normalize(const char *in, char out[18])
{
    size_t len = in ? strlen(in) : 0;
    char sep = len == 17 ? in[2] : '\0';
    const char *p = in;

    out[0] = '\0';
    if (!(len == 12 || (len == 17 && (sep == ':' || sep == '-'))))
        return false;
    for (size_t i = 0; i < 6; i++) {
        if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
            goto bad;
        out[i * 3] = (char)toupper((unsigned char)p[0]);
        out[i * 3 + 1] = (char)toupper((unsigned char)p[1]);
        out[i * 3 + 2] = i < 5 ? ':' : '\0';
        p += 2;
        if (sep && i < 5 && *p++ != sep)
            goto bad;
    }
    return true;
bad:
    out[0] = '\0';
    return false;
}
