/*
 * backup.h - backups of wisp's database: a pg_dump in custom format and its
 * manifest beside it (time, versions, row counts per table, checksum, size,
 * verification), verified by a restore into a scratch database, restored
 * into another database, pruned grandfather-father-son. docs/backup.md.
 *
 * A backup is two files in the backup directory: NAME.dump (pg_dump -Fc)
 * and NAME.json, its manifest. Everything these functions know of a backup
 * (its time above all) comes from the manifest, so a copied or fabricated
 * manifest is read as it says.
 */
#ifndef WISP_BACKUP_H
#define WISP_BACKUP_H

#include <stdbool.h>
#include <time.h>

#include <jansson.h>

#include "wisp/config.h"
#include "wisp/db.h"
#include "wisp/err.h"

/* The backup directory: backup.dir, else $STATE_DIRECTORY/backups (a systemd
 * service's StateDirectory=), else $XDG_STATE_HOME/wisp/backups, else
 * ~/.local/state/wisp/backups. malloc'ed, or NULL with e set. */
char *backup_dir(const struct config *cfg, struct werr *e);

/* Dump the database db is connected to into dir (created 0700): the dump and
 * its manifest appear together, mode 0600, or not at all. db must be an
 * admin's that reads every table (wisp_backup). Returns the manifest (with
 * "file", the dump's path), or NULL with e set. */
json_t *backup_create(struct db *db, const char *dir, struct werr *e);

/* The backups in dir, newest first: each manifest with "file" (the dump's
 * path) and "name". An absent directory is an empty list. NULL with e set. */
json_t *backup_list(const char *dir, struct werr *e);

/* Check file's checksum, restore it into a scratch database (made and
 * dropped here: db's role needs CREATEDB) and compare its row counts with
 * the manifest; the outcome is written into the manifest ("verified"). The
 * result names what was compared; NULL with e set when it failed (the
 * manifest then records why). */
json_t *backup_verify(struct db *db, const char *file, struct werr *e);

/* Restore file into the database into (a name on db's server, or a
 * conninfo), made when absent. A database holding any table is refused
 * unless force (then wisp's objects are replaced). The group roles are made
 * where missing; the restore is one transaction. NULL with e set. */
json_t *backup_restore(struct db *db, const char *file, const char *into, bool force,
                       struct werr *e);

/* Grandfather-father-son: of the backups in dir keep the newest of each of
 * the last daily days, weekly ISO weeks and monthly months that have one
 * (local time, by the manifests' times), and always the newest verified;
 * remove the rest (dump and manifest) unless dry_run. Returns {"removed":
 * [...], "kept": [{"name", "why"}...]}, or NULL with e set. */
json_t *backup_prune(const char *dir, int daily, int weekly, int monthly, bool dry_run,
                     struct werr *e);

/* The time of the newest backup in dir whose dump is present: 1 found, 0
 * none, -1 with e set. */
int backup_newest(const char *dir, time_t *at, struct werr *e);

#endif
