#!/usr/bin/python3
"""fleet_polls.py - the figures bench_fleet.sh reads from the simulated
routers' own command logs (DIR/commands.log: one JSON line per command,
"t" when the simulator received it, "cmd" as sshd handed it over) and from
/proc. A poll is a command containing "/system resource print".

    pollcmd DIR                 the first poll command DIR received
    count T0 T1 DIR...          polls received in [T0, T1]
    spacing T0 T1 DIR...        per router, the time between consecutive
                                polls in [T0, T1]: "polls gaps median min
                                max outside(10+-1) routers_unpolled mean",
                                mean = routers x (T1 - T0) / polls, the
                                spacing on average even when the window
                                holds fewer than two polls of a router
    twice T0 T1 IV DIR...       pairs of polls of one router closer than
                                IV - 1 s in [T0, T1], and the closest pair
    handover TK DIR...          for routers polled before TK: the latest first
                                poll after TK (s after TK), how many not yet
                                polled again
    cpu PID                     utime+stime of PID in clock ticks
    cputree PID...              utime+stime+cutime+cstime of the PIDs and
                                every descendant, in clock ticks
    descendants PID...          the PIDs and every descendant, one a line
    replay SRC DST              the push scripts SRC received ("/ip hotspot
                                user add" in them), run straight into router
                                DST in this process (routersim.serve, as its
                                daemon runs them): "commands seconds"
"""
import json
import os
import statistics
import sys
import time

POLL = "/system resource print"


def polls(d, t0=float("-inf"), t1=float("inf")):
    out = []
    try:
        with open(os.path.join(d, "commands.log")) as f:
            for line in f:
                try:
                    x = json.loads(line)
                except ValueError:  # a line being written
                    continue
                if POLL in x["cmd"] and t0 <= x["t"] <= t1:
                    out.append(x["t"])
    except FileNotFoundError:
        pass
    return out


def stat_ticks(pid, children):
    try:
        with open(f"/proc/{pid}/stat") as f:
            f = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    # fields 14-17 of stat(5); f[0] is field 3
    return int(f[11]) + int(f[12]) + ((int(f[13]) + int(f[14])) if children else 0)


def descendants(roots):
    kids = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            kids.setdefault(ppid, []).append(int(p))
    out, todo = [], [int(r) for r in roots]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def main(a):
    verb = a[1]
    if verb == "pollcmd":
        with open(os.path.join(a[2], "commands.log")) as f:
            for line in f:
                x = json.loads(line)
                if POLL in x["cmd"]:
                    print(x["cmd"])
                    return 0
        return 1
    if verb == "count":
        t0, t1 = float(a[2]), float(a[3])
        print(sum(len(polls(d, t0, t1)) for d in a[4:]))
    elif verb == "spacing":
        t0, t1 = float(a[2]), float(a[3])
        gaps, n, unpolled = [], 0, 0
        for d in a[4:]:
            p = sorted(polls(d, t0, t1))
            n += len(p)
            unpolled += not p
            gaps += [y - x for x, y in zip(p, p[1:])]
        mean = f"{len(a[4:]) * (t1 - t0) / n:.1f}" if n else "-"
        if not gaps:
            print(n, 0, "- - -", 0, unpolled, mean)
            return 0
        out = sum(1 for g in gaps if abs(g - 10) > 1)
        print(n, len(gaps), f"{statistics.median(gaps):.2f} {min(gaps):.2f} {max(gaps):.2f}", out, unpolled, mean)
    elif verb == "twice":
        t0, t1, iv = float(a[2]), float(a[3]), float(a[4])
        close, least = 0, float("inf")
        for d in a[5:]:
            p = sorted(polls(d, t0, t1))
            for x, y in zip(p, p[1:]):
                close += y - x < iv - 1
                least = min(least, y - x)
        print(close, f"{least:.2f}" if least < float("inf") else "-")
    elif verb == "handover":
        tk = float(a[2])
        worst, waiting = 0.0, 0
        for d in a[3:]:
            after = polls(d, tk)
            if not after:
                waiting += 1
            else:
                worst = max(worst, min(after) - tk)
        print(f"{worst:.2f}", waiting)
    elif verb == "cpu":
        print(stat_ticks(a[2], False))
    elif verb == "cputree":
        print(sum(stat_ticks(p, True) for p in descendants(a[2:])))
    elif verb == "descendants":
        print("\n".join(str(p) for p in descendants(a[2:])))
    elif verb == "replay":
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sim"))
        import routersim
        with open(os.path.join(a[2], "commands.log")) as f:
            cmds = [json.loads(x)["cmd"] for x in f]
        cmds = [c for c in cmds if "/ip hotspot user add" in c]
        t0 = time.monotonic()
        for c in cmds:
            routersim.serve(a[3], c)
        print(len(cmds), f"{time.monotonic() - t0:.3f}")
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
