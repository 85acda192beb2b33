#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Measurements on the namespace testbed of test_e2e.py (issue 22): the
papers' claims with real TCP, nginx and slowserver. Not part of the
default test run: meson suite 'testbed' (`meson test -C BUILD --suite
testbed`), or by hand under the namespace lock:

    flock /tmp/dsrlb-netns.lock tests/e2e/test_testbed.py DSRLB AGENT \\
        DSRLB_CTL SLOWSERVER DSRLB_BUSY MEMARGS WORK [polling] [latency] [sr4]

polling  dynamic DSR against the explicit-polling baseline
         (dynamic-dsr-inband-feedback-ebpf.txt §4, Table 3): the slow4
         VIP on two servers running slowserver (4 workers each,
         log-normal service times), a closed-loop hey with a fixed
         concurrency; modes round-robin, polling (10 ms and 100 ms),
         dsr-feedback, dsr-feedback with adaptive probing. Modes are
         interleaved within each repetition (drift hits all alike).
         TESTBED_REPS (3) x TESTBED_SECS (20 s) per mode: about 7 min.
latency  latency feedback (inband-feedback-control-hotnets2022.txt): the
         mag4 VIP (nginx, 4 servers) in mode latency-feedback under a
         steady rate; 1 ms netem on s1's link at t = 10 s, removed at
         t = 25 s; s1's table share (`show latency`) and the client's
         latency (hey -o csv) over time. About 1 min per repetition.
sr4      6LB's SR_4 against Maglev (SC) near saturation
         (6lb-segment-routing-ton2018.txt §VI-B, Fig. 10a): 4 servers x
         4 slowserver workers, exponential jobs of 50 ms, an open-loop
         Poisson client (poisson.py --client) at rho = TESTBED_SR4_RHO
         (0.88). SC is the slow4 VIP in mode maglev, SR_4 the hunt6 VIP
         (agents: accept = sr_c, c = 4); slowserver listens on both (on
         hunt6's [2001:db8:100::20]:80 instead of nginx). Repetition k
         runs both policies with seed k: the same arrivals and, through
         "GET /?ms=X", the same job sizes (common random numbers), in
         alternating order (ABBA; TESTBED_SR4_CRN=0: slowserver draws
         the jobs, only the arrivals are common). TESTBED_SR4_REPS (5) x
         TESTBED_SR4_SECS (30 s, + 3 s warm-up) per policy: about 7 min.

Every figure is printed as a '#' line and written to WORK/results.json;
docs/evaluation.md ("On the testbed") quotes them. Prints TAP: a check
fails only when a run did not produce figures (errors, no answers), never
on the ranking itself: the ranking is what is measured.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_e2e as E  # noqa: E402  (reads the same argv)

REPS = int(os.environ.get("TESTBED_REPS", "3"))
SECS = int(os.environ.get("TESTBED_SECS", "20"))
CONC = int(os.environ.get("TESTBED_CONC", "8"))
MEAN_MS = int(os.environ.get("TESTBED_MEAN_MS", "100"))
RESULTS = {}
POLL4 = E.SLOW4
SR4_REPS = int(os.environ.get("TESTBED_SR4_REPS", "5"))
SR4_SECS = float(os.environ.get("TESTBED_SR4_SECS", "30"))
SR4_RHO = float(os.environ.get("TESTBED_SR4_RHO", "0.88"))
SR4_MEAN_MS = 50.0
# 0: slowserver draws its own jobs (only the arrivals are common)
SR4_CRN = os.environ.get("TESTBED_SR4_CRN", "1") != "0"
SR4_WARMUP = 3.0
POISSON = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "poisson.py")


def load_note():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


# ---- configuration variants ----------------------------------------------

def lb_ini_with(vip, mode_lines, backends=None, general=""):
    """WORK/lb.ini with VIP @vip's mode lines replaced (and its backends
    restricted to @backends), the farm port given a kernel interface
    (the poller's polls leave through it), [general] extra lines."""
    with open(os.path.join(E.WORK, "lb.base.ini")) as f:
        text = f.read()
    sec = re.search(r"\[vip %s\]\n(.*?)(?=\n\[|\Z)" % vip, text, re.S)
    body = sec.group(1)
    keep = []
    for line in body.splitlines():
        if line.startswith(("mode", "probe_every", "probe_adaptive")):
            continue
        if line.startswith("backend.") and backends is not None and \
                line.split("=")[0].strip()[8:] not in backends:
            continue
        keep.append(line)
    new = "\n".join(keep[:2] + mode_lines + keep[2:])
    text = text[:sec.start(1)] + new + text[sec.end(1):]
    if "kernel = kfarm" not in text:   # (the base has it since issue 14)
        text = text.replace("[port farm]\n", "[port farm]\nkernel = kfarm\n",
                            1)
    text = text.replace("[general]\n", "[general]\n" + general, 1)
    return text


def restart_lb(tb, ini):
    tb.stop_lb()
    with open(os.path.join(E.WORK, "lb.ini"), "w") as f:
        f.write(ini)
    tb.start_lb()
    # the farm port's kernel side: the port's address, the far subnet
    for _ in range(100):
        if E.nsx("lb", "ip link show kfarm", check=False).returncode == 0:
            break
        time.sleep(0.1)
    for cmd in ("sysctl -qw net.ipv6.conf.kfarm.disable_ipv6=1",
                "ip addr add 10.0.0.1/24 dev kfarm",
                "ip link set kfarm up",
                "ip route add 10.2.0.0/16 via 10.0.0.254"):
        E.nsx("lb", cmd, check=False)
    time.sleep(0.5)


def slowservers(tb, names, mean_ms, workers=4, dist="lognormal",
                listen=""):
    """Restart slowserver on @names with the given service times (and
    the extra listeners @listen, "ADDRESS PORT ...")."""
    for tag, p in tb.procs:
        if tag.startswith("slow-") and p.poll() is None:
            p.terminate()
            p.wait(timeout=10)
    for name in names:
        ns = E.SERVERS[name][0]
        tb.spawn(ns, "slow-" + name,
                 "%s -w %d -m %d -d %s -s 1.0 -b /dev/shm/%s-%s.busy -n %s "
                 "%s 8080 %s" % (E.SLOW, workers, mean_ms, dist, E.P, name,
                                 name, E.SLOW4, listen))
    time.sleep(0.5)


# ---- hey -----------------------------------------------------------------

def hey_run(url, secs, conc, extra=""):
    r = E.nsx("c", "hey -z %ds -c %d -t 30 %s '%s'" % (secs, conc, extra,
                                                      url),
              check=False, timeout=secs + 120)
    out = r.stdout
    f = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    f["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"Average:\s+([\d.]+) secs", out)
    f["mean_ms"] = float(m.group(1)) * 1e3 if m else 0.0
    for q in ("50", "95", "99"):
        m = re.search(r"\s%s%% in ([\d.]+) secs" % q, out)
        f["p%s_ms" % q] = float(m.group(1)) * 1e3 if m else 0.0
    codes = dict((int(a), int(b)) for a, b in
                 re.findall(r"\[(\d+)\]\s+(\d+) responses", out))
    f["ok"] = codes.get(200, 0)
    f["bad"] = sum(v for k, v in codes.items() if k != 200)
    m = re.search(r"Error distribution:(.*)", out, re.S)
    f["errors"] = sum(int(x) for x in re.findall(r"\[(\d+)\]\s",
                                                  m.group(1))) if m else 0
    return f


def spread(xs):
    if not xs:
        return (0.0, 0.0, 0.0, 0.0)
    sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
    return (statistics.mean(xs), sd, min(xs), max(xs))


def report(name, runs, keys=("rps", "mean_ms", "p50_ms", "p95_ms")):
    out = {}
    for k in keys:
        m, sd, lo, hi = spread([r[k] for r in runs])
        out[k] = {"mean": m, "sd": sd, "min": lo, "max": hi,
                  "runs": [r[k] for r in runs]}
    print("# %-26s " % name + "  ".join(
        "%s %.1f ± %.1f [%.1f..%.1f]" % (k, out[k]["mean"], out[k]["sd"],
                                         out[k]["min"], out[k]["max"])
        for k in keys), flush=True)
    return out


# ---- (a) dynamic DSR against polling --------------------------------------

POLL_MODES = [
    ("round-robin", ["mode = round-robin"], ""),
    ("polling 10 ms", ["mode = polling"], "poll_interval_ms = 10\n"),
    ("polling 100 ms", ["mode = polling"], "poll_interval_ms = 100\n"),
    ("dsr-feedback", ["mode = dsr-feedback", "probe_every = 2"], ""),
    ("dsr-feedback adaptive", ["mode = dsr-feedback", "probe_every = 2",
                               "probe_adaptive = yes"], ""),
]


def t_polling(tb):
    t0 = time.time()
    slowservers(tb, ["s1", "s2"], MEAN_MS)
    url = "http://%s:8080/" % E.SLOW4
    runs = {m[0]: [] for m in POLL_MODES}
    loads = []
    for rep in range(REPS):
        # rotate the order: every mode runs early and late once
        order = POLL_MODES[rep % len(POLL_MODES):] + \
            POLL_MODES[:rep % len(POLL_MODES)]
        for name, lines, gen in order:
            restart_lb(tb, lb_ini_with("slow4", lines, ("s1", "s2"), gen))
            hey_run(url, 2, CONC)       # warm-up: scores, ARP
            loads.append(float(load_note()))
            f = hey_run(url, SECS, CONC)
            runs[name].append(f)
            print("# rep %d %-22s rps %.1f mean %.0f ms p95 %.0f ms "
                  "(%d ok, %d errors, load %.2f)" %
                  (rep, name, f["rps"], f["mean_ms"], f["p95_ms"], f["ok"],
                   f["errors"] + f["bad"], loads[-1]), flush=True)
            if name.startswith("polling"):
                rc, out = tb.ctl("show busy slow4")
                print("# " + out.strip().replace("\n", "\n# "))
    res = {name: report(name, rs) for name, rs in runs.items()}
    base, dyn = res["polling 10 ms"], res["dsr-feedback"]
    if base["rps"]["mean"] > 0 and base["mean_ms"]["mean"] > 0:
        print("# dsr-feedback vs polling 10 ms: requests/s %+.1f %%, mean "
              "latency %+.1f %% (paper: +47.6 %%, -17 %%)" %
              (100 * (dyn["rps"]["mean"] / base["rps"]["mean"] - 1),
               100 * (dyn["mean_ms"]["mean"] / base["mean_ms"]["mean"] - 1)))
    RESULTS["polling"] = {"modes": res, "reps": REPS, "secs": SECS,
                          "conc": CONC, "mean_ms": MEAN_MS,
                          "load": loads, "minutes":
                          (time.time() - t0) / 60}
    E.tap(all(r["ok"] > 0 for rs in runs.values() for r in rs),
          "polling: every run of every mode served requests (%.1f min)" %
          ((time.time() - t0) / 60))


# ---- (b) latency feedback -------------------------------------------------

def delay_qdisc():
    """1 ms netem when the kernel has sch_netem; otherwise (this test
    machine's kernel has only tbf, htb and pfifo: no netem, fq or etf for
    an earliest-departure delay) a token-bucket bottleneck on s1's link,
    TESTBED_TBF (default 'rate 256kbit burst 1600 latency 20ms'), which
    delays s1's packets by their queueing behind it. The appliance's own
    latency estimate of s1 shows what it added."""
    r = E.nsx("sw", "tc qdisc add dev sws1 root netem delay 1ms",
              check=False)
    if r.returncode == 0:
        E.nsx("sw", "tc qdisc del dev sws1 root", check=False)
        return "netem delay 1ms"
    return "tbf " + os.environ.get("TESTBED_TBF",
                                   "rate 256kbit burst 1600 latency 20ms")


def t_latency(tb):
    t0 = time.time()
    qdisc = delay_qdisc()
    print("# latency: s1's link gets '%s'" % qdisc, flush=True)
    url = "http://%s:81/" % E.MAG4
    all_runs = []
    for rep in range(REPS):
        restart_lb(tb, lb_ini_with("mag4", ["mode = latency-feedback"]))
        csv = os.path.join(E.WORK, "lat-%d.csv" % rep)
        # a steady rate: 8 workers x 50/s = 400 requests/s for 40 s
        hp = subprocess.Popen(
            "ip netns exec %sc hey -z 40s -c 8 -q 50 -t 5 -o csv '%s' > %s"
            % (E.P, url, csv), shell=True)
        start = time.time()
        share, events = [], {}
        delay_on = delay_off = False
        while hp.poll() is None:
            now = time.time() - start
            if now >= 10 and not delay_on:
                E.nsx("sw", "tc qdisc add dev sws1 root " + qdisc)
                events["delay_on"] = time.time() - start
                delay_on = True
            if now >= 25 and not delay_off:
                E.nsx("sw", "tc qdisc del dev sws1 root", check=False)
                events["delay_off"] = time.time() - start
                delay_off = True
            rc, out = tb.ctl("show latency mag4")
            m = re.search(r"\n\s*s1\s+(\d+) us\s+([\d.]+)%", out)
            if m:
                share.append((time.time() - start, int(m.group(1)),
                              float(m.group(2))))
            time.sleep(0.1)
        E.nsx("sw", "tc qdisc del dev sws1 root", check=False)
        # the client's latency per 0.5 s bin (hey's csv: response-time,
        # ..., offset; offset from hey's start, about ours)
        bins = {}
        with open(csv) as f:
            for line in f:
                p = line.strip().split(",")
                if len(p) < 8 or not p[0][0].isdigit():
                    continue
                b = int(float(p[7]) / 0.5)
                bins.setdefault(b, []).append(float(p[0]) * 1e3)
        client = [(b * 0.5, statistics.mean(v), len(v))
                  for b, v in sorted(bins.items())]
        on, off = events.get("delay_on", 10), events.get("delay_off", 25)
        before = [s for t, l, s in share if t < on]
        s0 = statistics.mean(before[-20:]) if before else 0
        fall = next((t - on for t, l, s in share
                     if on <= t < off and s <= s0 / 2), None)
        low = [s for t, l, s in share if off - 3 <= t < off]
        back = next((t - off for t, l, s in share
                     if t >= off and s >= 0.9 * s0), None)
        lat_s1 = [lt for t, lt, s in share if t < on]
        lat_s1_on = [lt for t, lt, s in share if on + 1 <= t < off]
        lb0 = [lt for t, lt, s in client if t < on]
        lat0 = statistics.mean(lb0[-10:]) if lb0 else 0
        peak = max([lt for t, lt, s in client if on <= t < on + 2] or [0])
        rec = next((t - on for t, lt, s in client
                    if t >= on + 0.5 and t < off and lt <= lat0 * 1.1 +
                    0.1), None)
        run = {"share_before": s0,
               "share_during_last3s": statistics.mean(low) if low else 0,
               "fall_to_half_s": fall, "back_to_90pct_s": back,
               "client_ms_before": lat0, "client_ms_peak": peak,
               "client_recovered_s": rec, "events": events,
               "qdisc": qdisc,
               "s1_estimate_us_before": statistics.mean(lat_s1[-20:])
               if lat_s1 else 0,
               "s1_estimate_us_during": statistics.mean(lat_s1_on)
               if lat_s1_on else 0,
               "share": share, "client": client}
        all_runs.append(run)
        print("# rep %d: s1 estimate %.0f us -> %.0f us with the delay" %
              (rep, run["s1_estimate_us_before"],
               run["s1_estimate_us_during"]))
        print("# rep %d: s1 share %.1f %% -> %.1f %% (half after %s s), "
              "back to 90 %% %s s after removal; client mean %.2f ms, peak "
              "%.2f ms, within 10 %% after %s s (load %s)" %
              (rep, s0, run["share_during_last3s"], fall, back, lat0, peak,
               rec, load_note()), flush=True)
    RESULTS["latency"] = {"runs": all_runs,
                          "minutes": (time.time() - t0) / 60}
    E.tap(all(r["share"] and r["client"] for r in all_runs),
          "latency: every run produced share and client samples (%.1f "
          "min)" % ((time.time() - t0) / 60))


# ---- (c) SR_4 against Maglev near saturation -----------------------------

def sr4_setup():
    """Before the testbed is up: the agents decide hunt SYNs with SR_c,
    c = workers (accept when a worker is free: docs/evaluation.md "Why
    c = 4"), and nginx leaves hunt6's port 80 to slowserver."""
    old = "accept = sr_dyn\nc = 2\n"
    assert old in E.AGENT_INI
    E.AGENT_INI = E.AGENT_INI.replace(old, "accept = sr_c\nc = %d\n" %
                                      E.WORKERS)
    line = "        listen [%s]:80;\n" % E.HUNT6
    assert line in E.NGINX
    E.NGINX = E.NGINX.replace(line, "")


def poisson_point(tb, host, port, rate, seed, hunt):
    a0 = {n: tb.agent_stats(n) for n in E.SERVERS} if hunt else None
    c0 = cpu_times()
    r = E.nsx("c", "/usr/bin/python3 %s --client %s %d %g %g %g %d 20 %s" %
              (POISSON, host, port, rate, SR4_SECS, SR4_WARMUP, seed,
               "%g" % SR4_MEAN_MS if SR4_CRN else ""), check=False,
              timeout=SR4_SECS + 200)
    c1 = cpu_times()
    o = json.loads(r.stdout) if r.returncode == 0 else {"rt": [],
                                                        "errors": -1,
                                                        "lag": [0]}
    rt = sorted(x * 1e3 for x in o["rt"])
    f = {"n": len(rt), "errors": o["errors"],
         "mean_ms": statistics.mean(rt) if rt else 0.0,
         "p50_ms": rt[len(rt) // 2] if rt else 0.0,
         "p99_ms": rt[min(len(rt) - 1, int(0.99 * len(rt)))] if rt else 0.0,
         "lag99_ms": sorted(o["lag"])[int(0.99 * (len(o["lag"]) - 1))] *
         1e3 if o["lag"] else 0.0,
         "idle": 100.0 * (c1[1] - c0[1]) / max(1, c1[0] - c0[0]),
         "load": float(load_note())}
    if hunt:
        a1 = {n: tb.agent_stats(n) for n in E.SERVERS}
        acc = sum(a1[n].get("hunt_accept", 0) - a0[n].get("hunt_accept", 0)
                  for n in E.SERVERS)
        pas = sum(a1[n].get("hunt_pass", 0) - a0[n].get("hunt_pass", 0)
                  for n in E.SERVERS)
        f["acc1"] = acc / max(1, acc + pas)
    return f


def cpu_times():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v), v[3] + v[4]          # total, idle + iowait


def t_sr4(tb):
    t0 = time.time()
    n_srv = len(E.SERVERS)
    rate = SR4_RHO * n_srv * E.WORKERS / (SR4_MEAN_MS / 1e3)
    # SC: slow4 in mode maglev; SR_4: hunt6 (mode hunt), both served by
    # the same slowservers
    restart_lb(tb, lb_ini_with("slow4", ["mode = maglev"]))
    slowservers(tb, list(E.SERVERS), SR4_MEAN_MS, E.WORKERS, "exp",
                "%s 80" % E.HUNT6)
    pols = {"sc": (E.SLOW4, 8080, False), "sr4": (E.HUNT6, 80, True)}
    for host, port, _ in pols.values():
        E.nsx("c", "curl -s -g -m 5 -o /dev/null 'http://%s:%d/?ms=1'" %
              ("[%s]" % host if ":" in host else host, port), check=False)
    runs = {p: [] for p in pols}
    for rep in range(SR4_REPS):
        order = ["sc", "sr4"] if rep % 2 == 0 else ["sr4", "sc"]
        for p in order:
            host, port, hunt = pols[p]
            f = poisson_point(tb, host, port, rate, rep + 1, hunt)
            runs[p].append(f)
            print("# rep %d seed %d %-4s mean %.1f ms p50 %.1f p99 %.1f "
                  "(%d answers, %d errors, lag99 %.1f ms, idle %.0f %%, "
                  "load %.2f%s)" %
                  (rep, rep + 1, p, f["mean_ms"], f["p50_ms"], f["p99_ms"],
                   f["n"], f["errors"], f["lag99_ms"], f["idle"], f["load"],
                   ", acc1 %.3f" % f["acc1"] if hunt else ""), flush=True)
            time.sleep(2.0)
    res = {p: report(p, rs, ("mean_ms", "p50_ms", "p99_ms"))
           for p, rs in runs.items()}
    # paired by seed: same arrivals, same jobs
    ratio = [a["mean_ms"] / b["mean_ms"] for a, b in
             zip(runs["sc"], runs["sr4"]) if b["mean_ms"] > 0]
    delta = [a["mean_ms"] - b["mean_ms"] for a, b in
             zip(runs["sc"], runs["sr4"])]
    rm, rsd, rlo, rhi = spread(ratio)
    dm, dsd, _, _ = spread(delta)
    wins = sum(1 for d in delta if d > 0)
    print("# SC / SR_4 mean, paired by seed: %.2f ± %.2f [%.2f..%.2f]; "
          "SC - SR_4: %.1f ± %.1f ms; SR_4 lower in %d of %d (paper, "
          "Fig. 10a: up to 2.3x at rho 0.87)" %
          (rm, rsd, rlo, rhi, dm, dsd, wins, len(delta)), flush=True)
    RESULTS["sr4"] = {"policies": res, "runs": runs, "reps": SR4_REPS,
                      "common_jobs": SR4_CRN,
                      "secs": SR4_SECS, "rho": SR4_RHO, "rate": rate,
                      "ratio": {"mean": rm, "sd": rsd, "min": rlo,
                                "max": rhi, "runs": ratio},
                      "delta_ms": {"mean": dm, "sd": dsd, "runs": delta},
                      "sr4_lower": wins,
                      "minutes": (time.time() - t0) / 60}
    E.tap(all(f["n"] > 0 and f["errors"] == 0 for rs in runs.values()
              for f in rs),
          "sr4: every run of both policies was answered, without error "
          "(%.1f min)" % ((time.time() - t0) / 60))


TESTS = {"polling": t_polling, "latency": t_latency, "sr4": t_sr4}


def main():
    if os.geteuid() != 0:
        E.skip("not root")
    for tool in ("ip", "nginx", "hey", "tc", "ethtool"):
        if E.shutil.which(tool) is None:
            E.skip("%s missing" % tool)
    names = E.ONLY or ["polling", "latency", "sr4"]
    if "sr4" in names:
        sr4_setup()
    tb = E.Testbed()
    try:
        tb.up()
        os.rename(os.path.join(E.WORK, "lb.ini"),
                  os.path.join(E.WORK, "lb.base.ini"))
        with open(os.path.join(E.WORK, "lb.base.ini")) as f:
            base = f.read()
        with open(os.path.join(E.WORK, "lb.ini"), "w") as f:
            f.write(base)
        E.tap(True, "testbed up (load %s)" % load_note())
        for n in names:
            try:
                TESTS[n](tb)
            except Exception as e:
                E.tap(False, "%s raised %r" % (n, e))
    finally:
        tb.down()
        with open(os.path.join(E.WORK, "results.json"), "w") as f:
            json.dump(RESULTS, f, indent=1)
    return E.plan()


if __name__ == "__main__":
    sys.exit(main())
