/*
 * voucher.h - vouchers and their batches: creation from the kernel's CSPRNG in
 * one transaction, listing, the sale/disable/enable life cycle, and the cards
 * a voucher sheet prints.
 */
#ifndef WISP_VOUCHER_H
#define WISP_VOUCHER_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "wisp/db.h"
#include "wisp/err.h"
#include "wisp/sheet.h"

#define VOUCHER_MAX_BATCH      100000
#define VOUCHER_DEFAULT_LENGTH 8
#define VOUCHER_NOTE_MAX       1000 /* characters in a batch's note, as the CHECK says */

struct voucher_spec {
    const char *plan;    /* plan name (must be active) */
    int64_t count;       /* 1..VOUCHER_MAX_BATCH */
    int length;          /* random characters after the prefix, 4..32 */
    const char *charset; /* digits|lower|upper|alnum or literal characters; NULL = default */
    const char *prefix;  /* "" or up to 16 letters, digits, - _ . */
    bool userpass;       /* separate random password instead of code = password */
    const char *router;  /* router the batch is meant for, or NULL */
    const char *note;    /* NULL or one line of at most VOUCHER_NOTE_MAX characters */
    /* progress while rows are written, may be NULL */
    void (*progress)(int64_t done, int64_t total, void *arg);
    void *progress_arg;
};

/* Check a spec without touching the database (count, length, charset room,
 * prefix, note). Lets the console and the CLI refuse bad input before connecting. */
int voucher_check_spec(const struct voucher_spec *s, struct werr *e);

/* Create one batch and its vouchers in one transaction; codes unique across
 * all vouchers even when batches are created concurrently. Audited. */
int voucher_create(struct db *db, const struct voucher_spec *s, int64_t *batch_id, struct werr *e);

struct voucher_filter {
    int64_t batch;      /* 0 = any */
    const char *status; /* NULL = any */
    const char *plan;   /* NULL = any */
    int64_t limit;      /* 0 = no limit */
};

/* Call fn with each matching voucher as a JSON object (code, password (null
 * for userpass vouchers: see voucher_reveal), plan,
 * price, status, batch_id, created_at, sold_at, first_used_at, expires_at),
 * oldest first; fn owns nothing (the row is released after the call). */
int voucher_list(struct db *db, const struct voucher_filter *f, void (*fn)(json_t *row, void *arg),
                 void *arg, struct werr *e);

/* The vouchers of one batch with serials first .. first+count-1, as JSON
 * objects (serial, code, password (code mode only), plan, status, price,
 * sold_by, sold_at, first_used_at, expires_at): a window of a large batch. */
json_t *voucher_window(struct db *db, int64_t batch, int64_t first, int count, struct werr *e);

/* One voucher with its plan and batch details, or NULL (error "no voucher"). */
json_t *voucher_get(struct db *db, const char *code, struct werr *e);

/* new -> sold at the plan's price, by the current role. Returns the row. */
json_t *voucher_sell(struct db *db, const char *code, struct werr *e);

/* Add time (to its limit and its expiry) and data to a voucher; the worker
 * updates the router users. Audited. */
int voucher_extend(struct db *db, const char *code, int64_t secs, int64_t bytes, struct werr *e);

/* Start a voucher's counters on the routers and its time again from now.
 * Audited. */
int voucher_reset(struct db *db, const char *code, struct werr *e);

/* Disable one voucher (code) or every not-yet-disabled voucher of a batch
 * (batch > 0); *n is set to how many changed. */
int voucher_disable(struct db *db, const char *code, int64_t batch, int64_t *n, struct werr *e);

/* Enable disabled vouchers again; each returns to the status it had before
 * (expired if its time ran out meanwhile), a sold one never to new. */
int voucher_enable(struct db *db, const char *code, int64_t batch, int64_t *n, struct werr *e);

/* Every batch, newest first, with per-status counts (JSON array). */
json_t *batch_list(struct db *db, struct werr *e);

/* Delete a batch while none of its vouchers was sold or used. Audited. */
int batch_delete(struct db *db, int64_t batch, struct werr *e);

/* Which vouchers a sheet prints: a whole batch or the given codes. */
struct card_query {
    int64_t batch;            /* > 0: every voucher of this batch */
    const char *const *codes; /* or these codes (ncodes > 0) */
    int ncodes;
    const char *login_url; /* the QR's URL template where the batch's router has none */
};

/* The cards of a sheet, complete and in serial order, ready for sheet_write:
 * code, password (userpass vouchers only: through the audited reveal, as
 * printing needs it), plan name and price, what the plan gives ("1h, 5G,
 * valid 30d"), serial ("12-0004": batch and number) and the login URL the QR
 * holds (the batch's router's page, else q->login_url). A batch or code that
 * does not exist is an error naming it. Free with voucher_cards_free. */
int voucher_cards(struct db *db, const struct card_query *q, struct sheet_card **cards, size_t *n,
                  struct werr *e);
void voucher_cards_free(struct sheet_card *cards, size_t n);

/* Record that a batch (or, with codes, single vouchers) was printed. Audited. */
int voucher_mark_printed(struct db *db, int64_t batch, const char *const *codes, int ncodes,
                         const char *format, struct werr *e);

/* The password of a userpass voucher, through the audited reveal (operators
 * and admins; viewers are refused by PostgreSQL). */
int voucher_reveal(struct db *db, const char *code, char *password, size_t n, struct werr *e);

/* An admin's correction of a sale: the new price (0 for a refund) and why.
 * Audited with the price before. */
int voucher_correct(struct db *db, const char *code, const char *price, const char *reason,
                    struct werr *e);

/* Which of names (users found on a router with wisp's mark) the database
 * does not hold as a live voucher (no such code, or expired): stray[i]. */
int voucher_strays(struct db *db, const char *const *names, size_t n, bool *stray, struct werr *e);

/* --- for the worker --- */

/* One voucher to push, as the router should hold it. */
struct voucher_push {
    int64_t id;
    char code[64];
    char password[64];
    char status[16];
    char profile[64];
    int64_t uptime_s, bytes; /* the plan's, plus the voucher's extension; 0 = none */
    char rate[48];
    int shared_users;
    char mac[18];
    bool reset; /* its counters to be reset on the router */
};

/* Up to limit vouchers for router id to hold and does not yet (its batches,
 * unassigned stock, a down primary's; copies pending, failed ones due): changes to
 * what it holds first, then its own batches, then unassigned stock; oldest
 * first in each. */
int voucher_push_list(struct db *db, int router_id, int limit, struct voucher_push **rows,
                      size_t *n, struct werr *e);

/* A pushed chunk's outcome, one statement: each voucher synced (errs[i]
 * NULL) or failed. Vouchers deleted meanwhile (no row to write) come back
 * as *gone (codes, malloc'd array of pointers into rows) for the router's
 * removal queue. -1 with e set when nothing was recorded. */
int voucher_push_record(struct db *db, int router_id, const struct voucher_push *rows, size_t n,
                        char *const *errs, const char ***gone, size_t *ngone, struct werr *e);

/* A code for the worker: what it reads of vouchers by name only. */
struct voucher_code {
    char *code;
};
void voucher_codes_free(struct voucher_code *rows, size_t n);

/* Expired vouchers router id still holds (up to limit). */
int voucher_expired_on(struct db *db, int router_id, int limit, struct voucher_code **rows,
                       size_t *n, struct werr *e);

/* Codes the router confirmed removed: their copies are 'removed'. */
int voucher_removed_from(struct db *db, int router_id, const char *const *codes, size_t n,
                         struct werr *e);

/* A full resync: every copy on the router is pushed again. */
int voucher_resync(struct db *db, int router_id, struct werr *e);

/* First logins: each voucher seen in a session and not yet used becomes
 * active (wisp_voucher_activate, audited), in one statement. */
struct voucher_activated {
    char code[64];
    char expires_at[40];
};
int voucher_activate_first(struct db *db, const char *const *codes, const int64_t *uptime_s,
                           const char *const *macs, size_t n, struct voucher_activated **rows,
                           size_t *nrows, struct werr *e);

/* Vouchers past their time become expired (wisp_voucher_expire): their codes. */
int voucher_expire_due(struct db *db, struct voucher_code **rows, size_t *n, struct werr *e);

#endif
