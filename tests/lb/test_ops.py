#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Operating the real dsrlb (docs/operations.md).

1. Prometheus metrics: [general] metrics = 127.0.0.1:PORT; while net_pcap
   replays established flows forever, curl scrapes /metrics; the values
   agree with the console's, a live change shows in the backend state,
   and Prometheus's own `promtool check metrics` accepts the page.
2. Control-change log: every change made through the control socket is
   one user.dsrlb.console line naming the peer (uid, pid from
   SO_PEERCRED), the command and its result; a --cmdline-file change
   names the script.
3. A bad metrics address is refused with file:line and nothing starts;
   without the key nothing listens.
4. The control socket is owner/group only (0660) by default;
   --ctl-socket-mode and --ctl-socket-group set it, bad values are
   refused with a clear error and nothing starts; run as root, another
   user outside the group cannot connect.

usage: test_ops.py DSRLB DSRLB_CTL EAL_MEM_ARGS_SH WORKDIR
Prints TAP.
"""
import grp
import os
import re
import stat
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from tap import check, plan  # noqa: E402
from lbtest import v4  # noqa: E402
from scapy.all import TCP, Ether, wrpcap  # noqa: E402

DSRLB, CTL, MEMARGS, WORK = sys.argv[1:5]


CONFIG = """
[general]
auth_key = 0123456789abcdef0123456789abcdef
flow_capacity = 8192
idle_sleep_us = 200
chash_seed = 7
{metrics}

[port wire]
dev = net_pcap0
role = both
ipv4 = 10.0.0.1/24

[neighbours]
10.0.0.2 = 02:00:00:00:00:02
10.0.0.11 = 02:00:00:00:00:11
10.0.0.12 = 02:00:00:00:00:12
10.0.0.13 = 02:00:00:00:00:13

[vip mg]
address = 10.0.0.100
port = 80
mode = maglev
probe_every = 0
backend.s1 = 10.0.0.11
backend.s2 = 10.0.0.12
"""


def memargs(mb=256):
    return subprocess.run([MEMARGS, str(mb)], capture_output=True,
                          text=True).stdout.split()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def flows_pcap(path, n):
    pk = []
    for k in range(n):
        for flags in ("S", "A"):
            pk.append(Ether(v4("10.0.0.2", "10.0.0.100",
                               TCP(sport=20000 + k, dport=80, flags=flags,
                                   seq=1), smac=2)))
    wrpcap(path, pk)


def ctl(sock, *cmd):
    r = subprocess.run([CTL, "-s", sock] + list(cmd), capture_output=True,
                       text=True, timeout=30)
    return r.returncode, r.stdout


def scrape(port, path="/metrics"):
    r = subprocess.run(["curl", "-s", "-S", "-m", "10", "-w",
                        "\n%{http_code} %{content_type}",
                        "http://127.0.0.1:%d%s" % (port, path)],
                       capture_output=True, text=True, timeout=20)
    body, _, status = r.stdout.rpartition("\n")
    return r.returncode, status, body


def samples(text):
    """{(name, frozenset(labels)): value} of an exposition page."""
    out = {}
    rx = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = rx.match(line)
        if m is None:
            out[("UNPARSED", line)] = 0
            continue
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"',
                                      m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def get(s, name, **labels):
    return s.get((name, frozenset(labels.items())))


def running():
    d = os.path.join(WORK, "metrics")
    os.makedirs(d, exist_ok=True)
    port = free_port()
    cfg = os.path.join(d, "dsrlb.ini")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(metrics="metrics = 127.0.0.1:%d" % port))
    inp = os.path.join(d, "in.pcap")
    flows_pcap(inp, 100)
    sock = os.path.join(d, "ctl.sock")
    prefix = "dsrlbops%d" % os.getpid()
    mem = [a for a in memargs(128) if a not in ("--no-shconf",)]
    logpath = os.path.join(d, "log")
    log = open(logpath, "w")
    p = subprocess.Popen([DSRLB] + mem + [
        "--file-prefix", prefix, "--no-pci", "-l", "0",
        "--log-level=lib.eal:warning",
        "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1,tx_pcap=/dev/null" %
        inp, "--", "--config", cfg, "--ctl-socket", sock],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.1)
        time.sleep(0.5)
        st = os.stat(sock)
        check(stat.S_ISSOCK(st.st_mode) and
              stat.S_IMODE(st.st_mode) == 0o660,
              "control socket: owner and group only (0660) by default",
              oct(st.st_mode))
        rc, status, body = scrape(port)
        check(rc == 0 and status.startswith("200 text/plain; "
                                            "version=0.0.4"),
              "metrics: GET /metrics answers 200 in the text format 0.0.4",
              status)
        s = samples(body)
        check(not any(k[0] == "UNPARSED" for k in s),
              "metrics: every sample line parses",
              [k for k in s if k[0] == "UNPARSED"][:5])
        check(get(s, "dsrlb_workers") == 1 and
              get(s, "dsrlb_build_info", version="0.1.0") == 1,
              "metrics: workers and version")
        rx = get(s, "dsrlb_rx_frames_total", lcore="0") or 0
        txb = get(s, "dsrlb_tx_frames_total", lcore="0", kind="backend")
        check(rx > 1000 and txb is not None and txb > 1000,
              "metrics: frames received and sent to backends per lcore "
              "(%d, %s)" % (rx, txb))
        check(get(s, "dsrlb_drops_total", lcore="0",
                  reason="unknown_vip") == 0 and
              get(s, "dsrlb_drops_total", lcore="0",
                  reason="tx_queue_full") is not None,
              "metrics: drops by reason, the driver's own among them")
        check(get(s, "dsrlb_flows", lcore="0") == 100 and
              get(s, "dsrlb_flow_table_capacity", lcore="0") >= 8192,
              "metrics: flow-table occupancy 100 of its capacity")
        check(get(s, "dsrlb_vip_flows_total", vip="mg") == 100 and
              (get(s, "dsrlb_vip_packets_total", vip="mg") or 0) > 1000,
              "metrics: per-VIP counters")
        f1 = get(s, "dsrlb_backend_flows_total", vip="mg", backend="s1")
        f2 = get(s, "dsrlb_backend_flows_total", vip="mg", backend="s2")
        check(f1 is not None and f2 is not None and f1 + f2 == 100,
              "metrics: per-backend flows sum to 100 (%s + %s)" % (f1, f2))
        check(get(s, "dsrlb_vip_info", vip="mg", address="10.0.0.100",
                  port="80", proto="tcp", policy="maglev",
                  transport="l2") == 1 or
              any(k[0] == "dsrlb_vip_info" and ("vip", "mg") in k[1] and
                  ("policy", "maglev") in k[1] for k in s),
              "metrics: VIP info with its policy")
        check(get(s, "dsrlb_backend_state", vip="mg", backend="s1",
                  state="active") == 1 and
              get(s, "dsrlb_backend_state", vip="mg", backend="s1",
                  state="drained") == 0,
              "metrics: backend state s1 active")
        # passive health (maglev VIP: no requests, so every backend is up)
        check(get(s, "dsrlb_backend_health", vip="mg", backend="s1",
                  state="up") == 1 and
              get(s, "dsrlb_backend_health", vip="mg", backend="s1",
                  state="down") == 0 and
              get(s, "dsrlb_backend_health_downs_total", vip="mg",
                  backend="s2") == 0,
              "metrics: passive health of s1 up, s2 never down")
        # no VIP with announce = bgp: the appliance's own state only
        check(get(s, "dsrlb_appliance_drained") == 0 and
              get(s, "dsrlb_announce_changes_total",
                  change="announce") == 0,
              "metrics: announcement state (appliance not drained)")
        sh1 = get(s, "dsrlb_backend_table_share", vip="mg", backend="s1")
        sh2 = get(s, "dsrlb_backend_table_share", vip="mg", backend="s2")
        check(sh1 is not None and abs(sh1 + sh2 - 1) < 1e-3,
              "metrics: table shares sum to 1 (%s, %s)" % (sh1, sh2))
        check((get(s, "dsrlb_port_rx_packets_total", port="wire") or 0)
              >= rx and get(s, "dsrlb_port_info", port="wire",
                            dev="net_pcap0", role="both") == 1,
              "metrics: per-port counters")
        # the console's view agrees with the endpoint's
        rc, out = ctl(sock, "show backends mg")
        flows = {}
        for line in out.splitlines()[1:]:
            f = line.split()
            if len(f) >= 8:
                flows[f[0]] = int(f[6])
        check(flows == {"s1": f1, "s2": f2},
              "metrics: per-backend flows as the console shows them",
              "%s vs %s %s" % (flows, f1, f2))
        # promtool, Prometheus's own checker
        mpath = os.path.join(d, "metrics.txt")
        with open(mpath, "w") as f:
            f.write(body)
        r = subprocess.run(["promtool", "check", "metrics"],
                           stdin=open(mpath), capture_output=True,
                           text=True)
        check(r.returncode == 0 and not r.stdout.strip() and
              not r.stderr.strip(),
              "metrics: promtool check metrics is silent",
              r.stdout[-1500:] + r.stderr[-1500:])
        # a live change shows, and is logged with its peer
        rc, out = ctl(sock, "backend drain mg s1")
        check(rc == 0, "control: s1 drained", out)
        rc, out = ctl(sock, "backend weight mg s2 abc")
        check(rc == 1, "control: a bad weight is refused", out)
        time.sleep(0.3)
        rc, status, body2 = scrape(port)
        s2 = samples(body2)
        check(get(s2, "dsrlb_backend_state", vip="mg", backend="s1",
                  state="drained") == 1 and
              get(s2, "dsrlb_state_generation") >
              get(s, "dsrlb_state_generation") and
              get(s2, "dsrlb_rx_frames_total", lcore="0") > rx,
              "metrics: the drain shows, generation and counters moved")
        rc, status, _ = scrape(port, "/nosuch")
        check(status.startswith("404"), "metrics: other paths are 404",
              status)
    finally:
        p.send_signal(2)
        try:
            rc = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = -1
        log.close()
    out = open(logpath).read()
    check(rc == 0, "metrics: dsrlb stops cleanly on SIGINT", out[-1500:])
    uid = os.getuid()
    check("dsrlb: metrics: serving http://127.0.0.1:%d/metrics" % port
          in out, "log: the endpoint is announced")
    want = ('dsrlb: control: socket uid %d pid ' % uid)
    lines = [ln for ln in out.splitlines() if want in ln]
    check(any('"backend drain mg s1": ok: vip mg: backend s1' in ln
              for ln in lines),
          "log: the drain is one line with the peer's uid and the result",
          "\n".join(lines) or out[-1500:])
    check(any('"backend weight mg s2 abc": refused: error: backend '
              "weight: 'abc' is not 0..1000" in ln for ln in lines),
          "log: the refused change is one line with its error",
          "\n".join(lines))
    check(not any('"show backends mg"' in ln for ln in lines),
          "log: reads are not logged at the default level")


def scripted_and_refused():
    d = os.path.join(WORK, "refused")
    os.makedirs(d, exist_ok=True)
    inp = os.path.join(d, "in.pcap")
    flows_pcap(inp, 2)
    for bad in ("127.0.0.1", "::1:9180", "127.0.0.1:70000"):
        cfg = os.path.join(d, "bad.ini")
        with open(cfg, "w") as f:
            f.write(CONFIG.format(metrics="metrics = " + bad))
        r = subprocess.run([DSRLB, "--check-config", cfg],
                           capture_output=True, text=True, timeout=30)
        line = 1 + CONFIG.format(metrics="@").split("\n").index("@")
        check(r.returncode != 0 and
              ("%s:%d:" % (cfg, line)) in r.stderr and
              "[general] metrics: '%s'" % bad in r.stderr,
              "config: metrics = %s refused at file:line" % bad, r.stderr)
    # no key: nothing listens; a script's change names the script
    cfg = os.path.join(d, "plain.ini")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(metrics=""))
    cmds = os.path.join(d, "cmds")
    with open(cmds, "w") as f:
        f.write("backend weight mg s1 3\n")
    r = subprocess.run([DSRLB] + memargs() + [
        "--no-pci", "-l", "0", "--log-level=lib.eal:warning",
        "--vdev", "net_pcap0,rx_pcap=%s,tx_pcap=/dev/null" % inp, "--",
        "--config", cfg, "--cmdline-file", cmds, "--ctl-socket", "none",
        "--idle-exit-ms", "800"], capture_output=True, text=True,
        timeout=60)
    check(r.returncode == 0 and "metrics:" not in r.stdout,
          "metrics: off by default", r.stdout[-1000:] + r.stderr[-1000:])
    check('dsrlb: control: script %s: "backend weight mg s1 3": ok: '
          % cmds in r.stdout + r.stderr,
          "log: a script's change names the script",
          r.stdout[-1000:] + r.stderr[-1000:])


def backends(sock, vip):
    rc, out = ctl(sock, "show backends", vip)
    p = {}
    for line in out.splitlines()[1:]:
        f = line.split()
        if len(f) >= 8:
            p[f[0]] = (f[3], int(f[6]), int(f[7]))   # state, flows, pkts
    return p


def reload_live():
    """SIGHUP and reload apply only the difference; pinned flows stay."""
    d = os.path.join(WORK, "reload")
    os.makedirs(d, exist_ok=True)
    cfg = os.path.join(d, "dsrlb.ini")
    base = CONFIG.format(metrics="")
    with open(cfg, "w") as f:
        f.write(base)
    inp = os.path.join(d, "in.pcap")
    flows_pcap(inp, 100)
    sock = os.path.join(d, "ctl.sock")
    prefix = "dsrlbrl%d" % os.getpid()
    mem = [a for a in memargs(128) if a not in ("--no-shconf",)]
    logpath = os.path.join(d, "log")
    log = open(logpath, "w")
    p = subprocess.Popen([DSRLB] + mem + [
        "--file-prefix", prefix, "--no-pci", "-l", "0",
        "--log-level=lib.eal:warning",
        "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1,tx_pcap=/dev/null" %
        inp, "--", "--config", cfg, "--ctl-socket", sock],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.1)
        time.sleep(0.5)
        rc, out = ctl(sock, "reload")
        check(rc == 0 and "no change" in out, "reload: same file, no change",
              out)
        # s2 gone, s3 new, s1 weight 3, a new VIP
        with open(cfg, "w") as f:
            f.write(base.replace("backend.s1 = 10.0.0.11\n"
                                 "backend.s2 = 10.0.0.12\n",
                                 "backend.s1 = 10.0.0.11 weight=3\n"
                                 "backend.s3 = 10.0.0.13\n") +
                    "\n[vip web]\naddress = 10.0.0.101\nport = 8080\n"
                    "mode = maglev\nprobe_every = 0\n"
                    "backend.w1 = 10.0.0.11\n")
        before = backends(sock, "mg")
        p.send_signal(1)   # SIGHUP
        time.sleep(1.0)
        mid = backends(sock, "mg")
        time.sleep(0.5)
        after = backends(sock, "mg")
        rc, vips = ctl(sock, "show vips")
        check(set(after) == {"s1", "s2", "s3"} and
              after["s1"][0] == "active" and after["s2"][0] == "removed" and
              after["s3"][0] == "active",
              "SIGHUP: s2 removed, s3 added", "%s -> %s" % (before, after))
        check("web" in vips, "SIGHUP: the new VIP web runs", vips)
        check(after["s3"][2] == 0 and after["s1"][2] > mid["s1"][2] and
              after["s1"][1] == before["s1"][1] and
              after["s2"][2] > mid["s2"][2],
              "SIGHUP: pinned flows untouched (s1 keeps its flows, the "
              "removed s2's go on, s3 gets none of them)", "%s -> %s -> %s" % (before, mid, after))
        rc, out = ctl(sock, "show backends mg")
        s1 = [ln.split() for ln in out.splitlines() if ln.split()[:1] ==
              ["s1"]]
        check(s1 and s1[0][2] == "3", "SIGHUP: s1's new weight 3", out)
        # a bad file: refused with file:line, nothing changes
        good = open(cfg).read()
        with open(cfg, "w") as f:
            f.write(good.replace("port = 8080\nmode = maglev\nprobe_every = 0"
                                 "\nbackend.w1",
                                 "port = 8080\nmode = maglev\nprobe_every = "
                                 "zero\nbackend.w1"))
        line = 1 + good.split("\n").index("probe_every = 0",
                                          good.split("\n").index(
                                              "[vip web]"))
        rc, out = ctl(sock, "reload")
        check(rc == 1 and ("%s:%d:" % (cfg, line)) in out and
              "nothing changed" in out,
              "reload: a bad file is refused with file:line", out)
        with open(cfg, "w") as f:
            f.write(good.replace("[port wire]\n", "[port wire]\nmtu = 1400\n"))
        rc, out = ctl(sock, "reload")
        check(rc == 1 and "the ports changed, which needs a restart" in out,
              "reload: a port change is refused (needs a restart)", out)
        rc, vips2 = ctl(sock, "show vips")
        names = [ln.split()[:2] for ln in vips.splitlines()[1:]]
        check([ln.split()[:2] for ln in vips2.splitlines()[1:]] == names and set(backends(sock, "mg")) == {"s1", "s2", "s3"},
              "reload: after refusals the running state is as it was")
        # save: console changes written back, the file loads to the
        # running configuration (reload: no change), owner-only
        rc, out = ctl(sock, "backend add mg s4 10.0.0.14 weight 2")
        check(rc == 0, "save: a console change (s4 added)", out)
        rc, out = ctl(sock, "save")
        saved = open(cfg).read()
        check(rc == 0 and ("saved %s" % cfg) in out and
              "backend.s4 = 10.0.0.14 weight=2" in saved and
              "backend.s2" not in saved and "[vip web]" in saved and
              os.stat(cfg).st_mode & 0o777 == 0o600,
              "save: the running configuration written to the --config "
              "file (s4 in, the removed s2 out, mode 0600)", out + saved)
        rc, out = ctl(sock, "reload")
        check(rc == 0 and "no change" in out,
              "save: the saved file reloads with no change", out)
        rc, out = ctl(sock, "save", os.path.join(d, "nodir", "x.ini"))
        check(rc == 1 and "error: save:" in out and
              not os.path.exists(os.path.join(d, "nodir")),
              "save: an unwritable path is refused, nothing written", out)
    finally:
        p.send_signal(2)
        try:
            rc = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = -1
        log.close()
    out = open(logpath).read()
    check(rc == 0, "reload: dsrlb stops cleanly", out[-1500:])
    check('control: SIGHUP: "reload": ok: reload %s: VIPs 1 added, 0 '
          'removed, 1 changed; backends 1 added, 1 removed, 1 changed'
          % cfg in out, "log: the SIGHUP reload is one line with its "
          "result", out[-2000:])


def socket_perm():
    d = os.path.join(WORK, "perm")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    inp = os.path.join(d, "in.pcap")
    flows_pcap(inp, 2)
    cfg = os.path.join(d, "dsrlb.ini")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(metrics=""))
    sock = os.path.join(d, "ctl.sock")
    prefix = "dsrlbperm%d" % os.getpid()
    mem = [a for a in memargs(128) if a not in ("--no-shconf",)]
    # some group other than ours, so that the chown is visible
    other = [g for g in grp.getgrall() if g.gr_gid != os.getgid()]
    group = other[0] if other else grp.getgrgid(os.getgid())

    def start(*extra, **kw):
        return subprocess.Popen([DSRLB] + mem + [
            "--file-prefix", prefix, "--no-pci", "-l", "0",
            "--log-level=lib.eal:warning",
            "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1,tx_pcap=/dev/null"
            % inp, "--", "--config", cfg, "--ctl-socket", sock] +
            list(extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, **kw)

    for args, msg in (
            (["--ctl-socket-mode", "999"], "--ctl-socket-mode: '999' is not "
             "an octal mode 0..0777"),
            (["--ctl-socket-mode", "01660"], "--ctl-socket-mode: '01660' is "
             "not an octal mode 0..0777"),
            (["--ctl-socket-mode", "0460"], "--ctl-socket-mode: '0460' "
             "leaves the owner without read and write"),
            (["--ctl-socket-mode", ""], "--ctl-socket-mode: '' is not"),
            (["--ctl-socket-group", "no-such-group-dsrlb"],
             "--ctl-socket-group: no group 'no-such-group-dsrlb'")):
        if os.path.exists(sock):
            os.unlink(sock)
        p = start(*args)
        try:
            out, _ = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
        check(p.returncode != 0 and ("dsrlb: " + msg) in out and
              not os.path.exists(sock),
              "control socket: %s refused, nothing starts" % " ".join(args),
              out[-800:])
    p = start("--ctl-socket-mode", "0600", "--ctl-socket-group",
              group.gr_name)
    try:
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.1)
        time.sleep(0.3)
        st = os.stat(sock)
        check(stat.S_IMODE(st.st_mode) == 0o600 and
              st.st_gid == group.gr_gid,
              "control socket: --ctl-socket-mode 0600 --ctl-socket-group "
              "%s applied" % group.gr_name,
              "%s gid %d" % (oct(st.st_mode), st.st_gid))
        rc, out = ctl(sock, "show vips")
        check(rc == 0 and "mg" in out, "control socket: the owner connects",
              out)
        if os.getuid() == 0:
            # nobody (65534), in no group of the socket: refused by the
            # kernel's permission check on connect()
            r = subprocess.run([CTL, "-s", sock, "show vips"],
                               capture_output=True, text=True, timeout=30,
                               preexec_fn=lambda: (os.setgroups([]),
                                                   os.setgid(65534),
                                                   os.setuid(65534)))
            check(r.returncode != 0 and "mg" not in r.stdout,
                  "control socket: another user cannot connect",
                  r.stdout + r.stderr)
        else:
            print("# not root: the other-user connect check is not run")
    finally:
        p.send_signal(2)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


running()
socket_perm()
reload_live()
scripted_and_refused()
sys.exit(plan())
