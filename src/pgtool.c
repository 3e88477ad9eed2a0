/*
 * pgtool.c - PostgreSQL's client programs (see include/wisp/pgtool.h).
 *
 * They run as child processes through execve, never a shell: the
 * connection (host, port, user, password, database...) goes to them in the
 * environment (PGHOST, PGPASSWORD, ...), taken from the very connection wisp
 * opened (PQconninfo), so nothing of it, the password above all, is on a
 * command line other users could read in ps. Their stderr is read back and
 * its first error line becomes ours, the password masked.
 *
 * A tool runs in a process group of its own, so that a stop of wisp
 * (SIGTERM from systemctl or timeout, ^C, a hang-up) ends it and whatever it
 * started: under pgtool_catch() the handler only records the signal and
 * writes a byte into a pipe (both async-signal-safe); the wait loop below
 * sees the byte, ends the group and returns, and the caller cleans up (its
 * temporary file, its scratch database) with libpq in its ordinary flow.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wisp/i18n.h"
#include "wisp/pgtool.h"
#include "wisp/util.h"

extern char **environ;

/* ---- stopping --------------------------------------------------------------- */

static const int stop_signals[] = {SIGTERM, SIGINT, SIGHUP};
#define NSTOP (sizeof stop_signals / sizeof stop_signals[0])

static volatile sig_atomic_t caught; /* the first stop signal, 0 while none */
static int wake[2] = {-1, -1};       /* the handler's byte to the wait loop */
static struct sigaction saved[NSTOP];
static int catching;

static void
on_stop(int sig)
{
    int saved_errno = errno;

    if (!caught)
        caught = sig;
    if (wake[1] >= 0)
        (void)!write(wake[1], "", 1);
    errno = saved_errno;
}

void
pgtool_catch(void)
{
    struct sigaction sa = {.sa_handler = on_stop};

    if (catching++)
        return;
    caught = 0;
    if (pipe(wake) < 0) {
        wake[0] = wake[1] = -1; /* the loop then looks every half second */
    } else {
        for (int i = 0; i < 2; i++) {
            fcntl(wake[i], F_SETFD, FD_CLOEXEC);
            fcntl(wake[i], F_SETFL, O_NONBLOCK);
        }
    }
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NSTOP; i++) {
        sigaction(stop_signals[i], &sa, &saved[i]);
        if (saved[i].sa_handler == SIG_IGN) /* nohup: a hang-up stays ignored */
            sigaction(stop_signals[i], &saved[i], NULL);
    }
}

void
pgtool_release(void)
{
    if (catching == 0 || --catching)
        return;
    for (size_t i = 0; i < NSTOP; i++)
        sigaction(stop_signals[i], &saved[i], NULL);
    for (int i = 0; i < 2; i++) {
        if (wake[i] >= 0)
            close(wake[i]);
        wake[i] = -1;
    }
}

static const char *
signame(int sig)
{
    return sig == SIGTERM  ? "SIGTERM"
           : sig == SIGINT ? "SIGINT"
           : sig == SIGHUP ? "SIGHUP"
                           : "a signal";
}

int
pgtool_stopped(struct werr *e)
{
    if (!caught)
        return 0;
    return werr_set(e, WISP_ERUNTIME, _("interrupted by %s"), signame(caught));
}

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

/* Send sig to the process group of a tool (the tool alone should it not
 * have one yet). */
static void
end_group(pid_t pid, int sig)
{
    if (kill(-pid, sig) < 0)
        kill(pid, sig);
}

/* Run path with argv and env, its stderr into err; the exit status, or -1
 * when it could not run or wisp was stopped meanwhile (e set). */
static int
run_tool(const char *path, char *const argv[], char **env, struct sbuf *err, struct werr *e)
{
    int pipefd[2], status, open_fd = 1;
    char buf[4096];
    time_t ended = 0;
    ssize_t n;
    pid_t pid;

    if (pgtool_stopped(e) < 0)
        return -1; /* stopped before it began: nothing to start */
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

        setpgid(0, 0); /* its own group: ended whole when wisp is stopped */
        for (size_t i = 0; i < NSTOP; i++)
            signal(stop_signals[i], SIG_DFL);
        umask(077); /* the dump is born private */
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(pipefd[1], STDERR_FILENO);
        signal(SIGPIPE, SIG_DFL);
        execve(path, argv, env);
        dprintf(STDERR_FILENO, "error: cannot run %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid); /* as the child does: whichever runs first */
    close(pipefd[1]);
    while (open_fd) {
        struct pollfd pf[2] = {{.fd = pipefd[0], .events = POLLIN},
                               {.fd = wake[0], .events = POLLIN}};
        int ready = poll(pf, wake[0] >= 0 ? 2 : 1, ended || wake[0] < 0 ? 500 : -1);

        /* SIGTERM first; SIGKILL after 5 s, so a tool stuck in a server's
         * lock does not hold wisp */
        if (caught && !ended) {
            end_group(pid, SIGTERM);
            ended = time(NULL);
        } else if (ended && time(NULL) - ended >= 5) {
            end_group(pid, SIGKILL);
        }
        if (ready > 0 && wake[0] >= 0 && (pf[1].revents & POLLIN))
            while (read(wake[0], buf, sizeof buf) > 0)
                ;
        if (ready <= 0 || !(pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        n = read(pipefd[0], buf, sizeof buf);
        if (n > 0 && err->len < 65536)
            sb_addn(err, buf, (size_t)n);
        else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
            open_fd = 0;
    }
    close(pipefd[0]);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return werr_set(e, WISP_ERUNTIME, "cannot wait for %s: %s", path, strerror(errno));
    }
    if (ended) {
        const char *name = strrchr(path, '/');

        return werr_set(e, WISP_ERUNTIME, _("interrupted by %s; %s was stopped"), signame(caught),
                        name ? name + 1 : path);
    }
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
    pgtool_catch(); /* for callers that did not: a stop must not orphan the tool */
    rc = run_tool(tool, (char *const *)argv, env, &err, e);
    pgtool_release();
    if (rc > 0) /* it failed by itself: its own reason */
        rc = tool_error(e, conn, name, &err);
    env_free(env);
    sb_free(&err);
    free(argv);
    free(tool);
    return rc == 0 ? 0 : -1;
}
