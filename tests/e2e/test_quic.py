#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""End-to-end, issue 21: QUIC VIPs on the testbed of test_e2e.py (client,
router, switch, the real appliance, four servers with the real
dsrlb-agent), with tests/e2e/quic_lb_server (HTTP/3 on ngtcp2, connection
IDs carrying each server's QUIC-LB server ID) on every server and
Debian's ngtcp2 client (gtlsclient) downloading through the VIPs:

  quic4  198.51.100.14:443   dsr-feedback, IPv4, transport dsr
  quich6 [2001:db8:100::30]:443  hunt, IPv6, transport srv6
  quicm4 198.51.100.14:4431  maglev, IPv4 (encrypted QUIC-LB server IDs)
  quicl4 198.51.100.14:4432  round-robin, IPv4, quic_cid_len = 18
  quicl6 [2001:db8:100::30]:4432  dsr-feedback, IPv6, quic_cid_len = 18
    (the last two: servers with --plain-cid 18, random connection IDs
    without server IDs, which the appliance learns from the answers)

Scenarios, each asserted:
  - downloads through both VIPs arrive whole (content checked octet by
    octet), and the servers' replies went direct: the appliance sent
    clients only metric answers (dsr-feedback), its counters show the
    bytes it did not carry;
  - the client changes its local address mid-transfer
    (--change-local-addr; also NAT rebinding): the download completes,
    the same server logs the connection's new address, the appliance
    counted quic_sid_routed and no packet of the moved connection went
    by the hash (flow_midstream unchanged);
  - busyness steering: a server reporting 3 of 4 workers busy gets few
    new QUIC connections;
  - an Initial of an unknown version: the server's Version Negotiation
    goes direct, the client retries in v1;
  - a server restarted mid-connection: its Stateless Reset goes direct,
    the client stops at once;
  - maglev: downloads through a maglev QUIC VIP;
  - servers without QUIC-LB IDs: their SCIDs are learned, and an upload
    whose client NAT-rebinds completes on the same server (IPv4, IPv6);
  - path MTU: the appliance's server side at 1500 and 1476 (q10_pmtu):
    ngtcp2's probes that cannot take what the appliance adds get packet
    too big, which the client's route learns; downloads complete.

usage: test_quic.py DSRLB AGENT DSRLB_CTL SLOWSERVER DSRLB_BUSY MEMARGS WORK
       QUIC_LB_SERVER [SCENARIO...]
DSRLB_E2E_BREAK=quic-sid starts the servers with another config rotation
than the VIPs', to show that the migration scenarios then fail;
DSRLB_E2E_BREAK=quic-learn turns the learning off (quic_cid_len = 0), to
show that the rebinding scenarios of the plain-CID servers then fail;
DSRLB_E2E_BREAK=quic-key starts quicm4's servers without the key, so the
appliance decrypts their plaintext IDs into nothing (q8_maglev fails).
Like the other e2e tests it takes no lock: a caller that shares the
machine wraps it (flock /tmp/dsrlb-netns.lock). Prints
TAP; skips (exit 77) when not root or a tool is missing.
"""
import os
import re
import shutil
import sys
import time

QSERVER = sys.argv[8] if len(sys.argv) > 8 else ""
del sys.argv[8:9]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_e2e as t  # noqa: E402  (reads the same arguments)

t.P = "qe" + t.ID                  # our own namespace prefix
P = t.P
tap, sh, nsx = t.tap, t.sh, t.nsx
WORK = t.WORK
QVIP4, QVIP6 = "198.51.100.14", "2001:db8:100::30"
SID = {"s1": "0a01", "s2": "0a02", "s3": "0a03", "s4": "0a04"}
QUIC_LB = """quic_lb_config_id = 1
quic_lb_server_id_len = 2
quic_lb_nonce_len = 6
quic_lb_encode_len = yes
"""
# the servers' side of the same configuration
QSERVER_ARGS = "--config-id 1 --sid-len 2 --nonce-len 6 --encode-len 1"
# kept across a server's restart: its stateless-reset tokens stay valid
RESET_SECRET = "5e" * 32
if t.BREAK == "quic-sid":
    # servers on another config rotation: the appliance cannot read their
    # server IDs, a moved connection goes by the hash (the migration
    # scenarios must fail)
    QSERVER_ARGS = QSERVER_ARGS.replace("--config-id 1", "--config-id 2")

# encrypted QUIC-LB IDs of quicm4 (the draft's test-vector key)
QLB_KEY = "8f95f09245765f80256934e50c66207f"
PLAIN_CID = 18                      # ngtcp2's own servers' SCID length
LEARN = PLAIN_CID if t.BREAK != "quic-learn" else 0
t.LB_INI += """
[vip quic4]
address = %s
port = 443
proto = quic
mode = dsr-feedback
probe_every = 4
%s%s
[vip quich6]
address = %s
port = 443
proto = quic
mode = hunt
%s%s""" % (QVIP4, QUIC_LB,
           "".join("backend.%s = %s quic_sid=%s\n" % (n, s[1], SID[n])
                   for n, s in t.SERVERS.items()),
           QVIP6, QUIC_LB,
           "".join("backend.%s = %s locator=%s quic_sid=%s\n" %
                   (n, s[2], s[3], SID[n]) for n, s in t.SERVERS.items()))
t.LB_INI += """
[vip quicm4]
address = %s
port = 4431
proto = quic
mode = maglev
quic_lb_key = %s
%s%s
[vip quicl4]
address = %s
port = 4432
proto = quic
mode = round-robin
probe_every = 0
quic_cid_len = %d
%s
[vip quicl6]
address = %s
port = 4432
proto = quic
mode = dsr-feedback
probe_every = 4
quic_cid_len = %d
%s""" % (QVIP4, QLB_KEY, QUIC_LB,
         "".join("backend.%s = %s quic_sid=%s\n" % (n, s[1], SID[n])
                 for n, s in t.SERVERS.items()),
         QVIP4, LEARN,
         "".join("backend.%s = %s\n" % (n, s[1])
                 for n, s in t.SERVERS.items()),
         QVIP6, LEARN,
         "".join("backend.%s = %s\n" % (n, s[2])
                 for n, s in t.SERVERS.items()))

t.AGENT_INI += """
[vip quic4]
address = %s
port = 443
proto = udp
leg_address = {v4}

[vip quich6]
address = %s
port = 443
proto = udp

[vip quicm4]
address = %s
port = 4431
proto = udp
leg_address = {v4}

[vip quicl4]
address = %s
port = 4432
proto = udp
leg_address = {v4}

[vip quicl6]
address = %s
port = 4432
proto = udp
leg_address = {v6}
""" % (QVIP4, QVIP6, QVIP4, QVIP4, QVIP6)


class Quicbed(t.Testbed):
    qproc = {}

    def start_qserver(self, name, tag, vip, port=443, args=None):
        self.qproc[(name, tag)] = self.spawn(
            t.SERVERS[name][0], "%s-%s" % (tag, name),
            "%s --addr %s --port %d --cert %s/cert.pem --key %s/key.pem "
            "--sid %s --reset-secret %s %s" %
            (QSERVER, vip, port, WORK, WORK, SID[name], RESET_SECRET,
             QSERVER_ARGS if args is None else args))

    def start_kernel(self, name):
        super().start_kernel(name)
        ns = t.SERVERS[name][0]
        nsx(ns, "ip addr add %s/32 dev dtap0" % QVIP4)
        nsx(ns, "ip -6 addr add %s/128 dev dtap0 nodad" % QVIP6)
        if not os.path.exists(os.path.join(WORK, "cert.pem")):
            sh("openssl req -x509 -newkey ec -pkeyopt "
               "ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=vip "
               "-keyout %s/key.pem -out %s/cert.pem" % (WORK, WORK))
        for tag, vip in (("q4", QVIP4), ("q6", QVIP6)):
            self.start_qserver(name, tag, vip)
        # (DSRLB_E2E_BREAK=quic-key: the servers do not encrypt)
        self.start_qserver(name, "qm", QVIP4, 4431, QSERVER_ARGS + (
            " --lb-key " + QLB_KEY if t.BREAK != "quic-key" else ""))
        # servers that know nothing of QUIC-LB: random connection IDs
        plain = "--plain-cid %d" % PLAIN_CID
        self.start_qserver(name, "ql", QVIP4, 4432, plain)
        self.start_qserver(name, "ql6", QVIP6, 4432, plain)


def body_ok(path, size):
    """The server's body: octet i is i % 251."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    pat = bytes(range(251)) * (size // 251 + 1)
    return len(data) == size and data == pat[:size]


def server_log(name, tag):
    try:
        with open(os.path.join(WORK, "%s-%s.log" % (tag, name))) as f:
            return f.read()
    except OSError:
        return ""


def download(tb, vip, size, n=1, extra="", port=443):
    """n parallel gtlsclient downloads of size bytes; returns the list of
    (ok, detail)."""
    host = vip if ":" not in vip else "[%s]" % vip
    if port != 443:
        host += ":%d" % port
    outs = []
    procs = []
    for i in range(n):
        d = os.path.join(WORK, "dl%d" % i)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        outs.append(d)
        log = open(os.path.join(WORK, "gtlsclient%d.log" % i), "w")
        q = "" if os.environ.get("DSRLB_QUIC_VERBOSE") else "-q "
        procs.append(__import__("subprocess").Popen(
            "exec ip netns exec %sc gtlsclient %s--download %s "
            "--exit-on-all-streams-close --timeout=10s --no-quic-dump "
            "--no-http-dump %s %s %d https://%s/%d" %
            (P, q, d, extra, vip, port, host, size),
            shell=True, stdout=log, stderr=log))
    res = []
    for i, p in enumerate(procs):
        try:
            rc = p.wait(timeout=120)
        except Exception:
            p.kill()
            rc = -9
        ok = rc == 0 and body_ok(os.path.join(outs[i], str(size)), size)
        res.append((ok, "client %d: rc %d, %s" % (
            i, rc, open(os.path.join(WORK, "gtlsclient%d.log" % i))
            .read()[-300:])))
    return res


def delta(a, b, k):
    return b.get(k, 0) - a.get(k, 0)


def migrations(tag):
    """Server name -> number of 'now from' lines (connection moved)."""
    return {n: len(re.findall(r"conn \d+ now from", server_log(n, tag)))
            for n in t.SERVERS}


# ---- scenarios ------------------------------------------------------------

def q1_dsr4(tb):
    size = 20 << 20
    c0 = tb.lb_counters()
    res = download(tb, QVIP4, size, 2)
    c1 = tb.lb_counters()
    tap(all(ok for ok, _ in res), "quic4: 2 HTTP/3 downloads of 20 MB "
        "through the dsr-feedback VIP arrive whole",
        "; ".join(d for ok, d in res if not ok))
    ans = delta(c0, c1, "answer_accepted")
    txc = delta(c0, c1, "tx_client")
    rxs = delta(c0, c1, "tx_backend")
    tap(ans > 0 and txc == ans + delta(c0, c1, "answer_unsolicited") +
        delta(c0, c1, "answer_bad_nonce"),
        "quic4: DSR: the appliance sent clients only the %d metric answers "
        "(tx_client %d) for 40 MB the servers sent straight to the client; "
        "it forwarded %d client packets to the servers" % (ans, txc, rxs),
        str({k: delta(c0, c1, k) for k in c1 if delta(c0, c1, k)})[:900])
    b = tb.backends("quic4")
    tap(sum(1 for v in b.values() if v["score"] != "-") >= 1,
        "quic4: metric answers on QUIC replies reached the appliance and "
        "set the scores of the servers that served (%s)" %
        {k: v["score"] for k, v in b.items()}, str(b))


def q2_hunt6(tb):
    size = 10 << 20
    c0 = tb.lb_counters()
    res = download(tb, QVIP6, size, 2)
    c1 = tb.lb_counters()
    tap(all(ok for ok, _ in res), "quich6: 2 HTTP/3 downloads of 10 MB "
        "through the IPv6 hunt VIP arrive whole",
        "; ".join(d for ok, d in res if not ok))
    # 6LB: a connection's first server packet carries createStickiness
    # through the appliance (as a SYN-ACK does); every other goes direct.
    # The client is on the appliance's client segment: a packet to it
    # before its neighbour advertisement is held and sent once it comes
    # (tx_client then), or dropped after 1 s (drop_neigh_unresolved);
    # QUIC then retransmits it, directly, since the flow is pinned.
    crossed = delta(c0, c1, "tx_client") + \
        delta(c0, c1, "drop_neigh_unresolved") + \
        delta(c0, c1, "drop_neigh_hold_full")
    tap(0 < crossed <= delta(c0, c1, "stick_create")
        and delta(c0, c1, "quic_sid_routed") > 0,
        "quich6: only the stickiness-carrying first replies crossed the "
        "appliance (tx_client %d + held for the client's neighbour "
        "resolution and dropped %d, stick_create %d), the rest of 20 MB went "
        "direct; the client's packets were steered by server ID "
        "(quic_sid_routed %d)" %
        (delta(c0, c1, "tx_client"), crossed - delta(c0, c1, "tx_client"),
         delta(c0, c1, "stick_create"), delta(c0, c1, "quic_sid_routed")),
        str(c1)[:600])
    print("# quich6 counters: %s" %
          {k: delta(c0, c1, k) for k in c1 if delta(c0, c1, k)})


def migrate(tb, vip, tag, vipname, size, how, extra, up=0, port=443):
    """Two downloads of size bytes (with an upload of up bytes first,
    when up) whose client changes its local address 300 ms after the
    handshake: each completes whole, the server that had the connection
    sees it move, the appliance routes its packets by server ID."""
    m0 = migrations(tag)
    c0 = tb.lb_counters()
    b0 = tb.backends(vipname)
    if up:
        upf = os.path.join(WORK, "up.bin")
        if not os.path.exists(upf) or os.path.getsize(upf) != up:
            with open(upf, "wb") as f:
                f.write(os.urandom(up))
        extra += " -m POST -d %s" % upf
    res = download(tb, vip, size, 2, extra + " --change-local-addr=300ms",
                   port)
    if up:
        os.unlink(upf)
    c1 = tb.lb_counters()
    b1 = tb.backends(vipname)
    m1 = migrations(tag)
    moved = {n: m1[n] - m0[n] for n in m1 if m1[n] != m0[n]}
    flows = {n: b1[n]["flows"] - b0[n]["flows"] for n in b1
             if b1[n]["flows"] != b0[n]["flows"]}
    routed = delta(c0, c1, "quic_sid_routed")
    mid = delta(c0, c1, "flow_midstream")
    what = "%s, %s mid-transfer" % (vipname, how)
    if up:
        got = sum(len(re.findall(r"request body of %d octets" % up,
                                 server_log(n, tag))) for n in t.SERVERS)
        tap(got >= 2, "%s: both uploads of %d MB reached their server "
            "whole" % (what, up >> 20), "%d uploads complete" % got)
    tap(all(ok for ok, _ in res), "%s: 2 downloads of %d MB complete, "
        "content checked" % (what, size >> 20),
        "; ".join(d for ok, d in res if not ok))
    # (an old tuple's entry may have expired by the end of a long
    # transfer: at most two entries per moved connection, and none on a
    # server that holds no connection)
    tap(sum(moved.values()) >= 2 and routed > 0 and mid == 0 and
        sum(flows.values()) >= 2 and
        all(flows.get(n, 0) <= 2 * moved.get(n, 0) for n in t.SERVERS),
        "%s: the server of each connection saw it move to the new address "
        "(%s); the appliance routed %d packets by server ID "
        "(quic_sid_routed), none by the hash (flow_midstream +%d); new "
        "flow entries per backend (old and new tuple) %s" %
        (what, moved, routed, mid, flows),
        str({k: delta(c0, c1, k) for k in c1 if delta(c0, c1, k)})[:600])
    return c0, c1


def q3_migrate4(tb):
    migrate(tb, QVIP4, "q4", "quic4", 30 << 20,
            "the client changes its local address", "")
    # ngtcp2's client simulates NAT rebinding by sending from a new port
    # while it ignores what still arrives on the old one: a client that
    # only downloads then never sends again (with or without dsrlb), so
    # the rebinding happens during an upload
    migrate(tb, QVIP4, "q4", "quic4", 1 << 20, "NAT rebinding",
            "--nat-rebinding", 30 << 20)


def q4_migrate6(tb):
    migrate(tb, QVIP6, "q6", "quich6", 30 << 20,
            "the client changes its local address", "")


def q5_busy(tb):
    """Busyness steering of new QUIC connections (as s1_dsr4 for TCP)."""
    for name in t.SERVERS:
        tb.busy(name, 3 if name == "s1" else 0)
    time.sleep(0.3)
    download(tb, QVIP4, 200000, 8)        # refresh the scores
    b0 = tb.backends("quic4")
    res = download(tb, QVIP4, 200000, 8)
    res += download(tb, QVIP4, 200000, 8)
    b1 = tb.backends("quic4")
    got = {k: b1[k]["flows"] - b0[k]["flows"] for k in b1}
    tap(all(ok for ok, _ in res) and b1["s1"]["score"] == "3" and
        got["s1"] * 8 <= sum(got.values()) and sum(got.values()) >= 16,
        "quic4: s1 reports busy 3, the others 0: 16 new QUIC connections, "
        "s1 gets few (%s)" % got, str(b1))
    for name in t.SERVERS:
        tb.busy(name, 0)


def q6_version(tb):
    """A client Initial of a version the servers do not speak (a reserved
    one, RFC 9000 §15): the appliance sends it by the VIP's mode like any
    new connection; the server answers Version Negotiation straight to
    the client, which starts again in v1 and downloads."""
    logs0 = sum(server_log(n, "q4").count("version negotiation for "
                                          "0x1a2a3a4a") for n in t.SERVERS)
    c0 = tb.lb_counters()
    res = download(tb, QVIP4, 1 << 20, 1,
                   "-v 0x1a2a3a4a --preferred-versions v1")
    c1 = tb.lb_counters()
    logs1 = sum(server_log(n, "q4").count("version negotiation for "
                                          "0x1a2a3a4a") for n in t.SERVERS)
    tap(all(ok for ok, _ in res) and logs1 > logs0 and
        delta(c0, c1, "tx_client") == delta(c0, c1, "answer_accepted") +
        delta(c0, c1, "answer_unsolicited") +
        delta(c0, c1, "answer_bad_nonce"),
        "quic4: an Initial of version 0x1a2a3a4a reached a server, whose "
        "Version Negotiation went direct (%d sent); the client retried in "
        "v1 and its 1 MB download is whole" % (logs1 - logs0),
        "; ".join(d for ok, d in res if not ok) + " " +
        str({k: delta(c0, c1, k) for k in c1 if delta(c0, c1, k)})[:600])


def q7_reset(tb):
    """A server restarts mid-connection (SIGKILL, started again at once,
    same --reset-secret): the appliance still sends the connection's
    packets to it by server ID, the new process answers a Stateless Reset
    (RFC 9000 §10.3) straight to the client, which stops at once instead
    of at its 10 s idle timeout."""
    import subprocess
    up = 400 << 20
    upf = os.path.join(WORK, "up-big.bin")
    with open(upf, "wb") as f:
        f.truncate(up)              # zeros: the content does not matter
    conns0 = {n: server_log(n, "q4").count(" from ") for n in t.SERVERS}
    log = os.path.join(WORK, "gtlsclient-reset.log")
    cl = subprocess.Popen(
        "exec ip netns exec %sc gtlsclient -q --timeout=10s -m POST -d %s "
        "--exit-on-all-streams-close %s 443 https://%s/1000 > %s 2>&1" %
        (P, upf, QVIP4, QVIP4, log), shell=True)
    name = None
    for _ in range(50):
        time.sleep(0.1)
        now = {n: server_log(n, "q4").count(" from ") for n in t.SERVERS}
        new = [n for n in now if now[n] > conns0[n]]
        if new:
            name = new[0]
            break
    if name is None:
        cl.kill()
        tap(False, "quic4 reset: the upload's connection reached no server")
        return
    time.sleep(0.8)
    c0 = tb.lb_counters()
    tb.qproc[(name, "q4")].kill()
    tb.qproc[(name, "q4")].wait()
    t_kill = time.time()
    tb.start_qserver(name, "q4r", QVIP4)
    try:
        cl.wait(timeout=30)
    except subprocess.TimeoutExpired:
        cl.kill()
    took = time.time() - t_kill
    os.unlink(upf)
    c1 = tb.lb_counters()
    text = open(log).read()
    resets = server_log(name, "q4r").count("stateless reset")
    tap("ERR_DRAINING" in text and took < 3 and resets > 0 and
        delta(c0, c1, "quic_sid_routed") > 0 and
        delta(c0, c1, "tx_client") == delta(c0, c1, "answer_accepted") +
        delta(c0, c1, "answer_unsolicited") +
        delta(c0, c1, "answer_bad_nonce"),
        "quic4: %s restarted during an upload: the appliance kept routing "
        "the connection to it by server ID (quic_sid_routed +%d), the new "
        "process's Stateless Reset went direct and the client stopped "
        "%.2f s after the kill (idle timeout 10 s)" %
        (name, delta(c0, c1, "quic_sid_routed"), took),
        text[-400:] + " resets %d" % resets)


def q8_maglev(tb):
    """A baseline: a maglev QUIC VIP (consistent hash for Initials, QUIC-LB
    server IDs for the rest, encrypted: quic_lb_key), with the same
    transport as dsr-feedback: only the metric answers cross the
    appliance, the rest goes direct; the client then migrates, and the
    encrypted server ID keeps it on its server."""
    size = 10 << 20
    c0 = tb.lb_counters()
    res = download(tb, QVIP4, size, 2, port=4431)
    c1 = tb.lb_counters()
    ans = delta(c0, c1, "answer_accepted")
    tap(all(ok for ok, _ in res) and
        delta(c0, c1, "tx_client") == ans +
        delta(c0, c1, "answer_unsolicited") +
        delta(c0, c1, "answer_bad_nonce") and
        delta(c0, c1, "quic_sid_routed") > 0,
        "quicm4: 2 HTTP/3 downloads of 10 MB through the maglev VIP arrive "
        "whole; the appliance sent clients only the %d metric answers, "
        "the rest went direct; the client's packets went by server ID "
        "(quic_sid_routed +%d)" % (ans, delta(c0, c1, "quic_sid_routed")),
        "; ".join(d for ok, d in res if not ok) + " " +
        str({k: delta(c0, c1, k) for k in c1 if delta(c0, c1, k)})[:600])
    migrate(tb, QVIP4, "qm", "quicm4", 20 << 20,
            "the client changes its local address (encrypted IDs)", "",
            port=4431)


def q9_learn(tb):
    """Servers whose connection IDs carry no server ID (--plain-cid):
    the appliance learns each connection's SCID from the answer on the
    server's Initial; a client that NAT-rebinds during an upload keeps
    its DCID, which the appliance routes to the same server (IPv4
    round-robin, IPv6 dsr-feedback). An active migration moves to a CID
    from an encrypted NEW_CONNECTION_ID frame, which no one outside the
    connection can learn (docs/quic.md): not asserted here."""
    size = 5 << 20
    c0 = tb.lb_counters()
    res = download(tb, QVIP4, size, 2, port=4432)
    c1 = tb.lb_counters()
    tap(all(ok for ok, _ in res) and
        delta(c0, c1, "quic_cid_learned") >= 2,
        "quicl4: 2 downloads of 5 MB from servers with random CIDs arrive "
        "whole; the appliance learned their SCIDs from the answers on "
        "their Initials (quic_cid_learned +%d)" %
        delta(c0, c1, "quic_cid_learned"),
        "; ".join(d for ok, d in res if not ok) + " " +
        str({k: delta(c0, c1, k) for k in c1 if delta(c0, c1, k)})[:600])
    for vip, tag, name in ((QVIP4, "ql", "quicl4"),
                           (QVIP6, "ql6", "quicl6")):
        c0, c1 = migrate(tb, vip, tag, name, 1 << 20, "NAT rebinding "
                         "(plain CIDs, learned)", "--nat-rebinding",
                         30 << 20, port=4432)
        tap(delta(c0, c1, "quic_cid_routed") > 0 and
            delta(c0, c1, "quic_cid_routed") ==
            delta(c0, c1, "quic_sid_routed"),
            "%s: every packet routed by connection ID went by a learned "
            "one (quic_cid_routed +%d, learned +%d)" %
            (name, delta(c0, c1, "quic_cid_routed"),
             delta(c0, c1, "quic_cid_learned")))


def q10_pmtu(tb):
    """Issue 21, path MTU (docs/quic.md "Path MTU"): the appliance's
    server side lowered from 9000 to the clients' 1500, then to 1476 (a
    second configuration, [port farm] mtu), so that a full-size client
    packet has no room for what the appliance adds. ngtcp2's client
    discovers the path MTU by probes (RFC 9000 §14.3, DPLPMTUD): a probe
    that needs an SRH or exceeds the port's MTU as it is gets packet too
    big, which the client's kernel takes into its route (asserted), one
    that needs only a metric request goes without it. Downloads complete
    on every VIP and nothing is dropped silently (drop_mtu +0)."""
    ini = os.path.join(WORK, "lb.ini")
    with open(ini) as f:
        orig = f.read()
    keys = ("tx_icmp_too_big", "drop_mtu", "icmp_rate_limited",
            "probe_deferred", "probe_sent", "tx_backend")
    try:
        for mtu in (1500, 1476):
            tb.stop_lb()
            with open(ini, "w") as f:
                f.write(orig.replace("role = server\nmtu = 9000\n",
                                     "role = server\nmtu = %d\n" % mtu, 1))
            tb.start_lb()
            for vip, port, name, add in ((QVIP4, 443, "quic4", 8),
                                         (QVIP6, 4432, "quicl6", 24),
                                         (QVIP6, 443, "quich6", 72)):
                fam = "-6 " if ":" in vip else ""
                nsx("c", "ip %sroute flush cache" % fam, check=False)
                c0 = tb.lb_counters()
                res = download(tb, vip, 5 << 20, 2, port=port)
                c1 = tb.lb_counters()
                route = nsx("c", "ip %sroute get %s" % (fam, vip),
                            check=False).stdout.strip().replace("\n", " ")
                d = {k: delta(c0, c1, k) for k in keys}
                m = re.search(r" mtu (\d+)", route)
                learned = int(m.group(1)) if m else None
                # an error sent is one the client heard: its route has
                # the MTU we announced (mtu - what we add, or mtu itself
                # for a packet too big as it is)
                heard = d["tx_icmp_too_big"] == 0 or \
                    learned in (mtu - add, mtu)
                tap(all(ok for ok, _ in res) and d["drop_mtu"] == 0 and
                    heard,
                    "pmtu %d: %s: 2 downloads of 5 MB arrive whole; %s; "
                    "the client's route to the VIP: mtu %s" %
                    (mtu, name, " ".join("%s +%d" % kv for kv in d.items()),
                     learned), "; ".join(x for ok, x in res if not ok) +
                    " " + route)
    finally:
        tb.stop_lb()
        with open(ini, "w") as f:
            f.write(orig)
        tb.start_lb()


SCENARIOS = [q1_dsr4, q2_hunt6, q3_migrate4, q4_migrate6, q5_busy,
             q6_version, q7_reset, q8_maglev, q9_learn, q10_pmtu]


def main():
    t.need(("ip", "nginx", "ethtool", "gtlsclient", "openssl"))
    if not os.access(QSERVER, os.X_OK):
        t.skip("quic_lb_server not built")
    return t.run(Quicbed(), "client, router, appliance, 4 servers with "
                 "agents and quic_lb_server", SCENARIOS,
                 lambda: [(os.path.join(WORK, "dsrlb.log"), "")])


if __name__ == "__main__":
    sys.exit(main())
