/*
 * i18n.c - setlocale and the gettext catalog directory (see
 * include/wisp/i18n.h). The directory is found at run time, from where the
 * binary is, so the source tree's bin/wisp reads build/locale and an
 * installed PREFIX/bin/wisp reads PREFIX/share/locale, wherever PREFIX is.
 */
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wisp/i18n.h"

#ifndef WISP_LOCALEDIR
#define WISP_LOCALEDIR "/usr/local/share/locale"
#endif

static char localedir[PATH_MAX];

static int
is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* dir/../rel when it is a directory, into localedir. */
static int
try_beside(const char *dir, const char *rel)
{
    char path[PATH_MAX];

    if (snprintf(path, sizeof path, "%s/../%s", dir, rel) >= (int)sizeof path || !is_dir(path))
        return 0;
    snprintf(localedir, sizeof localedir, "%s", path);
    return 1;
}

static void
find_localedir(void)
{
    const char *env = getenv("WISP_LOCALEDIR");
    char exe[PATH_MAX];
    ssize_t n;

    if (env && *env) {
        snprintf(localedir, sizeof localedir, "%s", env);
        return;
    }
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        char *slash;

        exe[n] = '\0';
        if ((slash = strrchr(exe, '/')) != NULL) {
            *slash = '\0';
            if (try_beside(exe, "build/locale") || try_beside(exe, "share/locale"))
                return;
        }
    }
    snprintf(localedir, sizeof localedir, "%s", WISP_LOCALEDIR);
}

void
i18n_init(void)
{
    /* A locale the system lacks leaves "C": messages stay English. */
    setlocale(LC_ALL, "");
    find_localedir();
    bindtextdomain("wisp", localedir);
    textdomain("wisp");
}

const char *
i18n_localedir(void)
{
    return localedir;
}

static locale_t c_locale;
static pthread_once_t c_once = PTHREAD_ONCE_INIT;

static void
make_c_locale(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

void
i18n_thread_english(void)
{
    /* gettext answers for the calling thread's locale, and ignores LANGUAGE
     * in "C": every _() on this thread gives the English text. */
    pthread_once(&c_once, make_c_locale);
    if (c_locale)
        uselocale(c_locale);
}
