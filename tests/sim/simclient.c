/*
 * simclient.c - simclient.sh in C, for the fleet benchmark
 * (tests/bench/bench_fleet.sh): sshd's ForceCommand for a simulated router.
 *
 *     simclient DIR PORT
 *
 * Hands $SSH_ORIGINAL_COMMAND for router DIR to the routersim daemon on
 * 127.0.0.1:PORT ("DIR\nLEN\nCOMMAND" in, "STATUS\nOUTPUT" out) and relays
 * its output and exit status, as simclient.sh does. It exists because a
 * bash start per command is most of the simulator's cost when 500 routers
 * are polled every 10 s on two cores; the protocol is the same.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc != 3)
        return 255;
    const char *cmd = getenv("SSH_ORIGINAL_COMMAND");
    if (!cmd)
        cmd = "";
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((unsigned short)atoi(argv[2]))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        return 255;
    char head[64];
    int hn = snprintf(head, sizeof head, "\n%zu\n", strlen(cmd));
    if (write_all(fd, argv[1], strlen(argv[1])) < 0 || write_all(fd, head, (size_t)hn) < 0 ||
        write_all(fd, cmd, strlen(cmd)) < 0)
        return 255;
    /* the status line, then everything else as it comes */
    char buf[65536];
    int rc = -1;
    size_t have = 0;
    ssize_t r;
    while ((r = read(fd, buf + have, sizeof buf - have)) > 0) {
        have += (size_t)r;
        if (rc < 0) {
            char *nl = memchr(buf, '\n', have);
            if (!nl) {
                if (have == sizeof buf)
                    return 255;
                continue;
            }
            rc = atoi(buf);
            size_t rest = have - (size_t)(nl + 1 - buf);
            if (write_all(1, nl + 1, rest) < 0)
                return 255;
        } else if (write_all(1, buf, have) < 0) {
            return 255;
        }
        have = 0;
    }
    return rc < 0 ? 255 : rc;
}
