/*
 * datadir.c - the data directories found from where the binary is (see
 * include/wisp/datadir.h).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wisp/datadir.h"
#include "wisp/util.h"

#ifndef WISP_DATADIR
#define WISP_DATADIR "/usr/local/share/wisp"
#endif
#ifndef WISP_LOCALEDIR
#define WISP_LOCALEDIR "/usr/local/share/locale"
#endif

static bool
is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* fmt's path into buf when it is a directory. */
static bool __attribute__((format(printf, 3, 4)))
try_dir(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n > 0 && (size_t)n < size && is_dir(buf);
}

const char *
datadir_find(const char *kind, char *buf, size_t size)
{
    bool locale = str_eq(kind, "locale");
    const char *env = getenv(locale ? "WISP_LOCALEDIR" : "WISP_DATADIR");
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash;

    if (env && *env) {
        if (locale ? try_dir(buf, size, "%s", env) : try_dir(buf, size, "%s/%s", env, kind))
            return buf;
    }
    if (n > 0) {
        exe[n] = '\0';
        if ((slash = strrchr(exe, '/')) != NULL) {
            *slash = '\0';
            /* installed first: PREFIX/themes of an installed binary is no
             * place of wisp's (/usr/themes), whoever may write there */
            if (locale ? try_dir(buf, size, "%s/../share/locale", exe) ||
                             try_dir(buf, size, "%s/../build/locale", exe)
                       : try_dir(buf, size, "%s/../share/wisp/%s", exe, kind) ||
                             try_dir(buf, size, "%s/../%s", exe, kind))
                return buf;
        }
    }
    if (locale)
        snprintf(buf, size, "%s", WISP_LOCALEDIR);
    else
        snprintf(buf, size, "%s/%s", WISP_DATADIR, kind);
    return buf;
}
