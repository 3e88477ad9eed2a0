/*
 * pgtool.c - PostgreSQL's client programs (see include/wisp/pgtool.h).
 *
 * They run as child processes through execve, never a shell: the
 * connection (host, port, user, password, database...) goes to them in the
 * environment (PGHOST, PGPASSWORD, ...), taken from the very connection wisp
 * opened (PQconninfo), so nothing of it, the password above all, is on a
 * command line other users could read in ps. Their stderr is read back and
 * its first error line becomes ours, the password masked.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wisp/pgtool.h"
#include "wisp/util.h"

extern char **environ;

/* The connection's settings (PQconninfo) as the environment of a child:
 * the libpq variable of each, then wisp's environment but its own PG*
 * variables (the connection already says what they said). NULL-terminated,
 * malloc'ed. */
static char **
child_env(PGconn *conn)
{
    PQconninfoOption *opts = PQconninfo(conn);
    size_t n = 0, cap = 8;
    char **env;

    for (char **v = environ; *v; v++)
        cap++;
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        cap++;
    env = xcalloc(cap + 2, sizeof *env);
    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (o->envvar && o->val && *o->val)
            env[n++] = xasprintf("%s=%s", o->envvar, o->val);
    }
    for (char **v = environ; *v; v++) {
        bool ours = strncmp(*v, "PG", 2) == 0; /* libpq's variables are ours to set */

        if (!ours)
            env[n++] = xstrdup(*v);
    }
    PQconninfoFree(opts);
    return env;
}

static void
env_free(char **env)
{
    for (char **v = env; v && *v; v++) {
        explicit_bzero(*v, strlen(*v)); /* PGPASSWORD */
        free(*v);
    }
    free(env);
}

/* Run path with argv and env, its stderr into err; the exit status, or -1
 * when it could not run (e set). */
static int
run_tool(const char *path, char *const argv[], char **env, struct sbuf *err, struct werr *e)
{
    int pipefd[2], status;
    char buf[4096];
    ssize_t n;
    pid_t pid;

    if (pipe(pipefd) < 0)
        return werr_set(e, WISP_ERUNTIME, "cannot run %s: %s", path, strerror(errno));
    pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return werr_set(e, WISP_ERUNTIME, "cannot run %s: %s", path, strerror(errno));
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);

        umask(077); /* the dump is born private */
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(pipefd[1], STDERR_FILENO);
        signal(SIGPIPE, SIG_DFL);
        execve(path, argv, env);
        dprintf(STDERR_FILENO, "error: cannot run %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(pipefd[1]);
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0 && err->len < 65536)
            sb_addn(err, buf, (size_t)n);
    close(pipefd[0]);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return werr_set(e, WISP_ERUNTIME, "cannot wait for %s: %s", path, strerror(errno));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The first line of a tool's stderr that says what went wrong, without its
 * "pg_dump: error: " head, passwords scrubbed, into e. */
static int
tool_error(struct werr *e, PGconn *conn, const char *what, const struct sbuf *err)
{
    const char *text = err->buf ? err->buf : "", *line = strstr(text, "error: ");
    char *scrubbed, *pw = PQpass(conn);
    size_t len;

    line = line ? line + 7 : text;
    /* pg_dump: error: query failed: ERROR:  permission denied ...: the reason */
    if (str_starts(line, "query failed: "))
        line += 14;
    if (str_starts(line, "ERROR:  "))
        line += 8;
    len = strcspn(line, "\n");
    scrubbed = xasprintf("%.*s", (int)len, line);
    if (pw && strlen(pw) >= 4) { /* the tools never quote it; should one ever, it goes */
        for (char *hit = strstr(scrubbed, pw); hit; hit = strstr(hit + strlen(pw), pw))
            memset(hit, '*', strlen(pw));
    }
    werr_set(e, WISP_ERUNTIME, "%s failed: %s", what, *scrubbed ? scrubbed : "(no message)");
    free(scrubbed);
    return -1;
}

/* The major version a PostgreSQL tool reports (`pg_dump --version`), or -1. */
static int
tool_major(const char *path)
{
    char cmd_out[256] = "";
    int pipefd[2], status, major = -1;
    ssize_t n;
    pid_t pid;

    if (pipe(pipefd) < 0)
        return -1;
    if ((pid = fork()) == 0) {
        char *const argv[] = {(char *)path, "--version", NULL};

        dup2(pipefd[1], STDOUT_FILENO);
        close(pipefd[0]);
        execv(path, argv);
        _exit(127);
    }
    close(pipefd[1]);
    n = pid > 0 ? read(pipefd[0], cmd_out, sizeof cmd_out - 1) : -1;
    close(pipefd[0]);
    if (pid > 0)
        waitpid(pid, &status, 0);
    if (n > 0) {
        const char *p = strstr(cmd_out, ") ");

        cmd_out[n] = '\0';
        if (p)
            major = atoi(p + 2);
    }
    return major;
}

/* The tool (pg_dump, pg_restore) to use with a server of major version
 * server: its own version's from Debian's /usr/lib/postgresql/N/bin, else
 * the one on PATH, which must not be older than the server. */
static char *
find_tool(const char *name, int server, struct werr *e)
{
    char *path = xasprintf("/usr/lib/postgresql/%d/bin/%s", server, name);
    const char *env = getenv("PATH");
    int major;

    if (access(path, X_OK) == 0)
        return path;
    free(path);
    path = NULL;
    for (const char *p = env ? env : "/usr/bin:/bin"; p && *p && !path;) {
        size_t len = strcspn(p, ":");
        char *cand = xasprintf("%.*s/%s", (int)len, p, name);

        if (len > 0 && access(cand, X_OK) == 0)
            path = cand;
        else
            free(cand);
        p += len + (p[len] == ':');
    }
    if (path == NULL) {
        werr_set(e, WISP_ERUNTIME, "%s not found: install postgresql-client-%d", name, server);
        return NULL;
    }
    major = tool_major(path);
    if (major < server) {
        werr_set(e, WISP_ERUNTIME,
                 "%s is PostgreSQL %d's and cannot handle a PostgreSQL %d server: install "
                 "postgresql-client-%d (Debian 12 ships 15 for both)",
                 path, major, server, server);
        free(path);
        return NULL;
    }
    return path;
}

int
pgtool_run(PGconn *conn, const char *name, const char *const *args, struct werr *e)
{
    char *tool = find_tool(name, PQserverVersion(conn) / 10000, e), **env;
    const char **argv;
    struct sbuf err = {0};
    size_t n = 0;
    int rc;

    if (tool == NULL)
        return -1;
    while (args[n])
        n++;
    argv = xcalloc(n + 3, sizeof *argv);
    argv[0] = name;
    argv[1] = "--no-password"; /* never a prompt: the environment has it or nothing does */
    memcpy(argv + 2, args, n * sizeof *argv);
    env = child_env(conn);
    rc = run_tool(tool, (char *const *)argv, env, &err, e);
    if (rc > 0)
        rc = tool_error(e, conn, name, &err);
    env_free(env);
    sb_free(&err);
    free(argv);
    free(tool);
    return rc == 0 ? 0 : -1;
}
