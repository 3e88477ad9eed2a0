/*
 * msgcat.h - one language's gettext catalog, read from its .mo file, for
 * text in a language that is not the process's: the customer's message in
 * the shop's language (shop.language) while the worker itself speaks
 * English (i18n.h). gettext answers only in the calling thread's locale,
 * so a thread of the worker cannot ask it for Arabic; this reads the same
 * catalogs (the po files, built into the directory i18n_localedir names).
 */
#ifndef WISP_MSGCAT_H
#define WISP_MSGCAT_H

struct msgcat;

/* The catalog of language lang ("ar", "id_ID": LANG/LC_MESSAGES/wisp.mo
 * under dir, then the language without its territory). NULL, "", "en" or
 * a language without a catalog give an empty catalog: English. Never NULL. */
struct msgcat *msgcat_open(const char *dir, const char *lang);

/* msgid's translation, or msgid itself when the catalog has none. */
const char *msgcat_get(const struct msgcat *c, const char *msgid);

void msgcat_free(struct msgcat *c);

#endif
