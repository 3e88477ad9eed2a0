/*
 * notify.h - notifications: channels, rules and messages (docs/notifications.md).
 *
 * A channel is data (table notify_channels): an SMTP server, or an HTTP
 * request template (url, method, headers, body) for an SMS, WhatsApp or
 * Telegram provider, its token read from a file at send time and never
 * stored. A rule (notify_rules) says which outbox events (019's
 * outbox_events) become a message (notify_messages) on which channel and to
 * whom: the order's customer, or a fixed address. The worker's notifier
 * thread (notifier.h) sends them; every attempt is recorded without secrets.
 *
 * notify.c holds the transport (quoting, templates, SMTP and HTTP through
 * libcurl); notify_store.c the tables, through migration 020's functions.
 */
#ifndef WISP_NOTIFY_H
#define WISP_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "wisp/db.h"
#include "wisp/err.h"
#include "wisp/util.h"

/* --- quoting: one function per language a value is put into ------------ */

/* s as the inside of a JSON string (RFC 8259): " \ and every control
 * character escaped, UTF-8 kept as it is. */
void notify_quote_json(struct sbuf *sb, const char *s);

/* s percent-encoded for a URL's query or a form body: every byte but
 * A-Z a-z 0-9 - _ . ~ as %XX. */
void notify_quote_url(struct sbuf *sb, const char *s);

/* s as an HTTP or mail header value: itself, or -1 (e set) when it holds
 * CR, LF or another control character (a header injection). */
int notify_quote_header(struct sbuf *sb, const char *s, struct werr *e);

/* Where a template's placeholders land, so each value is quoted for it. */
enum notify_ctx {
    NCTX_URL,    /* percent-encoded */
    NCTX_HEADER, /* no CR/LF */
    NCTX_JSON,   /* a JSON string's inside */
    NCTX_FORM,   /* percent-encoded */
    NCTX_TEXT,   /* as it is (a text/plain body) */
};

/* The values a template may name: {to} {text} {subject} {token}. */
struct notify_vars {
    const char *to;
    const char *text;
    const char *subject;
    const char *token; /* NULL when the channel has no token file */
};

/* tpl with every {to} {text} {subject} {token} replaced by its value quoted
 * for ctx, into out; other braces are kept as they are (JSON bodies). A
 * placeholder whose value is NULL is an error. 0, or -1 with e set. */
int notify_render(const char *tpl, enum notify_ctx ctx, const struct notify_vars *v,
                  struct sbuf *out, struct werr *e);

/* --- channels ----------------------------------------------------------- */

enum notify_kind { NOTIFY_SMTP, NOTIFY_HTTP };

/* Where token and password files must be when the config's
 * notify.token_dir says nothing (docs/notifications.md). */
#define NOTIFY_TOKEN_DIR "/etc/wisp/notify"

/* file (a channel's token_file or password_file) as a path inside dir
 * (NULL: NOTIFY_TOKEN_DIR): a name relative to dir, or an absolute path
 * under it; ".." refused. Into out; 0, or -1 (e set, WISP_EUSAGE). */
int notify_secret_path(const char *dir, const char *file, char *out, size_t n, struct werr *e);

/* Each of secrets (NULL-terminated) masked in s as "****", as it is,
 * percent-encoded and JSON-escaped; then s cut to at most max bytes
 * (never inside a UTF-8 character). Masking comes first: a secret
 * straddling the cut is masked whole. */
void notify_mask(char *s, size_t max, const char *const *secrets);

/* A channel's config, checked (notify_channel_parse):
 *   smtp: {"url": "smtp://host:port" | "smtps://...", "from": ADDRESS,
 *          "starttls": bool, "user": NAME, "password_file": FILE, "timeout_s": N}
 *   http: {"url": TEMPLATE, "method": "POST"|"GET"|"PUT", "headers": {NAME: TEMPLATE},
 *          "body": TEMPLATE, "body_type": "json"|"form"|"text",
 *          "token_file": FILE, "link": bool, "timeout_s": N} */
struct notify_channel {
    char name[33];
    enum notify_kind kind;
    json_t *config; /* owned */
    int timeout_s;
    bool link;             /* messages carry the QR login link */
    const char *token_dir; /* borrowed: the worker's notify.token_dir; NULL: the default */
};

/* Check kind and config and fill c (c->config takes a reference). A
 * config naming a token or password itself (not a file) is refused. */
int notify_channel_parse(const char *name, const char *kind, json_t *config,
                         struct notify_channel *c, struct werr *e);
void notify_channel_free(struct notify_channel *c);

/* What one send came to: recorded as an attempt (no secrets in it). */
struct notify_result {
    bool ok;
    bool retry;      /* a network error, 5xx, 429 or SMTP 4xx: try again later */
    long status;     /* HTTP status or last SMTP reply code, 0 when none came */
    int ms;          /* how long it took */
    char error[512]; /* "" when ok; the token never in it */
    char reply[513]; /* the start of the reply, for the record, secrets masked */
};

/* Send one message now on channel c to `to`. The channel's token file is
 * read here (from c->token_dir) and wiped after. hide (NULL-terminated, or
 * NULL) names more secrets to mask in the recorded reply and error: the
 * PIN, the voucher's password, the text. Returns 0 when sent, -1 otherwise
 * (r says why and whether to retry; e holds the same one line). */
int notify_send(const struct notify_channel *c, const char *to, const char *subject,
                const char *text, const char *const *hide, struct notify_result *r, struct werr *e);

/* --- the tables (notify_store.c) ---------------------------------------- */

/* Admin: a channel, checked by notify_channel_parse first (audited). */
int notify_channel_add(struct db *db, const char *name, const char *kind, const char *config_json,
                       struct werr *e);
int notify_channel_remove(struct db *db, const char *name, struct werr *e);
/* [{name, kind, config, created_at, rules}] */
json_t *notify_channel_list(struct db *db, struct werr *e);
/* One channel from the table, parsed. */
int notify_channel_get(struct db *db, const char *name, struct notify_channel *c, struct werr *e);

/* The event kinds a rule may name (NULL-terminated). */
extern const char *const notify_events[];

/* Admin: a rule; to is "customer" or an address; template NULL for the
 * built-in message in the shop's language. *id its id. */
int notify_rule_add(struct db *db, const char *event, const char *channel, const char *to,
                    const char *template, int64_t *id, struct werr *e);
int notify_rule_remove(struct db *db, int64_t id, struct werr *e);
json_t *notify_rule_list(struct db *db, struct werr *e);

/* Messages, newest first: [{id, kind, channel, recipient, state, attempts,
 * last_error, order_id, created_at, sent_at}], only failed ones when asked
 * (what the console's failed-deliveries view lists). */
json_t *notify_message_list(struct db *db, bool failed_only, int64_t limit, struct werr *e);
/* How many messages failed for good (the console header's count). */
int notify_failed_count(struct db *db, int64_t *n, struct werr *e);
/* For `wisp doctor`: messages failed for good, and messages due for more
 * than five minutes that no worker took. */
int notify_health(struct db *db, int64_t *failed, int64_t *overdue, struct werr *e);
/* Admin: a failed message back to pending, due now (audited). */
int notify_resend(struct db *db, int64_t id, struct werr *e);

#endif
