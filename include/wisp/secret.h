/*
 * secret.h - passwords in connection strings, found and hidden: the one
 * place that knows where libpq conninfo strings and URIs and Redis URLs
 * keep them.
 */
#ifndef WISP_SECRET_H
#define WISP_SECRET_H

/* Copy of s with any password in a libpq conninfo/URI or redis URL replaced by "****"
 * (password= and sslpassword= keywords or query parameters, URI userinfo, also
 * nested as dbname='postgresql://...'); NULL for NULL. */
char *secret_mask(const char *s);

/* Copy of msg with every password that value holds replaced by "****", for
 * a message about value that may quote a piece of it (libpq's parse errors do). */
char *secret_scrub(const char *msg, const char *value);

#endif
