/*
 * i18n.c - setlocale and the gettext catalog directory (see
 * include/wisp/i18n.h). The directory is found at run time, from where the
 * binary is, so the source tree's bin/wisp reads build/locale and an
 * installed PREFIX/bin/wisp reads PREFIX/share/locale, wherever PREFIX is.
 */
#include <limits.h>
#include <locale.h>

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
