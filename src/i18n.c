/*
 * i18n.c - setlocale and the gettext catalog directory (see
 * include/wisp/i18n.h). The directory is found at run time, from where the
 * binary is, so the source tree's bin/wisp reads build/locale and an
 * installed PREFIX/bin/wisp reads PREFIX/share/locale, wherever PREFIX is.
 */
#include <limits.h>
#include <locale.h>
#include <pthread.h>

#include "wisp/datadir.h"
#include "wisp/i18n.h"

static char localedir[PATH_MAX];

void
i18n_init(void)
{
    /* A locale the system lacks leaves "C": messages stay English. */
    setlocale(LC_ALL, "");
    datadir_find("locale", localedir, sizeof localedir);
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
