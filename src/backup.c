/*
 * backup.c - backups of wisp's database (see include/wisp/backup.h).
 *
 * pg_dump and pg_restore run through pgtool.h: no shell, the connection in
 * their environment, never on a command line.
 *
 * The dump and the row counts of its manifest come from one snapshot: wisp
 * opens a REPEATABLE READ transaction, exports its snapshot, counts every
 * table in it and hands it to pg_dump --snapshot, so the counts are the
 * dump's even while a worker writes. Files are written under a temporary
 * name, fsync'ed and renamed, the dump first and its manifest last: a dump
 * without a manifest is no backup, and a failure removes what it wrote.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "wisp/backup.h"
#include "wisp/i18n.h"
#include "wisp/pgtool.h"
#include "wisp/secret.h"
#include "wisp/util.h"

#define FORMAT "wisp-backup/1"

/* The group roles wisp's grants name (001, 006, 013): roles are the
 * cluster's, not the database's, so a restore on another server makes them
 * first, with their memberships, as the migrations did. */
static const char roles_sql[] =
    "DO $r$ BEGIN"
    " IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wisp_viewer') THEN"
    "  CREATE ROLE wisp_viewer NOLOGIN; END IF;"
    " IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wisp_operator') THEN"
    "  CREATE ROLE wisp_operator NOLOGIN; END IF;"
    " IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wisp_admin') THEN"
    "  CREATE ROLE wisp_admin NOLOGIN; END IF;"
    " IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wisp_worker') THEN"
    "  CREATE ROLE wisp_worker NOLOGIN; END IF;"
    " IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wisp_owner') THEN"
    "  CREATE ROLE wisp_owner NOLOGIN; END IF;"
    " IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wisp_backup') THEN"
    "  CREATE ROLE wisp_backup NOLOGIN; END IF;"
    /* granted only where missing: granting again needs ADMIN OPTION */
    " IF NOT pg_has_role('wisp_operator', 'wisp_viewer', 'MEMBER') THEN"
    "  GRANT wisp_viewer TO wisp_operator; END IF;"
    " IF NOT pg_has_role('wisp_admin', 'wisp_operator', 'MEMBER') THEN"
    "  GRANT wisp_operator TO wisp_admin; END IF;"
    " IF NOT pg_has_role('wisp_worker', 'wisp_viewer', 'MEMBER') THEN"
    "  GRANT wisp_viewer TO wisp_worker; END IF;"
    " END $r$";

/* Every table of wisp's schema and its rows, in one statement (the names
 * quoted by format's %I on the server). */
static const char counts_sql[] =
    "SELECT c.relname, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM"
    " %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint"
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1";

/* ---- files ------------------------------------------------------------- */

char *
backup_dir(const struct config *cfg, struct werr *e)
{
    const char *sd = getenv("STATE_DIRECTORY"), *xdg = getenv("XDG_STATE_HOME"),
               *home = getenv("HOME");

    if (cfg->backup_dir)
        return xstrdup(cfg->backup_dir);
    if (sd && sd[0] == '/')
        return xasprintf("%.*s/backups", (int)strcspn(sd, ":"), sd); /* the first of a list */
    if (xdg && xdg[0] == '/')
        return xasprintf("%s/wisp/backups", xdg);
    if (home && *home)
        return xasprintf("%s/.local/state/wisp/backups", home);
    werr_set(e, WISP_EUSAGE, "no backup directory: set backup.dir (or give --dir)");
    return NULL;
}

/* mkdir -p, the last part 0700. */
static int
make_dir(const char *dir, struct werr *e)
{
    char *p = xstrdup(dir);

    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    free(p);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return werr_set(e, WISP_ERUNTIME, "cannot create the backup directory %s: %s", dir,
                        strerror(errno));
    return 0;
}

/* fsync a directory, so a rename in it survives a crash. */
static void
sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);

    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* The directory part of path ("." when none), malloc'ed. */
static char *
dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        return xstrdup(".");
    return slash == path ? xstrdup("/") : xasprintf("%.*s", (int)(slash - path), path);
}

/* Write j to path atomically: a temporary name beside it, fsync, rename. */
static int
write_json_atomic(const char *path, json_t *j, struct werr *e)
{
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid()), *dir;
    char *text = json_dumps(j, JSON_PRESERVE_ORDER | JSON_INDENT(2));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t len = text ? strlen(text) : 0;
    int rc = -1;

    if (fd < 0 || text == NULL) {
        werr_set(e, WISP_ERUNTIME, "cannot write %s: %s", tmp, strerror(errno));
        goto done;
    }
    if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
        werr_set(e, WISP_ERUNTIME, "cannot write %s: %s", tmp, strerror(errno));
        goto done;
    }
    close(fd);
    fd = -1;
    if (rename(tmp, path) < 0) {
        werr_set(e, WISP_ERUNTIME, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto done;
    }
    dir = dir_of(path);
    sync_dir(dir);
    free(dir);
    rc = 0;
done:
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    free(text);
    return rc;
}

/* The SHA-256 of a file as hex into hex (65 bytes) and its size. */
static int
file_sha256(const char *path, char *hex, int64_t *size, struct werr *e)
{
    unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    *size = 0;
    if (fd < 0 || ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        werr_set(e, WISP_ERUNTIME, "cannot read %s: %s", path, strerror(errno));
        goto fail;
    }
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        EVP_DigestUpdate(ctx, buf, (size_t)n);
        *size += n;
    }
    if (n < 0 || EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) {
        werr_set(e, WISP_ERUNTIME, "cannot read %s: %s", path, strerror(errno));
        goto fail;
    }
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    close(fd);
    EVP_MD_CTX_free(ctx);
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    EVP_MD_CTX_free(ctx);
    return -1;
}

/* "2026-11-30T18:25:00Z" for t. */
static void
iso_utc(time_t t, char *buf, size_t n)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The time a manifest states, or -1. */
static time_t
manifest_time(json_t *m)
{
    const char *s = json_string_value(json_object_get(m, "time"));
    struct tm tm = {0};
    const char *end;

    if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL ||
        (*end != 'Z' && *end != '\0'))
        return -1;
    return timegm(&tm);
}

/* The manifest path of a backup named by its dump or its manifest. */
static char *
manifest_path(const char *file)
{
    size_t n = strlen(file);

    if (n > 5 && str_eq(file + n - 5, ".dump"))
        return xasprintf("%.*s.json", (int)(n - 5), file);
    return xstrdup(file);
}

/* The manifest of file (its dump or its manifest) with "file" set to the
 * dump's path; NULL with e set when it is no wisp backup. */
static json_t *
manifest_load(const char *file, char **mpath_out, struct werr *e)
{
    char *mpath = manifest_path(file), *dir, *dump;
    bool absent = access(mpath, F_OK) < 0;
    json_error_t jerr;
    json_t *m = absent ? NULL : json_load_file(mpath, 0, &jerr);
    const char *name;

    if (m == NULL) {
        werr_set(e, WISP_ERUNTIME, "%s: no backup manifest (%s)", mpath,
                 absent ? "no such file" : jerr.text);
        free(mpath);
        return NULL;
    }
    name = json_string_value(json_object_get(m, "dump"));
    if (!str_eq(json_string_value(json_object_get(m, "format")), FORMAT) || name == NULL ||
        strchr(name, '/') || manifest_time(m) < 0) {
        werr_set(e, WISP_ERUNTIME, "%s: not a wisp backup manifest (%s)", mpath, FORMAT);
        json_decref(m);
        free(mpath);
        return NULL;
    }
    dir = dir_of(mpath);
    dump = xasprintf("%s/%s", dir, name);
    json_object_set_new(m, "file", json_string(dump));
    free(dump);
    free(dir);
    if (mpath_out)
        *mpath_out = mpath;
    else
        free(mpath);
    return m;
}

/* Save m (without its "file", which is where it is read from) to mpath. */
static int
manifest_save(const char *mpath, json_t *m, struct werr *e)
{
    json_t *copy = json_deep_copy(m);
    int rc;

    json_object_del(copy, "file");
    json_object_del(copy, "name");
    rc = write_json_atomic(mpath, copy, e);
    json_decref(copy);
    return rc;
}

/* Record the outcome of a verification in the manifest at mpath. */
static void
manifest_verified(const char *mpath, json_t *m, bool ok, const char *detail)
{
    struct werr e = {0};
    char at[32];

    iso_utc(time(NULL), at, sizeof at);
    json_object_set_new(m, "verified",
                        json_pack("{s:s, s:b, s:s}", "at", at, "ok", ok, "detail", detail));
    manifest_save(mpath, m, &e); /* the verification's own outcome matters more */
}

/* The checksum of m's dump against the manifest. */
static int
check_sum(json_t *m, struct werr *e)
{
    const char *dump = json_string_value(json_object_get(m, "file")),
               *want = json_string_value(json_object_get(m, "sha256"));
    char hex[65] = "";
    int64_t size;

    if (file_sha256(dump, hex, &size, e) < 0)
        return -1;
    if (want == NULL || !str_eq(hex, want))
        return werr_set(e, WISP_ERUNTIME,
                        "%s: checksum mismatch (sha256 %.12s..., the manifest says %.12s...): the "
                        "dump is damaged or not the one made",
                        dump, hex, want ? want : "nothing");
    return 0;
}

/* ---- checks of the caller ------------------------------------------------- */

/* Backups are an admin's: say so before pg_dump fails on a table. */
static int
need_admin(struct db *db, const char *what, struct werr *e)
{
    if (!str_eq(db->group, "admin"))
        return werr_set(e, WISP_ERUNTIME, "`backup %s` is for admins (wisp_admin); %s is %s%s",
                        what, db->role, *db->group ? "a member of wisp_" : "in no wisp group",
                        *db->group ? db->group : "");
    return 0;
}

/* A dump reads every table whole: the tables this role may not. */
static int
need_read_all(struct db *db, struct werr *e)
{
    char **missing =
        db_stringsv(db, e,
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'S')"
                    " AND NOT has_table_privilege(c.oid, 'SELECT') ORDER BY 1",
                    0);
    int rc = 0;

    if (missing == NULL)
        return -1;
    if (missing[0])
        rc = werr_set(e, WISP_ERUNTIME,
                      "%s may not read all of table %s%s: a backup holds every secret, so it needs "
                      "wisp_backup too (as the database owner: GRANT wisp_backup TO %s)",
                      db->role, missing[0], missing[1] ? " and others" : "", db->role);
    for (char **m = missing; *m; m++)
        free(*m);
    free(missing);
    return rc;
}

static int
need_createdb(struct db *db, struct werr *e)
{
    int64_t ok = 0;

    if (db_i64v(db, e, &ok,
                "SELECT (rolcreatedb OR rolsuper)::int FROM pg_roles WHERE rolname = current_user",
                0) < 0)
        return -1;
    if (!ok)
        return werr_set(e, WISP_ERUNTIME,
                        "%s may not create databases: verifying restores into a scratch database "
                        "(ALTER ROLE %s CREATEDB, as a superuser)",
                        db->role, db->role);
    return 0;
}

/* ---- create ---------------------------------------------------------------- */

/* A name for a backup made at t that no file in dir has yet, claimed by
 * creating its temporary dump (*tmp) exclusively, so two backups made in
 * the same second never share a file. NULL with e set. */
static char *
new_name(const char *dir, time_t t, char **tmp, struct werr *e)
{
    char stamp[32];
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "wisp-%Y%m%dT%H%M%SZ", &tm);
    for (int i = 0; i < 1000; i++) {
        char *name = i ? xasprintf("%s-%d", stamp, i) : xstrdup(stamp);
        char *path = xasprintf("%s/%s.json", dir, name), *dump = xasprintf("%s/%s.dump", dir, name);
        bool taken = access(path, F_OK) == 0 || access(dump, F_OK) == 0;
        int fd = -1;

        *tmp = xasprintf("%s/.%s.dump.tmp", dir, name);
        if (!taken)
            fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        free(path);
        free(dump);
        if (fd >= 0) {
            close(fd);
            return name;
        }
        free(*tmp);
        *tmp = NULL;
        free(name);
        if (!taken && errno != EEXIST)
            break;
    }
    werr_set(e, WISP_ERUNTIME, "cannot create a file in the backup directory %s: %s", dir,
             strerror(errno));
    return NULL;
}

/* What the manifest says of the database, read in the dump's snapshot. */
static json_t *
snapshot_facts(struct db *db, struct werr *e)
{
    json_t *rows = db_json_pairsv(db, e, counts_sql, 0), *ops, *m;
    int64_t schema = 0;

    if (rows == NULL)
        return NULL;
    ops = db_json_rowsv(db, e,
                        "SELECT r.rolname AS name, min(replace(g.rolname, 'wisp_', '')) AS role"
                        " FROM pg_roles r JOIN pg_auth_members a ON a.member = r.oid"
                        " JOIN pg_roles g ON g.oid = a.roleid"
                        " WHERE g.rolname IN ('wisp_admin', 'wisp_operator', 'wisp_viewer')"
                        " AND r.rolcanlogin GROUP BY 1 ORDER BY 1",
                        0);
    if (ops == NULL ||
        db_i64v(db, e, &schema, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0) < 0) {
        json_decref(rows);
        json_decref(ops);
        return NULL;
    }
    m = json_pack("{s:I, s:o, s:o}", "schema_version", (json_int_t)schema, "rows", rows,
                  "operators", ops);
    return m;
}

/* The file pg_dump wrote: its owner's alone and on disk before it is named. */
static int
seal(const char *path, struct werr *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

    if (fd < 0 || fchmod(fd, 0600) < 0 || fsync(fd) < 0)
        rc = werr_set(e, WISP_ERUNTIME, "cannot sync %s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    return rc;
}

/* pg_dump -Fc of the snapshot into tmp. */
static int
dump_to(struct db *db, const char *snapshot, const char *tmp, struct werr *e)
{
    char *snap = xasprintf("--snapshot=%s", snapshot), *out = xasprintf("--file=%s", tmp);
    const char *args[] = {"--format=custom", snap, out, NULL};
    int rc = pgtool_run(db->conn, "pg_dump", args, e);

    free(snap);
    free(out);
    return rc;
}

json_t *
backup_create(struct db *db, const char *dir, struct werr *e)
{
    char *name = NULL, *tmp = NULL, *dump = NULL, *mpath = NULL, *snapshot = NULL;
    char hex[65], at[32], server[16];
    json_t *facts = NULL, *m = NULL, *snap;
    time_t now = time(NULL);
    int64_t size;

    if (need_admin(db, "create", e) < 0 || need_read_all(db, e) < 0 || make_dir(dir, e) < 0)
        return NULL;
    /* a stop (systemctl stop, ^C) ends pg_dump and comes back here, so the
     * temporary dump goes as on any failure */
    pgtool_catch();
    if (db_execv(db, e, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", 0) < 0) {
        pgtool_release();
        return NULL;
    }
    snap = db_json_firstv(db, e, "SELECT pg_export_snapshot() AS s", 0);
    if (snap == NULL || (facts = snapshot_facts(db, e)) == NULL)
        goto fail;
    snapshot = xstrdup(json_string_value(json_object_get(snap, "s")));
    if ((name = new_name(dir, now, &tmp, e)) == NULL)
        goto fail;
    dump = xasprintf("%s/%s.dump", dir, name);
    mpath = xasprintf("%s/%s.json", dir, name);
    if (dump_to(db, snapshot, tmp, e) < 0)
        goto fail;
    db_rollback(db); /* the snapshot is no longer needed */
    if (seal(tmp, e) < 0 || file_sha256(tmp, hex, &size, e) < 0 || pgtool_stopped(e) < 0)
        goto fail;
    iso_utc(now, at, sizeof at);
    snprintf(server, sizeof server, "%d.%d", PQserverVersion(db->conn) / 10000,
             PQserverVersion(db->conn) % 10000);
    m = json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:s, s:I, s:s, s:O, s:O, s:n}", "format",
                  FORMAT, "name", name, "time", at, "wisp_version", WISP_VERSION, "schema_version",
                  json_object_get(facts, "schema_version"), "server_version", server, "database",
                  PQdb(db->conn), "dump", strrchr(dump, '/') + 1, "size", (json_int_t)size,
                  "sha256", hex, "rows", json_object_get(facts, "rows"), "operators",
                  json_object_get(facts, "operators"), "verified");
    if (m == NULL) {
        werr_set(e, WISP_ERUNTIME, "cannot build the manifest (a name that is not UTF-8?)");
        goto fail;
    }
    if (rename(tmp, dump) < 0) {
        werr_set(e, WISP_ERUNTIME, "cannot rename %s: %s", tmp, strerror(errno));
        goto fail;
    }
    if (manifest_save(mpath, m, e) < 0) {
        unlink(dump);
        goto fail;
    }
    sync_dir(dir);
    json_object_set_new(m, "file", json_string(dump));
    goto done;
fail:
    db_rollback(db);
    if (tmp)
        unlink(tmp);
    json_decref(m);
    m = NULL;
    if (pgtool_stopped(NULL) < 0)
        werr_prefix(e, _("backup not made, nothing kept"));
done:
    pgtool_release();
    json_decref(snap);
    json_decref(facts);
    free(snapshot);
    free(name);
    free(tmp);
    free(dump);
    free(mpath);
    return m;
}

/* ---- list ------------------------------------------------------------------ */

static int
by_time_desc(const void *a, const void *b)
{
    time_t ta = manifest_time(*(json_t *const *)a), tb = manifest_time(*(json_t *const *)b);

    return ta < tb ? 1 : ta > tb ? -1 : 0;
}

json_t *
backup_list(const char *dir, struct werr *e)
{
    DIR *d = opendir(dir);
    json_t *list = json_array(), **v = NULL, *m;
    struct dirent *de;
    size_t n = 0;

    if (d == NULL) {
        if (errno == ENOENT)
            return list;
        json_decref(list);
        werr_set(e, WISP_ERUNTIME, "cannot read the backup directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        char *path;
        struct werr skip = {0};

        if (de->d_name[0] == '.' || len < 6 || !str_eq(de->d_name + len - 5, ".json"))
            continue;
        path = xasprintf("%s/%s", dir, de->d_name);
        m = manifest_load(path, NULL, &skip); /* other files there are not ours */
        free(path);
        if (m == NULL)
            continue;
        json_object_set_new(m, "name", json_stringn(de->d_name, len - 5));
        json_object_set_new(
            m, "present",
            json_boolean(access(json_string_value(json_object_get(m, "file")), R_OK) == 0));
        v = xrealloc(v, (n + 1) * sizeof *v);
        v[n++] = m;
    }
    closedir(d);
    if (n)
        qsort(v, n, sizeof *v, by_time_desc);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, v[i]);
    free(v);
    return list;
}

int
backup_newest(const char *dir, time_t *at, struct werr *e)
{
    json_t *list = backup_list(dir, e), *m;
    size_t i;
    int found = 0;

    if (list == NULL)
        return -1;
    json_array_foreach(list, i, m) if (json_is_true(json_object_get(m, "present")))
    {
        *at = manifest_time(m);
        found = 1;
        break;
    }
    json_decref(list);
    return found;
}

/* ---- verify and restore ------------------------------------------------------ */

/* A connection to dbname on db's server, as db's role. */
static int
open_like(struct db *db, const char *dbname, const char *overlay, struct db *out, struct werr *e)
{
    PQconninfoOption *opts = PQconninfo(db->conn), *extra = NULL;
    const char **keys, **vals;
    size_t n = 0, cap = 4;
    char *err = NULL;

    if (overlay && (extra = PQconninfoParse(overlay, &err)) == NULL) {
        char *why = secret_scrub(err ? err : "out of memory", overlay);

        why[strcspn(why, "\r\n")] = '\0';
        werr_set(e, WISP_EUSAGE, "bad --into: %s", why);
        free(why);
        PQfreemem(err);
        PQconninfoFree(opts);
        return -1;
    }
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        cap++;
    keys = xcalloc(cap, sizeof *keys);
    vals = xcalloc(cap, sizeof *vals);
    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        const char *val = o->val;

        for (PQconninfoOption *x = extra; x && x->keyword; x++)
            if (str_eq(x->keyword, o->keyword) && x->val && *x->val)
                val = x->val;
        if (str_eq(o->keyword, "dbname") && dbname)
            val = dbname;
        if (val && *val) {
            keys[n] = o->keyword;
            vals[n++] = val;
        }
    }
    memset(out, 0, sizeof *out);
    out->conn = PQconnectdbParams(keys, vals, 0);
    free(keys);
    free(vals);
    PQconninfoFree(extra);
    PQconninfoFree(opts);
    if (out->conn == NULL || PQstatus(out->conn) != CONNECTION_OK) {
        const char *msg = out->conn ? PQerrorMessage(out->conn) : "out of memory";
        const char *r = strstr(msg, "FATAL:  ");

        r = r ? r + 8 : (r = strstr(msg, "failed: ")) ? r + 8 : msg;
        werr_set(e, WISP_ERUNTIME, "%.*s", (int)strcspn(r, "\n"), r);
        if (out->conn)
            PQfinish(out->conn);
        out->conn = NULL;
        return -1;
    }
    return 0;
}

/* CREATE or DROP DATABASE name (quoted as an identifier) through db. */
static int
database_ddl(struct db *db, const char *verb, const char *name, const char *tail, struct werr *e)
{
    char *ident = PQescapeIdentifier(db->conn, name, strlen(name)), *sql;
    int rc;

    if (ident == NULL)
        return werr_set(e, WISP_ERUNTIME, "bad database name");
    sql = xasprintf("%s DATABASE %s%s", verb, ident, tail);
    rc = db_execv(db, e, sql, 0);
    free(sql);
    PQfreemem(ident);
    return rc;
}

/* pg_restore the dump into the database target is connected to, in one
 * transaction; owners and privileges as dumped unless scratch. */
static int
restore_to(struct db *target, const char *dump, bool scratch, bool clean, struct werr *e)
{
    const char *args[10];
    int n = 0;

    args[n++] = "--exit-on-error";
    args[n++] = "--single-transaction";
    args[n++] = "--dbname="; /* empty: PGDATABASE and the rest from the environment */
    if (scratch) {
        args[n++] = "--no-owner";
        args[n++] = "--no-privileges";
    }
    if (clean) {
        args[n++] = "--clean";
        args[n++] = "--if-exists";
    }
    args[n++] = dump;
    args[n] = NULL;
    return pgtool_run(target->conn, "pg_restore", args, e);
}

/* The tables whose row counts differ between the manifest and db: one line. */
static int
compare_counts(struct db *db, json_t *want, struct sbuf *diff, struct werr *e)
{
    json_t *have = db_json_pairsv(db, e, counts_sql, 0), *v;
    const char *table;

    if (have == NULL)
        return -1;
    json_object_foreach(want, table, v)
    {
        json_t *h = json_object_get(have, table);

        if (h == NULL)
            sb_printf(diff, "%s%s missing", diff->len ? ", " : "", table);
        else if (json_integer_value(h) != json_integer_value(v))
            sb_printf(diff, "%s%s %" JSON_INTEGER_FORMAT " rows, expected %" JSON_INTEGER_FORMAT,
                      diff->len ? ", " : "", table, json_integer_value(h), json_integer_value(v));
    }
    json_object_foreach(have, table, v) if (!json_object_get(want, table))
        sb_printf(diff, "%s%s not in the manifest", diff->len ? ", " : "", table);
    json_decref(have);
    return 0;
}

json_t *
backup_verify(struct db *db, const char *file, struct werr *e)
{
    char *mpath = NULL, scratch[64], detail[300];
    json_t *m = manifest_load(file, &mpath, e), *result = NULL;
    struct db s = {0};
    struct sbuf diff = {0};
    struct werr drop = {0}, stop = {0};
    bool made = false;
    unsigned rnd = 0;
    int fd;

    if (m == NULL)
        return NULL;
    if (need_admin(db, "verify", e) < 0 || need_createdb(db, e) < 0)
        goto out;
    /* a stop ends pg_restore and comes back here to drop the scratch
     * database (and records nothing in the manifest: no outcome) */
    pgtool_catch();
    if (check_sum(m, e) < 0) {
        manifest_verified(mpath, m, false, e->msg);
        goto out;
    }
    if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) >= 0) {
        if (read(fd, &rnd, sizeof rnd) != (ssize_t)sizeof rnd)
            rnd = (unsigned)time(NULL);
        close(fd);
    }
    snprintf(scratch, sizeof scratch, "wisp_verify_%ld_%08x", (long)getpid(), rnd);
    if (database_ddl(db, "CREATE", scratch, "", e) < 0)
        goto out;
    made = true;
    if (open_like(db, scratch, NULL, &s, e) < 0 ||
        restore_to(&s, json_string_value(json_object_get(m, "file")), true, false, e) < 0 ||
        compare_counts(&s, json_object_get(m, "rows"), &diff, e) < 0 || pgtool_stopped(e) < 0) {
        werr_prefix(e, "restoring %s into a scratch database", file);
        if (pgtool_stopped(NULL) < 0)
            goto out; /* not verified, not failed either */
        manifest_verified(mpath, m, false, e->msg);
        goto out;
    }
    if (diff.len) {
        werr_set(e, WISP_ERUNTIME, "%s: restored, but the rows differ from the manifest: %s", file,
                 diff.buf);
        manifest_verified(mpath, m, false, e->msg);
        goto out;
    }
    snprintf(detail, sizeof detail, "restored; %zu tables' rows as the manifest says",
             json_object_size(json_object_get(m, "rows")));
    manifest_verified(mpath, m, true, detail);
    result =
        json_pack("{s:s, s:b, s:I, s:s}", "file", json_string_value(json_object_get(m, "file")),
                  "verified", 1, "tables", (json_int_t)json_object_size(json_object_get(m, "rows")),
                  "sha256", json_string_value(json_object_get(m, "sha256")));
out:
    if (s.conn)
        db_close(&s);
    if (made) /* whatever happened above */
        database_ddl(db, "DROP", scratch, " WITH (FORCE)", &drop);
    if (result == NULL && pgtool_stopped(&stop) < 0) { /* one line: the signal, the cleanup */
        if (made && drop.status)
            werr_set(e, WISP_ERUNTIME,
                     _("%s: verify stopped, but its scratch database %s is left (%s): DROP "
                       "DATABASE it"),
                     stop.msg, scratch, drop.msg);
        else
            werr_set(e, WISP_ERUNTIME, _("%s: verify stopped%s"), stop.msg,
                     made ? _(", its scratch database dropped") : "");
    }
    pgtool_release();
    sb_free(&diff);
    json_decref(m);
    free(mpath);
    return result;
}

/* The target of a restore: open it, or make it on its server when absent. */
static int
open_target(struct db *db, const char *into, struct db *t, bool *created, struct werr *e)
{
    bool conninfo = strchr(into, '=') || strstr(into, "://");
    const char *name = conninfo ? NULL : into;
    struct db maint = {0};
    char *tname;

    *created = false;
    if (open_like(db, name, conninfo ? into : NULL, t, e) == 0)
        return 0;
    if (strstr(e->msg, "does not exist") == NULL || strstr(e->msg, "database") == NULL)
        return werr_set(e, WISP_ERUNTIME, "cannot connect to the database to restore into: %s",
                        e->msg);
    if (!conninfo) {
        tname = xstrdup(name);
    } else { /* the name the conninfo gives, made through its server's postgres */
        PQconninfoOption *o = PQconninfoParse(into, NULL);

        tname = NULL;
        for (PQconninfoOption *x = o; x && x->keyword; x++)
            if (str_eq(x->keyword, "dbname") && x->val)
                tname = xstrdup(x->val);
        PQconninfoFree(o);
        if (tname == NULL)
            return -1;
    }
    werr_clear(e);
    if (open_like(db, "postgres", conninfo ? into : NULL, &maint, e) < 0 ||
        database_ddl(&maint, "CREATE", tname, "", e) < 0) {
        werr_prefix(e, "creating database %s", tname);
        if (maint.conn)
            db_close(&maint);
        free(tname);
        return -1;
    }
    db_close(&maint);
    *created = true;
    free(tname);
    return open_like(db, name, conninfo ? into : NULL, t, e);
}

/* Operators the backup knew that this server lacks (their login roles are
 * the cluster's, not in the dump). */
static json_t *
missing_operators(struct db *t, json_t *m, struct werr *e)
{
    json_t *ops = json_object_get(m, "operators"), *missing = json_array(), *op;
    size_t i;

    json_array_foreach(ops, i, op)
    {
        const char *name = json_string_value(json_object_get(op, "name"));
        int64_t have = 0;

        if (name == NULL ||
            db_i64v(t, e, &have, "SELECT count(*) FROM pg_roles WHERE rolname = $1", 1, name) < 0)
            continue;
        if (have == 0)
            json_array_append(missing, op);
    }
    return missing;
}

json_t *
backup_restore(struct db *db, const char *file, const char *into, bool force, struct werr *e)
{
    char *mpath = NULL;
    json_t *m = manifest_load(file, &mpath, e), *result = NULL, *missing;
    struct db t = {0};
    struct sbuf diff = {0};
    int64_t tables = 0, schema = 0;
    bool created, older;

    if (m == NULL)
        return NULL;
    if (need_admin(db, "restore", e) < 0 || check_sum(m, e) < 0 ||
        open_target(db, into, &t, &created, e) < 0)
        goto out;
    if (db_i64v(&t, e, &tables,
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog',"
                " 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'",
                0) < 0)
        goto out;
    if (tables > 0 && !force) {
        werr_set(e, WISP_ERUNTIME,
                 "database %s is not empty (%" PRId64 " tables): restore into an empty database, "
                 "or give --force to replace what the backup holds",
                 PQdb(t.conn), tables);
        goto out;
    }
    if (db_execv(&t, e, roles_sql, 0) < 0) {
        werr_prefix(e, "making wisp's group roles (needs CREATEROLE)");
        goto out;
    }
    if (restore_to(&t, json_string_value(json_object_get(m, "file")), false, tables > 0, e) < 0)
        goto out;
    /* what wisp needs of it: the schema it knows (an older one is restored
     * and migrated after: needs_migrate), the rows, the grants. The version
     * is the restored database's own, not what the manifest claims. */
    if (db_i64v(&t, e, &schema,
                "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0"
                " ELSE (SELECT coalesce(max(version), 0) FROM schema_migrations) END",
                0) < 0)
        goto out;
    older = schema < db_schema_version();
    if ((!older && db_check_schema(&t, e) < 0) ||
        compare_counts(&t, json_object_get(m, "rows"), &diff, e) < 0)
        goto out;
    if (diff.len) {
        werr_set(e, WISP_ERUNTIME, "restored, but the rows differ from the manifest: %s", diff.buf);
        goto out;
    }
    {
        int64_t grants = 0;

        /* (wisp_voucher_sell came with 006: a schema older than that is
         * granted by db migrate) */
        if (db_i64v(&t, e, &grants,
                    "SELECT (has_table_privilege('wisp_viewer', 'plans', 'SELECT')"
                    " AND (to_regprocedure('wisp_voucher_sell(text)') IS NULL"
                    " OR has_function_privilege('wisp_operator', 'wisp_voucher_sell(text)',"
                    " 'EXECUTE')))::int",
                    0) < 0)
            goto out;
        if (!grants) {
            werr_set(e, WISP_ERUNTIME,
                     "restored into %s, but wisp's grants are missing: restore as a superuser or "
                     "the database owner",
                     PQdb(t.conn));
            goto out;
        }
    }
    missing = missing_operators(&t, m, e);
    werr_clear(e);
    result = json_pack("{s:s, s:s, s:b, s:I, s:b, s:O, s:o}", "file",
                       json_string_value(json_object_get(m, "file")), "into", PQdb(t.conn),
                       "created", created, "schema_version", (json_int_t)schema, "needs_migrate",
                       older, "rows", json_object_get(m, "rows"), "missing_operators", missing);
out:
    if (t.conn)
        db_close(&t);
    sb_free(&diff);
    json_decref(m);
    free(mpath);
    return result;
}

/* ---- prune ----------------------------------------------------------------- */

/* The period of t a rule counts in: its day, ISO week or month. */
static void
period(time_t t, char kind, char *buf, size_t n)
{
    struct tm tm;

    localtime_r(&t, &tm);
    strftime(buf, n, kind == 'd' ? "%Y-%m-%d" : kind == 'w' ? "%G-W%V" : "%Y-%m", &tm);
}

/* Mark with why the newest backup of each of the last count periods. */
static void
keep_rule(json_t *list, char kind, int count, const char **why, const char *label)
{
    char last[32] = "", p[32];
    json_t *m;
    size_t i;
    int got = 0;

    json_array_foreach(list, i, m)
    {
        if (got >= count)
            break;
        period(manifest_time(m), kind, p, sizeof p);
        if (str_eq(p, last))
            continue; /* an older one of a period already kept */
        snprintf(last, sizeof last, "%s", p);
        got++;
        if (why[i] == NULL)
            why[i] = label;
    }
}

json_t *
backup_prune(const char *dir, int daily, int weekly, int monthly, bool dry_run, struct werr *e)
{
    json_t *list = backup_list(dir, e), *m, *removed, *kept, *result;
    const char **why;
    size_t i;

    if (list == NULL)
        return NULL;
    why = xcalloc(json_array_size(list) + 1, sizeof *why);
    json_array_foreach(list, i, m)
    {
        json_t *v = json_object_get(m, "verified");

        if (json_is_true(json_object_get(v, "ok")) && json_is_true(json_object_get(m, "present"))) {
            why[i] = "newest verified";
            break;
        }
    }
    keep_rule(list, 'd', daily, why, "daily");
    keep_rule(list, 'w', weekly, why, "weekly");
    keep_rule(list, 'm', monthly, why, "monthly");
    removed = json_array();
    kept = json_array();
    json_array_foreach(list, i, m)
    {
        const char *name = json_string_value(json_object_get(m, "name"));

        if (why[i]) {
            json_array_append_new(kept, json_pack("{s:s, s:s, s:O}", "name", name, "why", why[i],
                                                  "time", json_object_get(m, "time")));
            continue;
        }
        if (!dry_run) {
            char *mp = xasprintf("%s/%s.json", dir, name);
            const char *dump = json_string_value(json_object_get(m, "file"));

            /* the manifest first: a dump without one is no backup any more */
            if (unlink(mp) < 0 && errno != ENOENT) {
                werr_set(e, WISP_ERUNTIME, "cannot remove %s: %s", mp, strerror(errno));
                free(mp);
                break;
            }
            free(mp);
            unlink(dump);
        }
        json_array_append_new(
            removed, json_pack("{s:s, s:O}", "name", name, "time", json_object_get(m, "time")));
    }
    free(why);
    json_decref(list);
    if (e->status) {
        json_decref(removed);
        json_decref(kept);
        return NULL;
    }
    sync_dir(dir);
    result = json_pack("{s:o, s:o, s:b}", "removed", removed, "kept", kept, "dry_run", dry_run);
    return result;
}
