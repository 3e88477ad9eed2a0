#!/usr/bin/python3
"""routersim - a simulated hotspot router behind a real OpenSSH sshd.

    routersim.py serve DIR          run $SSH_ORIGINAL_COMMAND on router DIR
    routersim.py daemon PORT        serve every router over loopback for
                                    simclient.sh (sshd's ForceCommand)
    routersim.py ndsctl DIR ARGS    the simulated openNDS's ndsctl
    routersim.py init DIR KIND [--version 6|7] [--identity NAME]
    routersim.py init-many KIND DIR...   many routers at once (the fleet bench)
    routersim.py admin DIR COMMAND ...   what tests do to the router:
        login USER MAC IP     a client logs in (RouterOS: the hotspot checks the
                              user, its password is not asked; openNDS: the
                              voucher theme checks and punches the roll)
        traffic USER IN OUT   add bytes to USER's session (in = from the client)
        counters USER IN OUT  set them (a counter reset, a reboot)
        logout USER           the client leaves
        mode MODE             normal | garbage | hang | badjson | legacy
        delay MS              answer every command MS ms late (a slow
                              backhaul; 0 = at once); the daemon waits without
                              holding the router, so many routers wait together
        login-all [N]         RouterOS: up to N (default all) users not online
                              log in, each from its own MAC and address
        resource KEY VALUE    RouterOS: print VALUE verbatim as KEY's value in
                              /system resource print ("cpu-load" "%")
        adduser NAME [COMMENT]  a user put there by someone else (openNDS: a roll line)
        refuse [NAME ...]     RouterOS: adding these users fails, as a full
                              router would ("refuse" alone: none)
        users | active        print the router's state as JSON
        access                RouterOS: the walled garden and ip-bindings as JSON;
                              openNDS: the trusted MACs (uci, ndsctl's, wisp's file)
        radius                RouterOS: /radius, /radius incoming, the hotspot
                              profiles and /ppp aaa as JSON
        commands              every command received (DIR/commands.log), as JSON
        ran                   RouterOS commands that only an injection would run
                              (/system reboot, /user print), as JSON

The router's state is files in DIR (one JSON document, locked while used).

RouterOS: the simulator understands the commands wisp sends and a few a
person would type, with RouterOS's habits from
../shared/reference/routeros_opennds.md: CRLF line ends, errors as text with
exit status 0, v7 terse without quotes and with digits grouped by spaces, v6
terse with quotes, script times as 04:11:06, `bad command name` for anything
it does not know.

openNDS: the command runs in /bin/sh as on OpenWrt, with /tmp/ndslog/
pointing into DIR and an ndsctl that prints the v10 `ndsctl json` layout.
"""
import fcntl
import json
import os
import re
import sys
import time


def load(d):
    with open(os.path.join(d, "state.json")) as f:
        return json.load(f)


class State:
    """The router's state, locked for the life of the with-block."""

    def __init__(self, d):
        self.d = d

    def __enter__(self):
        self.lock = open(os.path.join(self.d, "lock"), "w")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        with open(os.path.join(self.d, "state.json")) as f:
            self.text = f.read()
        self.s = json.loads(self.text)
        return self.s

    def __exit__(self, *a):
        text = json.dumps(self.s)
        if text != self.text:  # reads leave the file alone
            tmp = os.path.join(self.d, "state.json.tmp")
            with open(tmp, "w") as f:
                f.write(text)
            os.rename(tmp, os.path.join(self.d, "state.json"))
        fcntl.flock(self.lock, fcntl.LOCK_UN)
        self.lock.close()


# ---- RouterOS ------------------------------------------------------------

class RosError(Exception):
    pass


def ros_time(s):
    """1d2h3m4s / 04:11:06 -> seconds."""
    if not s or s in ("none", "0s", "0"):
        return 0
    m = re.fullmatch(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", s)
    if m and any(m.groups()):
        w, d, h, mi, se = (int(x or 0) for x in m.groups())
        return w * 604800 + d * 86400 + h * 3600 + mi * 60 + se
    raise RosError("invalid value for argument limit-uptime")


def ros_mac(v):
    """A MAC as RouterOS takes it; its error otherwise."""
    if not re.fullmatch(r"[0-9A-Fa-f]{2}([:-]?)[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}", v):
        raise RosError("invalid value of mac-address, mac address required")
    h = re.sub(r"[:-]", "", v).upper()
    return ":".join(h[i:i + 2] for i in range(0, 12, 2))


def script_time(secs):
    """What :put prints for a time value: [Nw][Nd]HH:MM:SS."""
    w, secs = divmod(int(secs), 604800)
    d, secs = divmod(secs, 86400)
    h, secs = divmod(secs, 3600)
    m, s = divmod(secs, 60)
    return (f"{w}w" if w else "") + (f"{d}d" if d else "") + f"{h:02d}:{m:02d}:{s:02d}"


def compact_time(secs):
    secs = int(secs)
    out = ""
    for unit, n in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if secs >= n:
            out += f"{secs // n}{unit}"
            secs %= n
    return out or "0s"


def group(n, v7):
    s = str(int(n))
    if not v7:
        return s
    out = ""
    while len(s) > 3:
        out = " " + s[-3:] + out
        s = s[:-3]
    return s + out


ROS_ESCAPES = {'"': '"', "\\": "\\", "$": "$", "?": "?", "_": " ", "a": "\a", "b": "\b", "f": "\f",
               "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def unquote(v):
    """A RouterOS string literal's value: \\XX (capital hex) and the escapes of
    Manual:Scripting; an unquoted word as it is."""
    if not (len(v) >= 2 and v[0] == '"' and v[-1] == '"'):
        return v
    out, i, body = "", 0, v[1:-1]
    while i < len(body):
        c = body[i]
        if c == "$":
            raise RosError("syntax error (unescaped $ in a string)")
        if c != "\\":
            out += c
            i += 1
        elif re.fullmatch(r"[0-9A-F]{2}", body[i + 1:i + 3]):
            out += chr(int(body[i + 1:i + 3], 16))
            i += 3
        elif body[i + 1:i + 2] in ROS_ESCAPES:
            out += ROS_ESCAPES[body[i + 1]]
            i += 2
        else:
            raise RosError("syntax error (bad escape in a string)")
    return out


def split_top(s, seps):
    """Split s at top-level separators (outside quotes, [], {}, ())."""
    out, depth, cur, q, i = [], 0, "", False, 0
    while i < len(s):
        c = s[i]
        if q:
            cur += c
            if c == "\\" and i + 1 < len(s):
                cur += s[i + 1]
                i += 1
            elif c == '"':
                q = False
        elif c == '"':
            q = True
            cur += c
        elif c in "[{(":
            depth += 1
            cur += c
        elif c in "]})":
            depth -= 1
            cur += c
        elif c in seps and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    out.append(cur)
    return [x.strip() for x in out if x.strip()]


def args_of(words):
    kv = {}
    for w in words:
        if "=" not in w:
            raise RosError(f"expected end of command (line 1 column 1)")
        k, v = w.split("=", 1)
        kv[k] = unquote(v)
    return kv


def matching(s, start):
    """Index of the bracket closing the one at s[start]."""
    pairs = {"[": "]", "{": "}", "(": ")"}
    depth, q, i = 0, False, start
    while i < len(s):
        c = s[i]
        if q:
            if c == "\\":
                i += 1
            elif c == '"':
                q = False
        elif c == '"':
            q = True
        elif c in pairs:
            depth += 1
        elif c in pairs.values():
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise RosError("syntax error (line 1 column %d)" % (start + 1))


def matching_quote(s):
    """Index of the quote closing the literal that starts s, or -1."""
    i = 1
    while i < len(s):
        if s[i] == "\\":
            i += 2
            continue
        if s[i] == '"':
            return i
        i += 1
    return -1


class Ros:
    def __init__(self, st, out):
        self.st = st
        self.out = out
        self.v7 = st.get("version", 7) >= 7
        self.ix = {}  # table -> {name: [items]}, built on first use in a command

    def named(self, table, name):
        """The items of table called name. An index, so that a script of many
        users on a router holding thousands costs what RouterOS's does and
        not a scan per user (the push benchmark measures wisp, not this)."""
        if table not in self.ix:
            ix = {}
            for it in self.st[table]:
                ix.setdefault(str(it.get("name", "")), []).append(it)
            self.ix[table] = ix
        return self.ix[table].get(name, [])

    def added(self, table, item):
        self.st[table].append(item)
        if table in self.ix:
            self.ix[table].setdefault(str(item.get("name", "")), []).append(item)

    def find(self, table, sel):
        """[find name="X"] / [find user="X" mac-address="M"] -> matching items."""
        m = re.fullmatch(r"\[find(.*)\]", sel.strip())
        if not m:
            raise RosError("expected item id (line 1 column 12)")
        crit = args_of(split_top(m.group(1), " ")) if m.group(1).strip() else {}
        items = self.named(table, crit["name"]) if "name" in crit else self.st.setdefault(table, [])
        return [it for it in items if all(str(it.get(k, "")) == v for k, v in crit.items())]

    def user_cmd(self, words):
        st = self.st
        verb = words[0]
        if verb == "add":
            a = args_of(words[1:])
            if str(a.get("name")) in st.get("refuse", []):  # a test's broken router
                raise RosError("failure: could not add user")
            if self.named("users", str(a.get("name"))):
                raise RosError("failure: already have user with this name for this server")
            self.check_profile(a)
            u = {"name": a["name"], "password": a.get("password", ""), "profile": a.get("profile", "default"),
                 "limit-uptime": ros_time(a.get("limit-uptime", "0s")),
                 "limit-bytes-total": int(a.get("limit-bytes-total", "0")),
                 "mac-address": ros_mac(a.get("mac-address", "00:00:00:00:00:00")),
                 "server": a.get("server", "all"), "comment": a.get("comment", ""),
                 "disabled": a.get("disabled", "no") == "yes", "uptime": 0, "bytes-in": 0, "bytes-out": 0}
            self.added("users", u)
        elif verb in ("set", "remove", "reset-counters", "disable", "enable"):
            if len(words) < 2:
                raise RosError("expected item id (line 1 column 12)")
            found = self.find("users", words[1])
            if verb == "set":
                a = args_of(words[2:])
                self.check_profile(a)
                if "name" in a:
                    self.ix.pop("users", None)
                for u in found:
                    for k, v in a.items():
                        if k in ("limit-uptime",):
                            u[k] = ros_time(v)
                        elif k == "limit-bytes-total":
                            u[k] = int(v)
                        elif k == "disabled":
                            u[k] = v == "yes"
                        elif k == "mac-address":
                            u[k] = ros_mac(v)
                        else:
                            u[k] = v
            elif verb == "remove":
                gone = {id(u) for u in found}
                st["users"] = [u for u in st["users"] if id(u) not in gone]
                self.ix.pop("users", None)
            elif verb == "reset-counters":
                for u in found:
                    u["uptime"] = u["bytes-in"] = u["bytes-out"] = 0
            else:
                for u in found:
                    u["disabled"] = verb == "disable"
        elif verb == "print":
            self.print_users(words[1:])
        else:
            raise RosError(f"bad command name {verb} (line 1 column 20)")

    def table_cmd(self, table, words, make):
        """add / remove [find ...] / print on a simple menu (walled-garden,
        ip-binding, /radius): items are dicts of their properties."""
        items = self.st.setdefault(table, [])
        verb = words[0] if words else ""
        if verb == "add":
            items.append(make(args_of(words[1:])))
        elif verb == "remove":
            if len(words) < 2:
                raise RosError("expected item id (line 1 column 12)")
            gone = {id(x) for x in self.find(table, words[1])}
            self.st[table] = [x for x in items if id(x) not in gone]
        elif verb == "print":
            for i, x in enumerate(items):
                self.out.append(f"{i:2d}   " + " ".join(f"{k}={v}" for k, v in x.items()))
        else:
            raise RosError(f"bad command name {verb} (line 1 column 20)")

    def settings_cmd(self, key, words, defaults):
        """set / print on a menu of one item (/radius incoming, /ppp aaa)."""
        item = self.st.setdefault(key, dict(defaults))
        if words[:1] == ["set"]:
            a = args_of(words[1:])
            for k in a:
                if k not in defaults:
                    raise RosError(f"expected end of command (line 1 column {len(key)})")
            item.update(a)
        elif words[:1] == ["print"]:
            self.out.extend(f"  {k}: {v}" for k, v in item.items())
        else:
            raise RosError(f"bad command name {words[0] if words else ''} (line 1 column 20)")

    def garden_item(self, a):
        if "dst-host" not in a:
            raise RosError("failure: dst-host or dst-address required")
        return {k: a[k] for k in ("dst-host", "server", "comment") if k in a}

    def binding_item(self, a):
        if a.get("type", "regular") not in ("regular", "bypassed", "blocked"):
            raise RosError("input does not match any value of type")
        x = {"mac-address": ros_mac(a["mac-address"]), "type": a.get("type", "regular")}
        x.update({k: a[k] for k in ("server", "comment") if k in a})
        return x

    def radius_item(self, a):
        for k in a:
            if k not in ("service", "address", "secret", "authentication-port", "accounting-port",
                         "timeout", "comment", "src-address"):
                raise RosError(f"expected end of command (line 1 column 13)")
        for v in a.get("service", "").split(","):
            if v not in ("hotspot", "ppp", "login", "wireless", "dhcp", "ipsec", "dot1x"):
                raise RosError("input does not match any value of service")
        return a

    def hotspot_profile_cmd(self, words):
        profiles = self.st.setdefault("hotspot_profiles", [{"name": "hsprof1", "use-radius": "no"}])
        if words[:1] == ["set"] and len(words) >= 2:
            a = args_of(words[2:])
            for k in a:
                if k not in ("use-radius", "radius-accounting", "radius-interim-update", "login-by"):
                    raise RosError("expected end of command (line 1 column 30)")
            for p in self.find("hotspot_profiles", words[1]):
                p.update(a)
        elif words[:1] == ["print"]:
            for i, p in enumerate(profiles):
                self.out.append(f"{i:2d}   " + " ".join(f"{k}={v}" for k, v in p.items()))
        else:
            raise RosError("bad command name (line 1 column 20)")

    def check_profile(self, a):
        p = a.get("profile")
        if p is not None and p != "default" and not self.named("profiles", p):
            raise RosError("input does not match any value of profile")

    def print_users(self, opts):
        if "terse" not in opts:
            # a plain table is cut to an 80-column screen over exec
            self.out.append("Flags: X - disabled, D - dynamic")
            self.out.append(" #   SERVER           NAME         ADDRESS         PROFILE         UPTIME")
            for i, u in enumerate(self.st["users"]):
                n = u["name"] if len(u["name"]) <= 12 else u["name"][:9] + "..."
                self.out.append(f"{i:2d} {'X' if u['disabled'] else ' '}  {'':16} {n:12} {'':15} {u['profile']:15} "
                                f"{compact_time(u['uptime'])}")
            return
        for i, u in enumerate(self.st["users"]):
            q = (lambda v: v) if self.v7 else (lambda v: f'"{v}"')
            parts = []
            if u["comment"]:
                parts.append(f"comment={q(u['comment'])}")
            if u["server"] != "all":
                parts.append(f"server={u['server']}")
            parts.append(f"name={q(u['name'])}")
            if not self.v7:
                parts.append(f"password={q(u['password'])}")
            parts.append(f"profile={u['profile']}")
            if u["mac-address"] != "00:00:00:00:00:00":
                parts.append(f"mac-address={u['mac-address']}")
            if u["limit-uptime"]:
                parts.append(f"limit-uptime={compact_time(u['limit-uptime'])}")
            if u["limit-bytes-total"]:
                parts.append(f"limit-bytes-total={group(u['limit-bytes-total'], self.v7)}")
            parts.append(f"uptime={compact_time(u['uptime'])} bytes-in={group(u['bytes-in'], self.v7)} "
                         f"bytes-out={group(u['bytes-out'], self.v7)}")
            self.out.append(f"{i:2d} {'X' if u['disabled'] else ' '}  " + " ".join(parts))

    def active_cmd(self, words):
        if words[0] == "remove":
            found = self.find("active", words[1])
            for a in found:
                self.end_session(a)
        elif words[0] == "print":
            for i, a in enumerate(self.st["active"]):
                self.out.append(f"{i:2d}    server={a['server']} user={a['user']} address={a['address']} "
                                f"mac-address={a['mac-address']} uptime={compact_time(time.time() - a['since'])}")
        else:
            raise RosError(f"bad command name {words[0]} (line 1 column 19)")

    def end_session(self, a):
        self.st["active"].remove(a)
        for u in self.st["users"]:
            if u["name"] == a["user"]:
                u["uptime"] += int(time.time() - a["since"])
                u["bytes-in"] += a["bytes-in"]
                u["bytes-out"] += a["bytes-out"]

    def get(self, a, field):
        now = time.time()
        if field == "uptime":
            return script_time(now - a["since"])
        if field == "session-time-left":
            u = next((u for u in self.st["users"] if u["name"] == a["user"]), None)
            if u and u["limit-uptime"]:
                return script_time(max(0, u["limit-uptime"] - u["uptime"] - (now - a["since"])))
            return ""
        return str(a.get(field, ""))

    def foreach(self, stmt):
        m = re.fullmatch(r':foreach i in=\[/ip hotspot (active|user) find( (server|comment)=("(?:[^"\\]|\\.)*"))?\] '
                         r'do=\{:put \((.*)\)\}', stmt, re.S)
        if not m:
            raise RosError("syntax error (line 1 column 10)")
        menu, key = m.group(1), m.group(3)
        want = unquote(m.group(4)) if m.group(4) else None
        pieces = split_top(m.group(5), ".")
        for a in list(self.st["active" if menu == "active" else "users"]):
            if want is not None and str(a.get(key, "")) != want:
                continue
            line = ""
            for p in pieces:
                g = re.fullmatch(r'\[/ip hotspot (active|user) get \$i ([a-z-]+)\]', p)
                if g and g.group(1) != menu:
                    raise RosError("syntax error (line 1 column 40)")
                if g and menu == "user":
                    line += str(a.get(g.group(2), ""))
                elif g:
                    line += self.get(a, g.group(2))
                elif p.startswith('"'):
                    line += unquote(p)
                else:
                    raise RosError("syntax error (line 1 column 40)")
            self.out.append(line)

    def cond(self, stmt):
        m = re.fullmatch(r':if \(\[:len \[(/ip hotspot user(?: profile)?) find name=("(?:[^"\\]|\\.)*")\]\] = 0\) '
                         r'do=\{(.*)\}', stmt, re.S)
        if not m:
            raise RosError("syntax error (line 1 column 5)")
        table = "profiles" if m.group(1).endswith("profile") else "users"
        name = unquote(m.group(2))
        if not self.named(table, name):
            self.run(m.group(3))

    def stmt(self, s):
        s = s.strip()
        if s.startswith(":do {"):
            end = matching(s, 4)
            body, rest = s[5:end], s[end + 1:].strip()
            m = re.fullmatch(r"on-error=\{(.*)\}", rest, re.S)
            if not m:
                raise RosError("syntax error (line 1 column %d)" % (end + 2))
            saved = list(self.out)
            try:
                self.run(body)
            except RosError:
                self.out[:] = saved
                self.run(m.group(1))
        elif s.startswith(":if "):
            self.cond(s)
        elif s.startswith(":foreach "):
            self.foreach(s)
        elif s.startswith(":put "):
            arg = s[5:].strip()
            if arg.startswith("[") and arg.endswith("]"):  # :put [command]: runs it
                self.run(arg[1:-1])
            elif arg.startswith('"') and matching_quote(arg) == len(arg) - 1:
                self.out.append(unquote(arg))
            else:
                raise RosError("syntax error (line 1 column 6)")
        elif s == "/system reboot":  # what an injection would do: recorded, never wanted
            self.st.setdefault("ran", []).append(s)
            self.out.append("Reboot, yes? [y/N]:")
        elif s in ("/user print", "/user print without-paging"):
            self.st.setdefault("ran", []).append(s)
            self.out.append("Flags: X - disabled\r\n 0   ;;; system default user\r\n     name=\"admin\" group=full")
        elif s.startswith("/ip hotspot walled-garden "):
            self.table_cmd("garden", split_top(s[len("/ip hotspot walled-garden "):], " "), self.garden_item)
        elif s.startswith("/ip hotspot ip-binding "):
            self.table_cmd("bindings", split_top(s[len("/ip hotspot ip-binding "):], " "), self.binding_item)
        elif s.startswith("/radius incoming "):
            self.settings_cmd("radius_incoming", split_top(s[len("/radius incoming "):], " "),
                              {"accept": "no", "port": "1700"})
        elif s.startswith("/radius "):
            self.table_cmd("radius", split_top(s[len("/radius "):], " "), self.radius_item)
        elif s.startswith("/ip hotspot profile "):
            self.hotspot_profile_cmd(split_top(s[len("/ip hotspot profile "):], " "))
        elif s.startswith("/ppp aaa "):
            self.settings_cmd("ppp_aaa", split_top(s[len("/ppp aaa "):], " "),
                              {"use-radius": "no", "accounting": "yes", "interim-update": "0s"})
        elif s.startswith("/ip hotspot user profile add "):
            a = args_of(split_top(s[len("/ip hotspot user profile add "):], " "))
            self.added("profiles", {"name": a["name"], "rate-limit": a.get("rate-limit", ""),
                                    "shared-users": a.get("shared-users", "1")})
        elif s.startswith("/ip hotspot user "):
            self.user_cmd(split_top(s[len("/ip hotspot user "):], " "))
        elif s.startswith("/ip hotspot active "):
            self.active_cmd(split_top(s[len("/ip hotspot active "):], " "))
        elif s == "/system identity print":
            self.out.append(f"  name: {self.st['identity']}")
        elif s in ("/system resource print", "/system resource print without-paging"):
            self.resource()
        else:
            word = s.split()[0] if s.split() else s
            raise RosError(f"bad command name {word.strip('/')} (line 1 column 2)")

    def run(self, script):
        for s in split_top(script, ";\n"):
            self.stmt(s)

    def resource(self):
        up = int(time.time() - self.st["booted"])
        rows = [("uptime", compact_time(up)), ("version", self.st["ver"]),
                ("build-time", "Aug/31/2023 13:55:47"), ("free-memory", "94.2MiB"),
                ("total-memory", "224.0MiB"), ("cpu", "ARM"), ("cpu-count", "2"),
                ("cpu-frequency", "800MHz"), ("cpu-load", f"{self.st['cpu']}%"),
                ("free-hdd-space", "93.5MiB"), ("total-hdd-space", "128.5MiB"),
                ("architecture-name", "arm"), ("board-name", "hAP ax lite"), ("platform", "MikroTik")]
        rows = [(k, self.st.get("resource", {}).get(k, v)) for k, v in rows]
        if self.v7:
            self.out.extend(f"{k}: {v}" for k, v in rows)
        else:
            self.out.extend(f"{k:>25}: {v}" for k, v in rows)


def serve_routeros(d, cmd):
    """Run cmd on router d: (exit status, output)."""
    with State(d) as st:
        mode = st.get("mode", "normal")
        if mode == "garbage":
            return 0, "\x1b[9999;1H\x07%%%% Cisco IOS says hello %%%%\r\n???\r\n"
        out = []
        r = Ros(st, out)
        try:
            r.run(cmd)
        except RosError as e:  # like RouterOS: the error as text, exit status 0
            out.append(str(e))
        if st.get("log_line"):
            out.insert(len(out) // 2, "17:20:06 echo: system,error,critical login failure for user admin from "
                                      "65.160.140.13 via ssh")
    if mode == "hang":
        open(os.path.join(d, "hanging"), "w").close()  # tests wait for a hang under way
        time.sleep(60)
    return 0, "".join(line + "\r\n" for line in out)


# ---- openNDS ---------------------------------------------------------------

def nds_json(st):
    now = int(time.time())
    lines = ['{', f'  "client_list_length":"{len(st["clients"])}",', '  "clients":{']
    for i, c in enumerate(st["clients"]):
        f = [("gatewayname", "openNDS"), ("gatewayaddress", "192.168.1.1:2050"), ("gatewayfqdn", "status.client"),
             ("version", "10.3.1"), ("client_type", "cpd_can"), ("mac", c["mac"]), ("ip", c["ip"]),
             ("clientif", "br-lan"), ("session_start", str(c["start"])),
             ("session_end", str(c["end"]) if c["end"] else "null"), ("last_active", str(now)),
             ("token", "3b45fdfb"), ("state", c["state"]), ("custom", "none"),
             ("download_rate_limit_threshold", "null"), ("download_packet_rate", "null"),
             ("download_bucket_size", "null"), ("upload_rate_limit_threshold", "null"),
             ("upload_packet_rate", "null"), ("upload_bucket_size", "null"), ("download_quota", "null"),
             ("upload_quota", "null"), ("download_this_session", str(c["down"] // 1024)),
             ("download_session_avg", "69.53"), ("upload_this_session", str(c["up"] // 1024)),
             ("upload_session_avg", "7.53")]
        if st.get("mode") == "legacy":
            f = [("id", "1"), ("ip", c["ip"]), ("mac", c["mac"]), ("added", str(c["start"])),
                 ("active", str(now)), ("duration", "355"), ("token", "7a4b1739"), ("state", c["state"]),
                 ("downloaded", str(c["down"] // 1000)), ("avg_down_speed", "69.53"),
                 ("uploaded", str(c["up"] // 1000)), ("avg_up_speed", "7.53")]
        lines.append(f'    "{c["mac"]}":{{')
        lines.extend(f'      "{k}":"{v}"' + ("," if j < len(f) - 1 else "") for j, (k, v) in enumerate(f))
        lines.append("    }," if i < len(st["clients"]) - 1 else "    }")
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def ndsctl(d, args):
    with State(d) as st:
        if st.get("mode") == "badjson" and args[:1] == ["json"]:
            print("ndsctl thread is busy, please try later.")
            return 4
        if args[:1] == ["json"]:
            sys.stdout.write(nds_json(st))
            return 0
        if args[:1] == ["status"]:
            print("==================\nopenNDS Status\n====\nVersion: 10.3.1\nUptime: 2d 3h 4m 5s")
            return 0
        if args[:1] in (["trust"], ["untrust"]) and len(args) == 2:
            t = st.setdefault("trusted", [])
            mac = args[1].lower()
            if args[0] == "trust" and mac not in t:
                t.append(mac)
                print(f"MAC {args[1]} trusted.")
                return 0
            if args[0] == "untrust" and mac in t:
                t.remove(mac)
                print(f"MAC {args[1]} untrusted.")
                return 0
            print(f"Failed to {args[0]} MAC {args[1]}.")
            return 1
        if args[:1] == ["deauth"] and len(args) == 2:
            c = next((c for c in st["clients"] if c["mac"].lower() == args[1].lower()), None)
            if not c:
                print(f"Client {args[1]} not found.")
                return 1
            st["clients"].remove(c)
            print(f"Client {args[1]} deauthenticated.")
            return 0
        sys.stderr.write(f"Unknown command: {args[0] if args else ''}\n")
        return 1


def uci(d, args):
    """OpenWrt's uci, for the one list wisp touches: opennds.@opennds[0].trustedmac."""
    key = "opennds.@opennds[0].trustedmac"
    q = args[:1] == ["-q"]
    args = args[1:] if q else args
    with State(d) as st:
        lst = st.setdefault("uci_trustedmac", [])
        if args[:1] in (["add_list"], ["del_list"]) and len(args) == 2 and args[1].startswith(key + "="):
            v = args[1][len(key) + 1:]
            if args[0] == "add_list":
                lst.append(v)
            elif v in lst:
                st["uci_trustedmac"] = [x for x in lst if x != v]
            elif not q:
                print("uci: Entry not found", file=sys.stderr)
                return 1
            return 0
        if args == ["commit", "opennds"]:
            st["uci_committed"] = list(st.get("uci_trustedmac", []))
            return 0
        if args == ["get", key]:
            if not lst:
                return 1
            print(" ".join(lst))
            return 0
        print("uci: Invalid argument", file=sys.stderr)
        return 1


def serve_opennds(d, cmd):
    """Run cmd in /bin/sh as the router would: (exit status, output)."""
    import subprocess
    st = load(d)
    if st.get("mode") == "garbage":
        return 139, "Segmentation fault\n\x00\x01garbage\n"
    if st.get("mode") == "hang":
        time.sleep(60)
    bindir = os.path.join(d, "bin")
    cmd = cmd.replace("/tmp/ndslog/", os.path.join(d, "ndslog") + "/").replace("/tmp/ndslog",
                                                                              os.path.join(d, "ndslog"))
    cmd = cmd.replace("/etc/wisp-trusted", os.path.join(d, "wisp-trusted"))  # OpenWrt's flash
    env = dict(os.environ, PATH=bindir + ":/usr/bin:/bin")
    p = subprocess.run(["/bin/sh", "-c", cmd], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def serve(d, cmd):
    # every command exactly as sshd handed it over, one JSON line each
    with open(os.path.join(d, "commands.log"), "a") as f:
        f.write(json.dumps({"t": time.time(), "cmd": cmd}) + "\n")
    st = load(d)
    rc, out = (serve_routeros if st["kind"] == "routeros" else serve_opennds)(d, cmd)
    if st.get("delay_ms"):  # after the router's lock is released
        time.sleep(st["delay_ms"] / 1000)
    return rc, out


def daemon(port):
    """Answer simclient.sh on 127.0.0.1:PORT: "DIR\nLEN\nCOMMAND" in,
    "STATUS\nOUTPUT" out. One process for every router, so an exec costs what
    sshd costs and not a Python start (a real router answers in milliseconds)."""
    import socketserver

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            d = self.rfile.readline().decode().strip()
            n = int(self.rfile.readline().decode().strip() or "0")
            cmd = self.rfile.read(n).decode("utf-8", "replace")
            try:
                rc, out = serve(d, cmd)
            except Exception as e:  # a bug in the simulator, not a router's answer
                rc, out = 255, f"routersim: {e}\n"
            self.wfile.write(f"{rc}\n".encode() + out.encode("utf-8", "replace"))

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 256

    with Server(("127.0.0.1", int(port)), Handler) as srv:
        srv.serve_forever()


# ---- admin (tests) ---------------------------------------------------------

def admin(d, args):
    cmd, rest = args[0], args[1:]
    kind = load(d)["kind"]
    with State(d) as st:
        if cmd == "mode":
            st["mode"] = rest[0]
        elif cmd == "refuse":  # adding these users fails ("refuse" alone: none)
            st["refuse"] = rest
        elif cmd == "delay":
            st["delay_ms"] = int(rest[0])
        elif cmd == "login-all" and kind == "routeros":
            online = {a["user"] for a in st["active"]}
            left = int(rest[0]) if rest else len(st["users"])
            for u in st["users"]:
                if left <= 0:
                    break
                if u["name"] in online or u["disabled"]:
                    continue
                n = len(st["active"]) + 1
                st["active"].append({"server": "hotspot1", "user": u["name"],
                                     "address": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
                                     "mac-address": "02:00:00:%02X:%02X:%02X" % (n >> 16 & 255, n >> 8 & 255, n & 255),
                                     "since": time.time(), "bytes-in": 0, "bytes-out": 0})
                left -= 1
        elif cmd == "resource":
            st.setdefault("resource", {})[rest[0]] = rest[1]
        elif cmd == "log-line":
            st["log_line"] = rest[0] == "on"
        elif cmd == "users":
            print(json.dumps(st["users"] if kind == "routeros" else roll(d)))
        elif cmd == "active":
            print(json.dumps(st["active"] if kind == "routeros" else st["clients"]))
        elif cmd == "adduser" and kind == "routeros":  # what someone else put on the router
            st["users"].append({"name": rest[0], "password": "", "profile": "default", "limit-uptime": 0,
                                "limit-bytes-total": 0, "mac-address": "00:00:00:00:00:00", "server": "all",
                                "comment": rest[1] if len(rest) > 1 else "", "disabled": False,
                                "uptime": 0, "bytes-in": 0, "bytes-out": 0})
        elif cmd == "adduser":
            write_roll(d, roll(d) + [[rest[0], "0", "0", "0", "0", "60", "0"]])
        elif cmd == "access" and kind == "routeros":
            print(json.dumps({"garden": st.get("garden", []), "bindings": st.get("bindings", [])}))
        elif cmd == "access":
            try:
                with open(os.path.join(d, "wisp-trusted")) as f:
                    mine = f.read().split()
            except FileNotFoundError:
                mine = []
            print(json.dumps({"uci": st.get("uci_committed", []), "ndsctl": st.get("trusted", []),
                              "wisp": mine}))
        elif cmd == "radius":
            print(json.dumps({k: st.get(k) for k in ("radius", "radius_incoming", "hotspot_profiles",
                                                      "ppp_aaa")}))
        elif cmd == "profiles":
            print(json.dumps(st["profiles"]))
        elif cmd == "ran":  # the commands an injection would have run
            print(json.dumps(st.get("ran", [])))
        elif cmd == "commands":  # every command received, in order
            try:
                with open(os.path.join(d, "commands.log")) as f:
                    print(json.dumps([json.loads(x)["cmd"] for x in f]))
            except FileNotFoundError:
                print("[]")
        elif cmd == "login" and kind == "routeros":
            user, mac, ip = rest
            u = next((u for u in st["users"] if u["name"] == user), None)
            if not u:
                sys.exit("login refused: invalid username or password")
            if u["disabled"]:
                sys.exit("login refused: user is disabled")
            if u["mac-address"] != "00:00:00:00:00:00" and u["mac-address"].upper() != mac.upper():
                sys.exit("login refused: your MAC address is not allowed")
            if u["limit-uptime"] and u["uptime"] >= u["limit-uptime"]:
                sys.exit("login refused: user has reached uptime limit")
            st["active"].append({"server": "hotspot1", "user": user, "address": ip, "mac-address": mac.upper(),
                                 "since": time.time() - float(os.environ.get("SIM_AGO", "0")),
                                 "bytes-in": 0, "bytes-out": 0})
        elif cmd == "login":  # openNDS theme_voucher
            code, mac, ip = rest
            lines = roll(d)
            now = int(time.time())
            line = next((x for x in lines if x[0] == code), None)
            if not re.fullmatch(r"[a-zA-Z0-9-]{9}", code) or not line:
                sys.exit("login refused: no such voucher")
            first = int(line[6])
            if first == 0:
                first = now
                line[6] = str(now)
                write_roll(d, lines)
            left = first + int(line[5]) * 60 - now
            if left <= 0:
                sys.exit("login refused: voucher expired")
            st["clients"].append({"mac": mac.lower(), "ip": ip, "start": now, "end": now + left,
                                  "state": "Authenticated", "down": 0, "up": 0})
            with open(os.path.join(d, "ndslog", "ndslog.log"), "a") as f:
                f.write(f"{time.strftime('%a %b %d %H:%M:%S %Y')}, theme_voucher - {code}, "
                        f"status=Client {mac.lower()} authenticated., mac={mac.lower()}, ip={ip}, "
                        f"client_type=cpd_can, cpi_query=, zone=LocalZone, ua=Mozilla\n")
        elif cmd == "traffic":
            user, bin_, bout = rest
            for a in (st["active"] if kind == "routeros" else st["clients"]):
                if kind == "routeros" and a["user"] == user:
                    a["bytes-in"] += int(bin_)
                    a["bytes-out"] += int(bout)
                elif kind == "opennds" and a["mac"] == user.lower():
                    a["up"] += int(bin_)
                    a["down"] += int(bout)
        elif cmd == "counters":
            user, bin_, bout = rest
            for a in (st["active"] if kind == "routeros" else st["clients"]):
                if kind == "routeros" and a["user"] == user:
                    a["bytes-in"], a["bytes-out"] = int(bin_), int(bout)
                elif kind == "opennds" and a["mac"] == user.lower():
                    a["up"], a["down"] = int(bin_), int(bout)
        elif cmd == "logout":
            if kind == "routeros":
                for a in [a for a in st["active"] if a["user"] == rest[0]]:
                    Ros(st, []).end_session(a)
            else:
                st["clients"] = [c for c in st["clients"] if c["mac"] != rest[0].lower()]
        else:
            sys.exit(f"routersim: unknown admin command {cmd}")
    return 0


def roll(d):
    try:
        with open(os.path.join(d, "ndslog", "vouchers.txt")) as f:
            return [ln.strip().split(",") for ln in f if ln.strip()]
    except FileNotFoundError:
        return []


def write_roll(d, lines):
    with open(os.path.join(d, "ndslog", "vouchers.txt"), "w") as f:
        f.write("".join(",".join(x) + "\n" for x in lines))


def init(d, kind, opts):
    os.makedirs(os.path.join(d, "bin"), exist_ok=True)
    os.makedirs(os.path.join(d, "ndslog"), exist_ok=True)
    version = int(opts.get("--version", "7"))
    st = {"kind": kind, "version": version, "identity": opts.get("--identity", os.path.basename(d)),
          "ver": "7.11.2 (stable)" if version >= 7 else "6.48.6 (long-term)", "booted": time.time() - 93784,
          "cpu": 3, "mode": "normal", "users": [], "profiles": [], "active": [], "clients": []}
    with open(os.path.join(d, "state.json"), "w") as f:
        json.dump(st, f)
    with open(os.path.join(d, "bin", "ndsctl"), "w") as f:
        f.write(f'#!/bin/sh\nexec /usr/bin/python3 {os.path.abspath(__file__)} ndsctl {d} "$@"\n')
    os.chmod(os.path.join(d, "bin", "ndsctl"), 0o755)
    with open(os.path.join(d, "bin", "uci"), "w") as f:
        f.write(f'#!/bin/sh\nexec /usr/bin/python3 {os.path.abspath(__file__)} uci {d} "$@"\n')
    os.chmod(os.path.join(d, "bin", "uci"), 0o755)
    return 0


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    verb, d = argv[1], argv[2]
    if verb == "serve":
        rc, out = serve(d, os.environ.get("SSH_ORIGINAL_COMMAND", ""))
        sys.stdout.write(out)
        return rc
    if verb == "daemon":
        return daemon(d)
    if verb == "ndsctl":
        return ndsctl(d, argv[3:])
    if verb == "uci":
        return uci(d, argv[3:])
    if verb == "init-many":
        for x in argv[3:]:
            init(x, d, {})
        return 0
    if verb == "init":
        opts = dict(zip(argv[4::2], argv[5::2]))
        return init(d, argv[3], opts)
    if verb == "admin":
        return admin(d, argv[3:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
