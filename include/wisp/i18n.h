/*
 * i18n.h - messages in the operator's language (GNU gettext, domain "wisp").
 *
 * _("text") translates a string where it is printed; N_("text") marks a
 * string that sits in a static table (a command's summary, a key's hint) so
 * that `make pot` extracts it, and the code that prints it calls _() on it.
 * Protocol text (router commands, SQL, JSON keys) and the worker's log lines
 * are never marked. How to add a language: docs/i18n.md.
 */
#ifndef WISP_I18N_H
#define WISP_I18N_H

#include <libintl.h>

#define _(s)  gettext(s)
#define N_(s) (s)

/* Pick the language from the environment (LANGUAGE, LC_ALL, LC_MESSAGES,
 * LANG: gettext's rules) and find the catalogs: $WISP_LOCALEDIR, else
 * build/locale beside a binary run from the source tree (bin/wisp), else
 * share/locale of the prefix the binary is installed in, else the PREFIX it
 * was built for. A language without a catalog, or a locale the system lacks,
 * leaves the English text. Call once, first thing in main. */
void i18n_init(void);

/* The calling thread speaks English from now on: the worker's thread and
 * every thread it starts call it first. The core modules' errors are
 * marked _() for the command line and the console, and the worker writes
 * the same errors into its log, which stays English (docs/i18n.md). A new
 * thread starts in the process's locale, so each worker thread calls it. */
void i18n_thread_english(void);

/* The catalog directory i18n_init chose (for `wisp --version` and tests). */
const char *i18n_localedir(void);

#endif
