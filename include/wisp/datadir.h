/*
 * datadir.h - where wisp's own data files (themes, templates, message
 * catalogs) are found at run time, from where the binary is.
 *
 * A binary in the source tree (bin/wisp) reads the tree's themes/ and
 * build/locale; an installed PREFIX/bin/wisp reads PREFIX/share/wisp/themes
 * and PREFIX/share/locale, wherever PREFIX is, also when it was built for
 * another (`make && make install PREFIX=/opt/wisp`). $WISP_DATADIR
 * (and, for catalogs, $WISP_LOCALEDIR) overrides both.
 */
#ifndef WISP_DATADIR_H
#define WISP_DATADIR_H

#include <stddef.h>

/* The directory of one kind of data, "themes", "templates" or "locale",
 * into buf: the first that exists of
 *   $WISP_DATADIR/KIND              ($WISP_LOCALEDIR for locale)
 *   BINDIR/../share/wisp/KIND       (share/locale: an installed binary)
 *   BINDIR/../KIND                  (build/locale for locale: the source tree)
 *   the build's PREFIX/share/wisp/KIND (PREFIX/share/locale)
 * and the last one when none does. Returns buf. */
const char *datadir_find(const char *kind, char *buf, size_t size);

#endif
