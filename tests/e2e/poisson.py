#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The Poisson experiment of issue 9, scaled down, on the end-to-end testbed.

Builds the testbed of test_e2e.py (client, router, appliance, 4 servers with
dsrlb-agent and slowserver), with four VIPs served by the same slowservers
(a fixed pool of WORKERS workers per server, exponential service time of
mean MEAN_MS, busy workers published to the agent):

    sc    198.51.100.11:8081      mode = maglev       (SC)
    rr    198.51.100.12:8082      mode = round-robin
    dyn   198.51.100.13:8080      mode = dsr-feedback (dynamic DSR)
    sr4   [2001:db8:100::20]:8080 mode = hunt, agents accept = sr_c, c = C

then, for each load rho and each policy in turn, runs an open-loop Poisson
client in the client namespace (lambda = rho * servers * workers / mean)
for DURATION seconds (plus WARMUP seconds not measured) and reports the
response times: mean, p50, p90, p99, errors, the achieved rate and how
late the client was against its schedule.

usage: poisson.py BUILD_DIR [--rho 0.5,0.7,0.88] [--policies sc,sr4,rr,dyn]
                  [--duration 30] [--warmup 3] [--mean-ms 50] [--workers 4]
                  [--c 4] [--probe-every 4] [--seed 1] [--csv FILE]
                  [--png FILE]
       poisson.py BUILD_DIR --replot A.csv[,B.csv...] --png FILE
       poisson.py --client HOST PORT RATE DURATION WARMUP SEED TIMEOUT
                  [JOB_MEAN_MS]

With JOB_MEAN_MS the client also draws each request's service time
(exponential, from the same seed, its own stream) and sends it to
slowserver ("GET /?ms=X"): two policies run with the same seed then see
the same arrivals and the same jobs (common random numbers;
test_testbed.py's sr4 scenario).

Not part of the test suite: a run takes minutes (docs/evaluation.md, "On
the testbed"). Needs root, ip, nginx, curl; gnuplot for --png.
"""
import argparse
import asyncio
import json
import math
import os
import random
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- the client (runs in the client namespace) -----------------------------

def client_main(argv):
    host, port = argv[0], int(argv[1])
    rate, duration, warmup = float(argv[2]), float(argv[3]), float(argv[4])
    seed, timeout = int(argv[5]), float(argv[6])
    job_ms = float(argv[7]) if len(argv) > 7 else 0.0
    rng = random.Random(seed)
    jobs = random.Random(seed * 1000003 + 17)
    # the schedule: exponential inter-arrival times, drawn up front
    sched = []
    t = 0.0
    while True:
        t += rng.expovariate(rate)
        if t >= warmup + duration:
            break
        sched.append(t)
    req = b"GET / HTTP/1.0\r\nHost: poisson\r\n\r\n"
    reqs = [b"GET /?ms=%.3f HTTP/1.0\r\nHost: poisson\r\n\r\n" %
            jobs.expovariate(1.0 / job_ms) for _ in sched] if job_ms > 0 \
        else [req] * len(sched)
    res = []            # (scheduled, lag, response time or None, server)

    async def one(ts, lag, loop, req):
        t0 = loop.time()
        srv = None
        try:
            async def talk():
                r, w = await asyncio.open_connection(host, port)
                w.write(req)
                data = await r.read()
                w.close()
                return data
            data = await asyncio.wait_for(talk(), timeout)
            dt = loop.time() - t0
            if not data.startswith(b"HTTP/1.0 200"):
                dt = None
            else:
                body = data.split(b"\r\n\r\n", 1)[-1]
                srv = body.split(b" ", 1)[0].decode(errors="replace")
        except Exception:
            dt = None
        res.append((ts, lag, dt, srv))

    async def run():
        loop = asyncio.get_running_loop()
        start = loop.time()
        tasks = []
        for ts, rq in zip(sched, reqs):
            now = loop.time() - start
            if ts > now:
                await asyncio.sleep(ts - now)
            lag = loop.time() - start - ts
            tasks.append(asyncio.ensure_future(one(ts, lag, loop, rq)))
        sent_end = loop.time() - start
        await asyncio.gather(*tasks)
        return sent_end

    sent_end = asyncio.run(run())
    meas = [r for r in res if r[0] >= warmup]
    out = {
        "offered": len(meas),
        "rate": rate,
        "sent_span": sent_end,
        "rt": [r[2] for r in meas if r[2] is not None],
        "errors": sum(1 for r in meas if r[2] is None),
        "lag": sorted(r[1] for r in meas),
        "servers": {},
    }
    for r in meas:
        if r[3]:
            out["servers"][r[3]] = out["servers"].get(r[3], 0) + 1
    json.dump(out, sys.stdout)
    return 0


if len(sys.argv) > 1 and sys.argv[1] == "--client":
    sys.exit(client_main(sys.argv[2:]))


# ---- the experiment --------------------------------------------------------

ap = argparse.ArgumentParser()
ap.add_argument("build")
ap.add_argument("--rho", default="0.5,0.7,0.88")
ap.add_argument("--policies", default="sc,sr4,rr,dyn")
ap.add_argument("--duration", type=float, default=30.0)
ap.add_argument("--warmup", type=float, default=3.0)
ap.add_argument("--mean-ms", type=float, default=50.0)
ap.add_argument("--workers", type=int, default=4)
ap.add_argument("--c", type=int, default=None,
                help="SR_c threshold (default: workers)")
ap.add_argument("--probe-every", type=int, default=4)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--timeout", type=float, default=20.0)
ap.add_argument("--csv", default="poisson.csv")
ap.add_argument("--png", default="")
ap.add_argument("--work", default="/tmp/dsrlb-poisson")
ap.add_argument("--replot", default="",
                help="only plot these CSVs (comma-separated, from earlier "
                "runs) to --png")
args = ap.parse_args()
C = args.workers if args.c is None else args.c
B = os.path.abspath(args.build)

# Ordinary memory, not hugepages: the machine is shared, and a test run
# elsewhere may take the free pages between our check and our start.
os.environ.setdefault("DSRLB_MIN_HUGEPAGES", "1000000000")
# test_e2e reads its arguments when imported
sys.argv = [sys.argv[0],
            B + "/src/dsrlb/dsrlb", B + "/src/agent/dsrlb-agent",
            B + "/src/tools/dsrlb-ctl", B + "/tests/e2e/slowserver",
            B + "/src/tools/dsrlb-busy",
            os.path.join(HERE, "..", "..", "scripts", "eal-mem-args.sh"),
            args.work]
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True          # no __pycache__ in the tree
import test_e2e as T  # noqa: E402

POL = {  # policy: (VIP section, host, port)
    "sc": ("mag4", T.MAG4, 8081),
    "rr": ("rr4", T.RR4, 8082),
    "dyn": ("slow4", T.SLOW4, 8080),
    "sr4": ("hunt6", T.HUNT6, 8080),
}
LABEL = {"sc": "SC (maglev)", "rr": "round-robin",
         "dyn": "dynamic DSR (dsr-feedback)", "sr4": "SR_%d (6LB hunt)" % C}

T.WORKERS = args.workers
T.LB_INI = T.LB_INI.split("[vip web4]")[0] + """
[vip slow4]
address = 198.51.100.13
port = 8080
mode = dsr-feedback
probe_every = %d
{slow4}
[vip mag4]
address = 198.51.100.11
port = 8081
mode = maglev
{mag4}
[vip rr4]
address = 198.51.100.12
port = 8082
mode = round-robin
{rr4}
[vip hunt6]
address = 2001:db8:100::20
port = 8080
mode = hunt
{hunt6}
""" % args.probe_every
agent = T.AGENT_INI.split("[vip web4]")[0]
assert "accept = sr_dyn\nc = 2\n" in agent
T.AGENT_INI = agent.replace("accept = sr_dyn\nc = 2\n",
                            "accept = sr_c\nc = %d\n" % C) + """
[vip slow4]
address = 198.51.100.13
port = 8080
leg_address = {v4}

[vip mag4]
address = 198.51.100.11
port = 8081
leg_address = {v4}

[vip rr4]
address = 198.51.100.12
port = 8082
leg_address = {v4}

[vip hunt6]
address = 2001:db8:100::20
port = 8080
"""


class Bed(T.Testbed):
    def spawn(self, ns, tag, cmd):
        if tag.startswith("slow-"):
            name = tag[5:]
            cmd = ("%s -w %d -m %g -b /dev/shm/%s-%s.busy -n %s "
                   "%s 8080 %s 8081 %s 8082 %s 8080" %
                   (T.SLOW, args.workers, args.mean_ms, T.P, name, name,
                    T.SLOW4, T.MAG4, T.RR4, T.HUNT6))
        return super().spawn(ns, tag, cmd)


def pct(xs, p):
    if not xs:
        return float("nan")
    k = min(len(xs) - 1, max(0, int(math.ceil(p / 100.0 * len(xs))) - 1))
    return xs[k]


def jain(counts):
    x = list(counts)
    s2 = sum(v * v for v in x)
    return (sum(x) ** 2) / (len(x) * s2) if s2 else float("nan")


def cpu_times():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v), v[3] + v[4]          # total, idle + iowait


def run_point(tb, pol, rho):
    vip, host, port = POL[pol]
    n_servers = len(T.SERVERS)
    lam = rho * n_servers * args.workers / (args.mean_ms / 1000.0)
    a0 = {n: tb.agent_stats(n) for n in T.SERVERS} if pol == "sr4" else None
    cmd = ("/usr/bin/python3 %s --client %s %d %g %g %g %d %g" %
           (os.path.abspath(__file__), host, port, lam, args.duration,
            args.warmup, args.seed, args.timeout))
    c0 = cpu_times()
    r = T.nsx("c", cmd, check=False,
              timeout=args.duration + args.warmup + args.timeout + 120)
    if r.returncode != 0:
        raise RuntimeError("client: %s" % r.stderr[-2000:])
    c1 = cpu_times()
    o = json.loads(r.stdout)
    acc1 = float("nan")
    if a0 is not None:
        a1 = {n: tb.agent_stats(n) for n in T.SERVERS}
        acc = sum(a1[n].get("hunt_accept", 0) - a0[n].get("hunt_accept", 0)
                  for n in T.SERVERS)
        pas = sum(a1[n].get("hunt_pass", 0) - a0[n].get("hunt_pass", 0)
                  for n in T.SERVERS)
        acc1 = acc / max(1, acc + pas)
    rt = sorted(x * 1000.0 for x in o["rt"])
    lag = [x * 1000.0 for x in o["lag"]]
    share = [o["servers"].get(n, 0) for n in sorted(T.SERVERS)]
    return {
        "policy": pol, "rho": rho, "lambda": lam,
        "achieved": o["offered"] / args.duration,
        "sent_span": o["sent_span"],
        "n": len(rt), "errors": o["errors"],
        "mean": sum(rt) / len(rt) if rt else float("nan"),
        "p50": pct(rt, 50), "p90": pct(rt, 90), "p99": pct(rt, 99),
        "max": rt[-1] if rt else float("nan"),
        "lag_p50": pct(lag, 50), "lag_p99": pct(lag, 99),
        "acc1": acc1, "share": share, "jain": jain(share),
        "idle": 100.0 * (c1[1] - c0[1]) / max(1, c1[0] - c0[0]),
    }


COLS = ("policy", "rho", "lambda", "achieved", "n", "errors", "mean", "p50",
        "p90", "p99", "max", "lag_p50", "lag_p99", "acc1", "jain", "idle")


def fmt_row(r):
    return ("%-5s %5.2f %7.1f %7.1f %6d %4d %8.1f %8.1f %8.1f %8.1f %8.1f "
            "%6.2f %6.2f %5s %5.3f %4.0f  %s" %
            (r["policy"], r["rho"], r["lambda"], r["achieved"], r["n"],
             r["errors"], r["mean"], r["p50"], r["p90"], r["p99"], r["max"],
             r["lag_p50"], r["lag_p99"],
             "-" if r["acc1"] != r["acc1"] else "%.3f" % r["acc1"],
             r["jain"], r["idle"], "/".join(str(x) for x in r["share"])))


HEAD = ("pol     rho  lambda   achvd      n  err     mean      p50      p90"
        "      p99      max  lag50  lag99  acc1  jain idle  per server "
        "(s1/s2/s3/s4)")


def plot(rows, png):
    """Mean (filled) and p99 (hollow) of every point, one colour per
    policy, shifted a little along x; several runs give several points."""
    if not png or shutil.which("gnuplot") is None:
        return
    dat = png + ".dat"
    pols = []
    for r in rows:
        if r["policy"] not in pols:
            pols.append(r["policy"])
    with open(dat, "w") as f:
        for i, p in enumerate(pols):
            f.write("# %s\n" % p)
            for r in rows:
                if r["policy"] == p:
                    f.write("%g %g %g\n" % (r["rho"] + (i - 1.5) * 0.006,
                                            r["mean"], r["p99"]))
            f.write("\n\n")
    plots = []
    for i, p in enumerate(pols):
        plots.append("'%s' index %d using 1:2 with points lc %d pt %d "
                     "ps 1.5 title '%s mean'" %
                     (dat, i, i + 1, (5, 7, 9, 13)[i % 4], LABEL[p]))
        plots.append("'%s' index %d using 1:3 with points lc %d pt %d "
                     "ps 1.2 title '%s p99'" %
                     (dat, i, i + 1, (4, 6, 8, 12)[i % 4], LABEL[p]))
    g = ("set terminal pngcairo size 900,560\nset output '%s'\n"
         "set title 'testbed: 4 servers x %d workers, exponential %g ms, "
         "Poisson, every run'\nset xlabel 'rho'\n"
         "set ylabel 'response time (ms)'\nset logscale y\n"
         "set key left top font ',9'\nset grid\nset xrange [0.45:0.93]\n"
         "plot %s\n" % (png, args.workers, args.mean_ms, ", ".join(plots)))
    subprocess.run(["gnuplot"], input=g, text=True, check=False)
    os.unlink(dat)


def replot():
    rows = []
    for path in args.replot.split(","):
        with open(path) as f:
            keys = f.readline().strip().split(",")
            for line in f:
                r = dict(zip(keys, line.strip().split(",")))
                for k in ("rho", "mean", "p99"):
                    r[k] = float(r[k])
                rows.append(r)
    plot(rows, args.png)
    return 0


def main():
    if args.replot:
        return replot()
    if os.geteuid() != 0:
        print("poisson: needs root", file=sys.stderr)
        return 77
    rhos = [float(x) for x in args.rho.split(",")]
    pols = args.policies.split(",")
    for p in pols:
        if p not in POL:
            print("poisson: unknown policy %s" % p, file=sys.stderr)
            return 2
    print("# dsrlb testbed Poisson run: %d servers x %d workers, exponential "
          "service (mean %g ms), SR_c c = %d, dsr-feedback probe_every = "
          "%d, %g s measured (+%g s warm-up) per point, seed %d" %
          (len(T.SERVERS), args.workers, args.mean_ms, C, args.probe_every,
           args.duration, args.warmup, args.seed), flush=True)
    print("# times in ms; lambda = offered rate (req/s), achvd = arrivals "
          "the client scheduled per second in the measured window; lag = how "
          "late the client started requests against its schedule; jain: over "
          "the per-server request counts; idle: % of the machine's CPU time "
          "idle during the point", flush=True)
    tb = Bed()
    rows = []
    try:
        tb.up()
        T.nsx("c", "sysctl -qw net.ipv4.ip_local_port_range='1024 65000'",
              check=False)
        # a short warm-up of every VIP (ARP, scores, first flows)
        for p in pols:
            vip, host, port = POL[p]
            T.nsx("c", "curl -s -g -m 5 -o /dev/null http://%s:%d/" %
                  (("[%s]" % host) if ":" in host else host, port),
                  check=False)
        print(HEAD, flush=True)
        for rho in rhos:
            for p in pols:
                r = run_point(tb, p, rho)
                rows.append(r)
                print(fmt_row(r), flush=True)
                time.sleep(2.0)
    finally:
        tb.down()
    with open(args.csv, "w") as f:
        f.write(",".join(COLS) + ",share\n")
        for r in rows:
            f.write(",".join(("%.4f" % r[k]) if isinstance(r[k], float)
                             else str(r[k]) for k in COLS) +
                    ",%s\n" % "/".join(str(x) for x in r["share"]))
    plot(rows, args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
