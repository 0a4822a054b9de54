#!/usr/bin/env python3
"""Writes docs/benchmarks.md and its gnuplot charts from one run of scripts/bench.

Usage: report.py RUN_DIR OUT_MD CHART_DIR

RUN_DIR is target/bench/run-<time>/ (results.jsonl, machine.txt, raw/). Medians over the runs;
ratios are opcached / PHP (throughput: higher is better for opcached; latency: lower is better).
The prose that does not depend on the figures lives next to this file: segment-jmh.md (the
segment benchmarks' explanations), notes.md (observations on the daemon), tail-latency.md (where a
request's time and tail go), compile-engine.md and worker-memory.md (a worker's memory and its JVM
defaults).
"""
import json
import math
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD_NAMES = {"hello": "hello world", "medium": "medium (7 classes)", "shop": "200-file application"}
SCRIPTS_IN_MIX = 203  # hello, medium, shop + 200 modules


def bare_paragraph(setup):
    """Section 1's prose on the bare Netty server; setup: its bare_setup record, or None."""
    flags = ("`%s`, `MALLOC_ARENA_MAX=%s`" % (setup["flags"], setup["malloc_arena_max"])) if setup else "those of a worker"
    return ("**Against the limit (hello world).** Each hello-world cell also measures a bare Netty epoll keep-alive hello "
            "server written for the benchmark (`scripts/bench-workloads/BareHello.java`): the project's own Netty, one event "
            "loop, `SO_REUSEPORT`, `HttpServerCodec` and the same answer as `hello.java` (checked before measuring), and "
            "nothing else: no docroot, no segment, no script, no other thread. It is the limit that the worker's HTTP path is "
            "measured against: what this Netty serves on this machine when a request costs nothing. Like the pool, it is two "
            "JVMs on one port, started from the same jars, as the same unprivileged user, with a worker's default JVM flags "
            "(%s, after `scripts/jvm.options`; not the workers' class archive, which changes a start, not the request path), "
            "compiled once with `javac` (source-file mode would load javac into both). It runs third in each cell, after "
            "opcached and PHP, with the same warm-up and runs. Target: opcached ≥ 0.8× its throughput at 32 connections; at "
            "2 connections the ratio is shown without a target." % flags)


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def to_ms(value, unit):
    v = float(value)
    return {"us": v / 1000.0, "ms": v, "s": v * 1000.0, "m": v * 60000.0}[unit]


def parse_wrk(path):
    r = {"rps": None, "p50": None, "p99": None, "requests": None, "non2xx": 0, "errors": 0}
    try:
        text = open(path).read()
    except OSError:
        return r
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        r["rps"] = float(m.group(1))
    m = re.search(r"(\d+) requests in", text)
    if m:
        r["requests"] = int(m.group(1))
    for pct, key in (("50", "p50"), ("99", "p99")):
        m = re.search(r"^\s+" + pct + r"(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        if m:
            r[key] = to_ms(m.group(1), m.group(2))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        r["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        r["errors"] = sum(int(x) for x in m.groups())
    return r


def fmt(x, digits=0):
    if x is None:
        return "–"
    if digits == 0:
        return "{:,.0f}".format(x)
    return "{:,.{d}f}".format(x, d=digits)


def ratio(a, b, digits=2):
    if a is None or b is None or b == 0:
        return None
    return a / b


def verdict(ok):
    return "**met**" if ok else "**missed**"


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def dig(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or d.get(k) is None:
            return None
        d = d[k]
    return d


def read_timeline(prefix):
    """deploy.lua's files PREFIX.<thread>: per 100-ms window [responses, non-200, old], the latency
    histogram per window of sending, the old-version responses by (ms done, ms sent); and
    PREFIX.pending: the requests unanswered when wrk stopped, in the histogram with the time
    they had waited by then (a lower bound); also how many had waited more than a second."""
    windows, hist, olds, pending, end = {}, {}, [], [], None
    d = os.path.dirname(prefix)
    base = os.path.basename(prefix) + "."
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if not name.startswith(base):
            continue
        for line in open(os.path.join(d, name)):
            parts = line.split()
            if parts[0] == "w":
                w = windows.setdefault(int(parts[1]), [0, 0, 0])
                for i in range(3):
                    w[i] += int(parts[2 + i])
            elif parts[0] == "h":
                key = (int(parts[1]), int(parts[2]))
                hist[key] = hist.get(key, 0) + int(parts[3])
            elif parts[0] == "o":
                olds.append((int(parts[1]), int(parts[2]), int(parts[3])))
            elif parts[0] == "p":
                pending.append(int(parts[1]))
            elif parts[0] == "e":
                end = int(parts[1])
    for sent in pending if end else []:
        key = (sent // 100000, int(100 * math.log10(max(end - sent, 1))))
        hist[key] = hist.get(key, 0) + 1
    stuck = sum(1 for sent in pending if end and end - sent > 1000000)
    return windows, hist, olds, stuck


def hist_percentile(hist, lo, hi, q):
    """The q-quantile latency in ms of the windows lo <= w < hi (histogram bins of 1/100 decade)."""
    bins = {}
    for (w, b), n in hist.items():
        if lo <= w < hi:
            bins[b] = bins.get(b, 0) + n
    total = sum(bins.values())
    if not total:
        return None
    seen = 0
    for b in sorted(bins):
        seen += bins[b]
        if seen >= q * total:
            return 10 ** ((b + 0.5) / 100.0) / 1000.0
    return None


def corrected_percentile(hist, lo, hi, q, interval_us):
    """The q-quantile latency in ms of the windows lo <= w < hi, corrected for coordinated omission
    as wrk2 does (HdrHistogram's recordValueWithExpectedInterval): a wrk connection sends its next
    request only once answered, so an answer slower than the interval between a connection's
    requests at the warm rate also stands for the requests that interval would have sent, with
    latencies L - I, L - 2I, ... down to I."""
    samples = []
    for (w, b), n in hist.items():
        if lo <= w < hi:
            samples.append((10 ** ((b + 0.5) / 100.0), n))
    if not samples or not interval_us:
        return None

    def above(x):  # how many real and stand-in latencies exceed x
        c = 0
        for lat, n in samples:
            if lat > x:
                c += n
            if lat > interval_us and lat - interval_us > x:
                c += n * int((lat - max(x, interval_us)) // interval_us)
        return c

    total = above(-1.0)
    lo_x, hi_x = 0.0, max(lat for lat, _ in samples)
    for _ in range(60):
        mid = (lo_x + hi_x) / 2
        if above(mid) > (1 - q) * total:
            lo_x = mid
        else:
            hi_x = mid
    return hi_x / 1000.0


def deploy_figures(r, manifest):
    """One measured deploy: rates (by completion), p99s (of the requests sent in the period),
    compilations, bad answers, old code after the reset."""
    windows, hist, olds, pending = read_timeline(r["timeline"])
    t_start, t_change = r["t_start_us"], r["t_change_us"]
    t_reset, t_done = r["t_reset_us"], r["t_reset_done_us"]
    w_lo = -(-(t_start + 1000000) // 100000)   # the first full window after 1 s of load
    w_hi = t_change // 100000                  # up to the change
    a_lo = t_reset // 100000                   # the 3 s from the reset call
    a_hi = a_lo + 30

    def count(lo, hi, i):
        return sum(windows.get(w, [0, 0, 0])[i] for w in range(lo, hi))

    f = {"server": r["server"], "config": r["config"], "conns": r["conns"], "run": r["run"]}
    f["rate_before"] = count(w_lo, w_hi, 0) / ((w_hi - w_lo) / 10.0) if w_hi > w_lo else None
    f["rate_after"] = count(a_lo, a_hi, 0) / 3.0
    f["rate_ratio"] = ratio(f["rate_after"], f["rate_before"])
    interval = r["conns"] * 1e6 / f["rate_before"] if f["rate_before"] else None
    f["p99_before"] = corrected_percentile(hist, w_lo, w_hi, 0.99, interval)
    f["p99_after"] = corrected_percentile(hist, a_lo, a_hi, 0.99, interval)
    f["p99_ratio"] = ratio(f["p99_after"], f["p99_before"])
    f["p99_after_raw"] = hist_percentile(hist, a_lo, a_hi, 0.99)
    f["max_after"] = hist_percentile(hist, a_lo, a_hi, 1.0)
    f["pending"] = pending
    f["reset_ms"] = (t_done - t_reset) / 1000.0
    w = parse_wrk(r["wrk"])
    f["bad"] = max(sum(v[1] for v in windows.values()), w["non2xx"]) + w["errors"] + int(r.get("stale_after_settle", 0))
    done_ms = t_done // 1000
    f["old_after"] = sum(n for d, _, n in olds if d > done_ms)
    f["old_sent_after"] = sum(n for _, s_, n in olds if s_ > done_ms)
    before, after = load_json(r["status_before"]), load_json(r["status_after"])
    if r["server"] == "opcached":
        c0, c1 = dig(before, "compiles"), dig(after, "compiles")
        f["compiles"] = c1 - c0 if c0 is not None and c1 is not None else None
        m0, m1 = dig(before, "opcache_statistics", "misses"), dig(after, "opcache_statistics", "misses")
        h0, h1 = dig(before, "file_cache_statistics", "hits"), dig(after, "file_cache_statistics", "hits")
        f["file_cache_hits"] = h1 - h0 if h0 is not None and h1 is not None else None
    else:
        m0, m1 = dig(before, "misses"), dig(after, "misses")
        f["file_cache_hits"] = None
    if m0 is None or m1 is None:
        f["misses"] = None
    elif r["server"] == "php" and (dig(after, "manual_restarts") or 0) > (dig(before, "manual_restarts") or 0):
        # OPcache zeroes its statistics at a restart; the status page is then one of the misses.
        f["misses"] = m1 - 1
    else:
        f["misses"] = m1 - m0
    if r["server"] == "php":
        f["compiles"] = f["misses"]
    rel = []
    # Without the last window: some threads' last windows are not written (deploy.lua).
    for w_ in range(min(windows) if windows else 0, max(windows) if windows else 0):
        rel.append(((w_ * 100000 - t_reset) / 1e6, windows.get(w_, [0, 0, 0])[0]))
    f["timeline"] = rel
    return f


def compile_answer(path):
    """The figures of a /compile answer, one JSON object or NDJSON lines (the last that has them)."""
    try:
        text = open(path).read()
    except OSError:
        return {}
    objs = []
    try:
        objs = [json.loads(text)]
    except ValueError:
        for line in text.splitlines():
            try:
                objs.append(json.loads(line))
            except ValueError:
                pass
    out = {}
    for o in objs:
        if not isinstance(o, dict):
            continue
        for k in ("compiled", "cached", "skipped", "failed"):
            if k in o:
                out[k] = len(o[k]) if isinstance(o[k], list) else o[k]
    out["lines"] = len(objs)
    return out


def gnuplot(chart_dir, name, script):
    path = os.path.join(chart_dir, name + ".gp")
    with open(path, "w") as f:
        f.write(script)
    subprocess.run(["gnuplot", path], check=False, stderr=subprocess.DEVNULL)


def bar_chart(chart_dir, work_dir, name, title, ylabel, labels, series, logscale=False):
    """series: [(legend, [values...])]; labels: x labels."""
    dat = os.path.join(work_dir, name + ".dat")
    with open(dat, "w") as f:
        f.write("label " + " ".join('"%s"' % s[0] for s in series) + "\n")
        for i, label in enumerate(labels):
            vals = []
            for _, vs in series:
                v = vs[i]
                vals.append("NaN" if v is None else repr(float(v)))
            f.write('"%s" %s\n' % (label, " ".join(vals)))
    plots = ", ".join("'%s' using %d:xtic(1) title columnheader(%d)" % (dat, i + 2, i + 2)
                      for i in range(len(series)))
    gnuplot(work_dir, name, """set terminal pngcairo size 900,420 font 'DejaVu Sans,10'
set output '%s'
set title '%s'
set ylabel '%s'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key below horizontal
set grid ytics
set xtics rotate by -20
%s
set yrange [%s:*]
plot %s
""" % (os.path.join(chart_dir, name + ".png"), title, ylabel,
       "set logscale y" if logscale else "", "*" if logscale else "0", plots))


FLEET_PHASES = (("cold", "first release, cold, every host at once"),
                ("deploy", "next release, `reset` on every host at once"),
                ("rolling", "next release, `reset` host after host"))


def fleet_mode_name(mode, setup):
    if mode == "local":
        return "without Redis"
    if mode == "redis":
        return "Redis, `opcached.redis_timeout` 50 ms (default)"
    return "Redis, `opcached.redis_timeout` %s ms" % mode.split("-t", 1)[1]


def fleet_section(rows, machine, manifest_files, n_changed, n_trans):
    """Section 8 (scripts/bench --only fleet, fleet.py): (markdown lines, targets)."""
    recs = [r for r in rows if r.get("kind") == "fleet"]
    setup = next((r for r in rows if r.get("kind") == "fleet_setup"), {})
    if not recs:
        return [], []
    modes = [m for m in ("local", "redis") if any(r["mode"] == m for r in recs)]
    modes += sorted({r["mode"] for r in recs} - set(modes))
    hosts = recs[0].get("hosts", 3)
    files = recs[0].get("files", manifest_files)

    def total(r, phase, key):
        return sum(f[key] or 0 for f in r[phase]["figures"])

    def per_run(mode, phase, fn):
        return [fn(r) for r in recs if r["mode"] == mode]

    med = {}
    table = ["| release | fleet | compilations in the fleet, median (per run: host + host + host) | **/ without Redis** | "
             "time until every host serves every page right, s, median (per run) | **/ without Redis** | "
             "Redis hits, the fleet's (per run) | claim waits | compiles saved (counter) | Redis timeouts | "
             "level went down or up | wrong answers on the way |",
             "| --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for phase, label in FLEET_PHASES:
        for mode in modes:
            rs = [r for r in recs if r["mode"] == mode and phase in r]
            if not rs:
                continue
            comp = [total(r, phase, "compiles") for r in rs]
            wall = [r[phase]["wall_s"] for r in rs]
            med[(phase, mode)] = {"compiles": median(comp), "wall": median(wall), "runs": comp,
                                  "saved": sum(total(r, phase, "opcached_redis_compiles_saved_total") for r in rs),
                                  "waits": sum(total(r, phase, "opcached_redis_claim_waits_total") for r in rs),
                                  "hits": sum(total(r, phase, "opcached_redis_hits_total") for r in rs)}
            base = med.get((phase, "local"), {})

            def runs_of(key):
                return "; ".join(" + ".join(str(f[key] or 0) for f in r[phase]["figures"]) for r in rs)

            def sums_of(key):
                return ", ".join(str(total(r, phase, key)) for r in rs)
            table.append("| %s | %s | %s (%s) | **%s** | %s (%s) | **%s** | %s | %s | %s | %s | %s | %d |" % (
                label, fleet_mode_name(mode, setup), fmt(median(comp)), runs_of("compiles"),
                fmt(ratio(median(comp), base.get("compiles")), 2) if mode != "local" else "1",
                fmt(median(wall), 1), ", ".join(fmt(w, 1) for w in wall),
                fmt(ratio(median(wall), base.get("wall")), 2) if mode != "local" else "1",
                sums_of("opcached_redis_hits_total"), sums_of("opcached_redis_claim_waits_total"),
                sums_of("opcached_redis_compiles_saved_total"), sums_of("opcached_redis_timeouts_total"),
                sums_of("opcached_redis_state_changes_total"), sum(len(r[phase]["wrong"]) for r in rs)))
    resets = ["| fleet | `POST /reset` answered, s after the resets were sent, per host (per run) | `compiled_first` per host |",
              "| --- | --- | --- |"]
    for mode in modes:
        rs = [r for r in recs if r["mode"] == mode and "deploy" in r]
        resets.append("| %s | %s | %s |" % (fleet_mode_name(mode, setup),
                                           "; ".join(", ".join(fmt(x, 1) for x in r["deploy"]["reset_s"]) for r in rs),
                                           "; ".join(", ".join(str(x) for x in r["deploy"]["compiled_first"]) for r in rs)))
    load = next((str(r["load"]).split()[0] for r in rows if r.get("kind") == "load" and r.get("phase") == "fleet"), "?")
    lines = [
        "Run of %s (`scripts/bench`, the part `fleet`; 1-minute load average %s when it started)." % (
            machine.get("date"), load),
        "",
        "%d pools on this machine as %d hosts of a fleet (`fleet.py`, %s run(s) of each fleet, the fleets alternating, "
        "each run with fresh pools): each pool has its own copy of the deploy application of section 6 (%d files: 20 "
        "pages over 180 modules; its own directory, so the hosts' paths differ), its own state directory (file cache "
        "on, empty at the start), its own segment, one worker; the Redis fleets share one `redis-server` (%s, on a "
        "free loopback port, no persistence, `maxmemory-policy allkeys-lru`, emptied before each fleet) and one fleet "
        "key (`opcached.redis_key_file`, the same 0600 file). *First release*: every page of every host requested at "
        "once (one connection per page and host, a page asked again until it answers right), timed until every host "
        "has answered every page right. *Next release*: the %d modules of section 6 get a new version in every host's "
        "copy, then `POST /reset` is sent to every host at once, as `opcachectl --all reset` does in the fleet deploy "
        "runbook (docs/operations.md), and each host's pages are requested at once as soon as its reset has answered; "
        "timed from the resets being sent until every host answers every page with the new versions. *Host after "
        "host*: the release after that, the next host's reset sent once the one before serves every page right. "
        "Compilations: `compiles` from each pool's `GET /status`; the Redis figures from `GET /metrics` "
        "(`opcached_redis_hits_total`, `_claim_waits_total`, `_compiles_saved_total`, `_timeouts_total`, "
        "`_state_changes_total`), each read once two reads 1.5 s apart agree. Everything (%d supervisors, workers and "
        "compilers, Redis and the client) shares the machine's cores, so a compile on one host slows the others: the "
        "times are not what %d machines would show, the compilations are." % (
            hosts, hosts, len({r["run"] for r in recs}), files,
            next((r.get("version", "").split(" sha=")[0] for r in rows if r.get("kind") == "fleet_redis"), "redis-server"),
            n_changed, hosts, hosts),
        "",
        "\n".join(table),
        "",
        "\n".join(resets),
        "",
    ]
    saved_lines = []
    for phase, label in FLEET_PHASES:
        for mode in modes[1:]:
            m, base = med.get((phase, mode)), med.get((phase, "local"))
            if m and base:
                saved_lines.append("%s, %s: single flight saved %d compiles of %d claim waits (counter, all runs); "
                                   "the fleet compiled %s against %s without Redis (median)" % (
                                       label, fleet_mode_name(mode, setup), m["saved"], m["waits"],
                                       fmt(m["compiles"]), fmt(base["compiles"])))
    if saved_lines:
        lines += ["- " + x for x in saved_lines] + [""]
    targets = []
    redis_modes = modes[1:]
    if redis_modes:
        def measured(phase):
            return "; ".join("%s %s" % (fleet_mode_name(m, setup), ", ".join(str(x) for x in med[(phase, m)]["runs"]))
                             for m in modes if (phase, m) in med)
        d = med.get(("cold", "redis"))
        ok = d is not None and all(x <= files for x in d["runs"])
        targets.append(("fleet: first release cold on %d hosts at once: compilations in the fleet = the files (%d), not "
                        "%d × files (%d)" % (hosts, files, hosts, hosts * files), measured("cold"), ok,
                        "" if ok else "a first release has no cached units to order it: hosts compiling pages that share a module at once each compile the module; see [the fleet](#8-a-fleet-of-three-hosts-through-redis)"))
        d = med.get(("deploy", "redis"))
        ok = d is not None and all(x <= n_trans + n_changed for x in d["runs"])
        targets.append(("fleet: next release (%d changed files) reset on every host at once: compilations in the fleet = "
                        "the changed files + what was compiled against them (%d), not %d × that" % (
                            n_changed, n_trans + n_changed, hosts), measured("deploy"), ok,
                        "" if ok else "see [the fleet](#8-a-fleet-of-three-hosts-through-redis)"))
        d = med.get(("rolling", "redis"))
        if d is not None:
            ok = all(x <= n_trans + n_changed for x in d["runs"])
            targets.append(("fleet: the same, reset host after host: compilations in the fleet = %d" % (n_trans + n_changed),
                            measured("rolling"), ok, "" if ok else "see [the fleet](#8-a-fleet-of-three-hosts-through-redis)"))
    return lines, targets


def main():
    run_dir, out_md, chart_dir = sys.argv[1:4]
    os.makedirs(chart_dir, exist_ok=True)
    work_dir = os.path.join(run_dir, "charts-src")
    os.makedirs(work_dir, exist_ok=True)
    rows = [json.loads(line) for line in open(os.path.join(run_dir, "results.jsonl"))]
    machine = {}
    for line in open(os.path.join(run_dir, "machine.txt")):
        k, _, v = line.rstrip("\n").partition("=")
        machine[k] = v
    chart_rel = os.path.relpath(chart_dir, os.path.dirname(os.path.abspath(out_md)))
    md = []
    targets = []  # (target, measured, met, why)

    # ---------------- Q1
    q1 = {}
    for r in rows:
        if r.get("kind") == "q1":
            w = parse_wrk(r["file"])
            q1.setdefault((r["workload"], r["conns"], r["server"]), []).append(w)
    q1m = {}
    for key, ws in q1.items():
        q1m[key] = {k: median([w[k] for w in ws]) for k in ("rps", "p50", "p99")}
        q1m[key]["runs"] = len(ws)
        q1m[key]["bad"] = sum(w["non2xx"] + w["errors"] for w in ws)
    workloads = [w for w in ("hello", "medium", "shop") if any(k[0] == w for k in q1m)]
    conns = sorted({k[1] for k in q1m})
    q1_table = ["| workload | connections | opcached req/s | PHP req/s | **opcached / PHP** | opcached p50 ms | PHP p50 ms | opcached p99 ms | PHP p99 ms | p99 opcached / PHP |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    labels, s_o, s_p, s_n, l_o, l_p, l_n = [], [], [], [], [], [], []
    for w in workloads:
        for c in conns:
            o, p = q1m.get((w, c, "opcached"), {}), q1m.get((w, c, "php"), {})
            rr = ratio(o.get("rps"), p.get("rps"))
            lr = ratio(o.get("p99"), p.get("p99"))
            q1_table.append("| %s | %d | %s | %s | **%s** | %s | %s | %s | %s | %s |" % (
                WORKLOAD_NAMES[w], c, fmt(o.get("rps")), fmt(p.get("rps")), fmt(rr, 2),
                fmt(o.get("p50"), 2), fmt(p.get("p50"), 2), fmt(o.get("p99"), 2), fmt(p.get("p99"), 2), fmt(lr, 2)))
            labels.append("%s c=%d" % (w, c))
            n = q1m.get((w, c, "netty"), {})
            s_o.append(o.get("rps")); s_p.append(p.get("rps")); s_n.append(n.get("rps"))
            l_o.append(o.get("p99")); l_p.append(p.get("p99")); l_n.append(n.get("p99"))
    # The limit of hello world: the bare Netty server (scripts/bench's start_bare), hello only, same run.
    bare_setup = next((r for r in rows if r.get("kind") == "bare_setup"), None)
    bare = {c: (q1m.get(("hello", c, "opcached"), {}), q1m[("hello", c, "netty")]) for c in conns if ("hello", c, "netty") in q1m}
    bare_table = []
    if bare:
        bare_table = ["| workload | connections | opcached req/s | bare Netty req/s | **opcached / bare Netty** | target | opcached p50 ms | bare Netty p50 ms | opcached p99 ms | bare Netty p99 ms | p99 opcached / bare Netty |",
                      "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
        for c, (o, n) in bare.items():
            rr = ratio(o.get("rps"), n.get("rps"))
            target = "≥ 0.8× %s" % verdict(rr is not None and rr >= 0.8) if c == 32 else "none"
            bare_table.append("| %s | %d | %s | %s | **%s** | %s | %s | %s | %s | %s | %s |" % (
                WORKLOAD_NAMES["hello"], c, fmt(o.get("rps")), fmt(n.get("rps")), fmt(rr, 2), target,
                fmt(o.get("p50"), 2), fmt(n.get("p50"), 2), fmt(o.get("p99"), 2), fmt(n.get("p99"), 2),
                fmt(ratio(o.get("p99"), n.get("p99")), 2)))
    bar_chart(chart_dir, work_dir, "q1-throughput", "Throughput (median req/s)", "requests per second",
              labels, [("opcached", s_o), ("PHP-FPM + OPcache", s_p)] + ([("bare Netty (hello only)", s_n)] if bare else []))
    bar_chart(chart_dir, work_dir, "q1-p99", "p99 latency (median of runs)", "milliseconds (log)",
              labels, [("opcached", l_o), ("PHP-FPM + OPcache", l_p)] + ([("bare Netty (hello only)", l_n)] if bare else []),
              logscale=True)
    bad = sum(v["bad"] for v in q1m.values())
    for w, goal in (("hello", 3.0), ("medium", 5.0), ("shop", 5.0)):
        rs = [(c, ratio(q1m.get((w, c, "opcached"), {}).get("rps"), q1m.get((w, c, "php"), {}).get("rps"))) for c in conns]
        rs = [(c, x) for c, x in rs if x is not None]
        if not rs:
            continue
        ok = all(x >= goal for _, x in rs)
        measured = ", ".join("%.2f× at %d conns" % (x, c) for c, x in rs)
        why = "" if ok else ("opcached serves %s of PHP's rate; see [throughput](#1-throughput-and-latency) and [notes](#notes-on-the-daemon)" % " / ".join("%.2f×" % x for _, x in rs))
        targets.append(("%s throughput ≥ %g× PHP-FPM + OPcache" % (WORKLOAD_NAMES[w], goal), measured, ok, why))
    p99s = []
    for w in workloads:
        for c in conns:
            o, p = q1m.get((w, c, "opcached"), {}).get("p99"), q1m.get((w, c, "php"), {}).get("p99")
            if o is not None and p is not None:
                p99s.append((w, c, o, p))
    if p99s:
        worse = [(w, c, o, p) for w, c, o, p in p99s if o > p]
        targets.append(("p99 latency ≤ PHP's", "%d of %d cases" % (len(p99s) - len(worse), len(p99s)), not worse,
                        "" if not worse else "higher p99 in: " + "; ".join("%s c=%d %.2f ms vs %.2f ms" % (w, c, o, p) for w, c, o, p in worse)))
    if 32 in bare:
        o, n = bare[32]
        rr = ratio(o.get("rps"), n.get("rps"))
        ok = rr is not None and rr >= 0.8
        others = "; ".join("%s× at %d conns (no target)" % (fmt(ratio(bo.get("rps"), bn.get("rps")), 2), c)
                           for c, (bo, bn) in bare.items() if c != 32)
        targets.append(("hello world throughput ≥ 0.8× a bare Netty epoll hello server (2 JVMs, one event loop each) at 32 connections",
                        "%s× (%s vs %s req/s)%s" % (fmt(rr, 2), fmt(o.get("rps")), fmt(n.get("rps")), "; " + others if others else ""), ok,
                        "" if ok else "opcached serves %s× of the bare server's rate; see [throughput](#1-throughput-and-latency)" % fmt(rr, 2)))

    # ---------------- Q1b: the cost of a scrape
    scrape = {}
    scrapes_seen = []
    for r in rows:
        if r.get("kind") == "scrape":
            scrape.setdefault((r["conns"], r["mode"]), []).append(parse_wrk(r["file"]))
            if r["mode"] != "none":
                scrapes_seen.append(r["scrapes"] / max(1, r["secs"]))
    scrape_size = next((r["bytes"] for r in rows if r.get("kind") == "scrape_size"), None)
    scrape_table = []
    if scrape:
        scrape_table = ["| workload | connections | req/s, no scrape | req/s, a scrape every 100 ms | **with / without** | p99 ms, no scrape | p99 ms, scraped |",
                        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for c in sorted({k[0] for k in scrape}):
            off = {k: median([w[k] for w in scrape.get((c, "none"), [])]) for k in ("rps", "p99")}
            on = {k: median([w[k] for w in scrape.get((c, "scrape100ms"), [])]) for k in ("rps", "p99")}
            scrape_table.append("| %s | %d | %s | %s | **%s** | %s | %s |" % (
                WORKLOAD_NAMES["hello"], c, fmt(off["rps"]), fmt(on["rps"]), fmt(ratio(on["rps"], off["rps"]), 2),
                fmt(off["p99"], 2), fmt(on["p99"], 2)))

    # ---------------- memory
    mem = [r for r in rows if r.get("kind") == "mem"]

    def mem_row(server, role):
        xs = [r for r in mem if r["server"] == server and r["role"] == role]
        if not xs:
            return None
        return (len(xs), median([x["rss_kb"] / 1024 for x in xs]), median([x["pss_kb"] / 1024 for x in xs]))

    mem_table = ["| process | count | RSS MiB (median) | PSS MiB (median) |", "| --- | ---: | ---: | ---: |"]
    for server, role, name in (("opcached", "worker", "opcached worker JVM"), ("opcached", "compiler", "opcached compiler JVM"),
                               ("opcached", "supervisor", "opcached supervisor JVM"),
                               ("php", "child", "php-fpm child"), ("php", "nginx-worker", "nginx worker")):
        m = mem_row(server, role)
        if m:
            mem_table.append("| %s | %d | %s | %s |" % (name, m[0], fmt(m[1], 1), fmt(m[2], 1)))
    mw, mc = mem_row("opcached", "worker"), mem_row("php", "child")
    if mw and mc:
        targets.append(("PSS per worker ≤ 48 MiB (beside PHP-FPM's per child)",
                        "%.1f MiB PSS per worker vs %.1f MiB per child (RSS %.0f vs %.0f MiB)" % (mw[2], mc[2], mw[1], mc[1]),
                        mw[2] <= 48, "" if mw[2] <= 48 else "%.1f MiB over" % (mw[2] - 48)))

    # ---------------- Q2
    q2 = [r for r in rows if r.get("kind") == "q2"]
    q2_window = max([r.get("secs", 10) for r in q2 if r.get("phase") == "cold"] or [10])

    def q2_stats(server, phase):
        xs = [r for r in q2 if r["server"] == server and r["phase"] == phase]
        ws = [parse_wrk(x["file"]) for x in xs]
        return xs, ws

    def php_misses(s):
        return int(str(s).split(",")[0])

    q2_table = ["| | opcached warm | opcached after reset | PHP warm | PHP after reset | opcached / PHP after reset |",
                "| --- | ---: | ---: | ---: | ---: | ---: |"]
    vals = {}
    for server in ("opcached", "php"):
        for phase in ("warm", "cold"):
            xs, ws = q2_stats(server, phase)
            vals[(server, phase, "rps")] = median([w["rps"] for w in ws])
            vals[(server, phase, "p99")] = median([w["p99"] for w in ws])
            # CPU seconds per window (the warm runs may be shorter than the window).
            vals[(server, phase, "cpu")] = median([x["cpu_s"] * q2_window / x.get("secs", q2_window) for x in xs])
            if phase == "cold":
                vals[(server, "nginx_cpu")] = median([x.get("nginx_cpu_s") for x in xs])
                comp_w, comp_t, settle = [], [], []
                for x in xs:
                    if server == "opcached":
                        comp_w.append(int(x["at_window"]) - int(x["before"]))
                        comp_t.append(int(x["after"]) - int(x["before"]))
                    else:
                        # OPcache zeroes its statistics on a restart: misses after the reset are the
                        # figure itself; minus the status page's own miss.
                        # OPcache zeroes hits and misses when it restarts (zend_reset_cache_vars), and
                        # manual_restarts tells whether it did; the status page's own compile after
                        # the restart is one of the misses.
                        def since(before, now):
                            b, rb = [int(v) for v in str(before).split(",")[:2]]
                            n, rn = [int(v) for v in str(now).split(",")[:2]]
                            return n - 1 if rn > rb else n - b
                        comp_w.append(since(x["before"], x["at_window"]))
                        comp_t.append(since(x["before"], x["after"]))
                    settle.append(x.get("settle_s"))
                vals[(server, "compiles_window")] = median(comp_w)
                vals[(server, "compiles_total")] = median(comp_t)
                vals[(server, "compiles_all")] = comp_t
                vals[(server, "settle")] = median(settle)
    for label, key, d in (("requests/s in the window", "rps", 0), ("p99 ms in the window", "p99", 1),
                          ("CPU seconds of the pool in the window", "cpu", 1)):
        q2_table.append("| %s | %s | %s | %s | %s | %s |" % (
            label, fmt(vals[("opcached", "warm", key)], d), fmt(vals[("opcached", "cold", key)], d),
            fmt(vals[("php", "warm", key)], d), fmt(vals[("php", "cold", key)], d),
            fmt(ratio(vals[("opcached", "cold", key)], vals[("php", "cold", key)]), 2)))
    q2_table.append("| nginx CPU seconds in the window | | | | %s | |" % fmt(vals.get(("php", "nginx_cpu")), 1))
    q2_table.append("| compilations in the window | | %s | | %s | |" % (
        fmt(vals.get(("opcached", "compiles_window"))), fmt(vals.get(("php", "compiles_window")))))
    q2_table.append("| compilations until all %d scripts are cached again (per run) | | %s | | %s | |" % (
        SCRIPTS_IN_MIX, ", ".join(str(x) for x in vals.get(("opcached", "compiles_all"), [])),
        ", ".join(str(x) for x in vals.get(("php", "compiles_all"), []))))
    q2_table.append("| further load needed after the window until all were cached (s, checked every 2 s) | | %s | | %s | |" % (
        fmt(vals.get(("opcached", "settle"))), fmt(vals.get(("php", "settle")))))
    bar_chart(chart_dir, work_dir, "q2-cold-cache", "Reset under load: requests/s and CPU s in the window",
              "value", ["req/s warm", "req/s after reset", "CPU s warm", "CPU s after reset"],
              [("opcached", [vals[("opcached", "warm", "rps")], vals[("opcached", "cold", "rps")],
                             vals[("opcached", "warm", "cpu")], vals[("opcached", "cold", "cpu")]]),
               ("PHP-FPM + OPcache", [vals[("php", "warm", "rps")], vals[("php", "cold", "rps")],
                                      vals[("php", "warm", "cpu")], vals[("php", "cold", "cpu")]])], logscale=True)
    allc = vals.get(("opcached", "compiles_all"), [])
    if allc:
        ok = all(c == SCRIPTS_IN_MIX for c in allc)
        why = ""
        if not ok:
            why = "compiles per run %s for %d scripts" % (allc, SCRIPTS_IN_MIX)
        targets.append(("compilations after a reset under load = number of scripts (%d), not scripts × workers (%d)" % (
            SCRIPTS_IN_MIX, SCRIPTS_IN_MIX * 2), "opcached %s; PHP %s" % (
            ", ".join(map(str, allc)), ", ".join(map(str, vals.get(("php", "compiles_all"), [])))), ok, why))

    # ---------------- Q3
    q3 = [r for r in rows if r.get("kind") == "q3"]
    q3_table = ["| workload | opcached fresh worker, warm segment (ms) | opcached fresh worker, compiling (ms) | **compiling / warm** | PHP fresh child, warm OPcache (ms) | PHP fresh child, after reset (ms) | PHP compiling / warm | opcached / PHP, warm |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    q3_labels, q3_ow, q3_oc, q3_pw, q3_pc = [], [], [], [], []
    q3_ratios = []
    for w in ("hello", "medium", "shop"):
        o = [r for r in q3 if r["workload"] == w and r["server"] == "opcached"]
        p = [r for r in q3 if r["workload"] == w and r["server"] == "php"]
        if not o:
            continue
        ow, oc = median([x["warm_s"] * 1000 for x in o]), median([x["cold_s"] * 1000 for x in o])
        pw, pc = median([x["warm_s"] * 1000 for x in p]), median([x["cold_s"] * 1000 for x in p])
        q3_ratios.append((w, ratio(oc, ow)))
        q3_table.append("| %s | %s | %s | **%s** | %s | %s | %s | %s |" % (
            WORKLOAD_NAMES[w], fmt(ow, 1), fmt(oc, 1), fmt(ratio(oc, ow), 1), fmt(pw, 2), fmt(pc, 2),
            fmt(ratio(pc, pw), 1), fmt(ratio(ow, pw), 0)))
        q3_labels.append(w)
        q3_ow.append(ow); q3_oc.append(oc); q3_pw.append(pw); q3_pc.append(pc)
    bar_chart(chart_dir, work_dir, "q3-cold-worker", "First request of a fresh worker (median ms)", "milliseconds (log)",
              q3_labels, [("opcached, warm segment", q3_ow), ("opcached, compiling", q3_oc),
                          ("PHP, warm OPcache", q3_pw), ("PHP, after reset", q3_pc)], logscale=True)
    if q3_ratios:
        ok = all(x is not None and x >= 100 for _, x in q3_ratios)
        targets.append(("first request in a fresh worker with a warm cache ≥ 100× faster than compiling",
                        ", ".join("%s %.1f×" % (w, x) for w, x in q3_ratios), ok,
                        "" if ok else "a fresh JVM's first request costs class loading, interpretation and JIT warm-up of the runtime "
                        "itself (tens to hundreds of ms) even when no script is compiled; see [cold worker](#3-cold-worker-warm-cache)"))

    # ---------------- Q5
    stat_lines = []
    for r in rows:
        if r.get("kind") == "q5stat":
            for key in ("java", "php"):
                try:
                    for line in open(r[key]):
                        parts = line.split()
                        if len(parts) == 4:
                            stat_lines.append((parts[0], parts[1], parts[2], float(parts[3])))
                except OSError:
                    pass
            q5fs = (r.get("docroot_fs"), r.get("shm_fs"))
    files = []
    for _, _, f, _ in stat_lines:
        if f not in files:
            files.append(f)
    fs_name = {}
    if files:
        fs_name[files[0]] = "docroot file (%s)" % q5fs[0]
        if len(files) > 1:
            fs_name[files[1]] = "file on /dev/shm (%s)" % q5fs[1]
    q5_table = ["| call | " + " | ".join(fs_name.get(f, f) for f in files) + " |",
                "| --- |" + " ---: |" * len(files)]
    ops = []
    for lang, op, _, _ in stat_lines:
        if (lang, op) not in ops:
            ops.append((lang, op))
    op_names = {
        ("java", "getLastModifiedTime"): "Java `Files.getLastModifiedTime(path)`",
        ("java", "readAttributes"): "Java `Files.readAttributes(path, BasicFileAttributes.class)`",
        ("java", "readAttributes_nofollow"): "Java `readAttributes(…, NOFOLLOW_LINKS)`",
        ("php", "filemtime_cached"): "PHP `filemtime()`, served by its one-entry stat cache",
        ("php", "filemtime_clearstatcache"): "PHP `clearstatcache(); filemtime()` (a real stat each time)",
        ("php", "clearstatcache_only"): "PHP `clearstatcache()` alone",
        ("php", "empty_loop"): "PHP loop overhead alone",
    }
    stat_ns = {}
    for lang, op in ops:
        cells = []
        for f in files:
            v = [x[3] for x in stat_lines if x[0] == lang and x[1] == op and x[2] == f]
            cells.append(fmt(v[0], 0) if v else "–")
            if v:
                stat_ns[(lang, op, f)] = v[0]
        q5_table.append("| %s | %s |" % (op_names.get((lang, op), lang + " " + op), " | ".join(cells)))
    q5rev = {}
    for r in rows:
        if r.get("kind") == "q5rev":
            q5rev.setdefault((r["freq"], r["workload"]), []).append(parse_wrk(r["file"]))
    freqs = sorted({k[0] for k in q5rev})
    q5r_table = ["| `opcache.revalidate_freq` | hello req/s (32 conns), median | runs | hello p99 ms |",
                 "| ---: | ---: | --- | ---: |"]
    rev_h, rev_s = [], []
    for fq in freqs:
        h = q5rev.get((fq, "hello"), [])
        s = q5rev.get((fq, "shop"), [])
        hr, sr = median([w["rps"] for w in h]), median([w["rps"] for w in s])
        q5r_table.append("| %d | %s | %s | %s |" % (fq, fmt(hr), ", ".join(fmt(w["rps"]) for w in h),
                                                 fmt(median([w["p99"] for w in h]), 2)))
        rev_h.append(hr); rev_s.append(sr)
    bar_chart(chart_dir, work_dir, "q5-revalidate", "opcached throughput by opcache.revalidate_freq (32 conns)",
              "requests per second", ["freq=%d" % f for f in freqs], [("hello world", rev_h)])
    if files:
        bar_chart(chart_dir, work_dir, "q5-stat-cost", "Cost of one stat (median ns per call)", "nanoseconds (log)",
                  [op_names.get(o, o[1]).replace("`", "").replace("'", "")[:38] for o in ops],
                  [(fs_name.get(f, f), [stat_ns.get((o[0], o[1], f)) for o in ops]) for f in files], logscale=True)

    # ---------------- Q4
    jmh = {}
    for r in rows:
        if r.get("kind") == "q4":
            try:
                for b in json.load(open(r["file"])):
                    name = b["benchmark"].rsplit(".", 2)
                    bench = name[-2] + "." + name[-1]
                    params = b.get("params", {})
                    m = b["primaryMetric"]
                    raw = [x for fork in m.get("rawData", []) for x in fork]
                    jmh[(bench, int(params.get("payloadSize", 0)), int(params.get("keyCount", 0)))] = (
                        m["score"], m.get("scoreError"), median(raw))
            except (OSError, ValueError, KeyError):
                pass
            q4_args = r.get("args", "")
    combos = sorted({(k[1], k[2]) for k in jmh})
    q4_table = ["| payload | keys | opcached `lookupAndCopy` | Chronicle Map `getCopy` | heap `getClone` | **opcached / Chronicle** | opcached / heap | `lookupOnly` | `currentCheck` |",
                "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]

    def jcell(bench, pl, kc):
        v = jmh.get((bench, pl, kc))
        if not v:
            return "–", None
        err = v[1] if v[1] == v[1] and v[1] is not None else 0
        return "%s ± %s (%s)" % (fmt(v[0]), fmt(err), fmt(v[2])), v[0]

    q4_labels, q4_seg, q4_chr, q4_heap = [], [], [], []
    for pl, kc in combos:
        a, av = jcell("SegmentBenchmark.lookupAndCopy", pl, kc)
        b, bv = jcell("ChronicleMapBenchmark.getCopy", pl, kc)
        c, cv = jcell("HeapBenchmark.getClone", pl, kc)
        d, _ = jcell("SegmentBenchmark.lookupOnly", pl, kc)
        e, _ = jcell("SegmentBenchmark.currentCheck", pl, kc)
        q4_table.append("| %s | %s | %s | %s | %s | **%s** | %s | %s | %s |" % (
            fmt(pl), fmt(kc), a, b, c, fmt(ratio(av, bv), 2), fmt(ratio(av, cv), 2), d, e))
        q4_labels.append("%dB %dk" % (pl, kc // 1000))
        q4_seg.append(av); q4_chr.append(bv); q4_heap.append(cv)
    if combos:
        cr = [(pl, kc, ratio(jmh.get(("SegmentBenchmark.lookupAndCopy", pl, kc), (None,))[0],
                             jmh.get(("ChronicleMapBenchmark.getCopy", pl, kc), (None,))[0])) for pl, kc in combos]
        cr = [x for x in cr if x[2] is not None]
        if cr:
            miss = [x for x in cr if x[2] > 0.8]
            targets.append(("segment copy-out ≤ 0.8× Chronicle Map's time (JMH)",
                            ", ".join("%.2f× (%d B, %d keys)" % (x[2], x[0], x[1]) for x in cr), not miss,
                            "" if not miss else "see [Copy-out against Chronicle Map](#copy-out-against-chronicle-map)"))
        cc = [(pl, kc, jmh[("SegmentBenchmark.currentCheck", pl, kc)][0]) for pl, kc in combos
              if ("SegmentBenchmark.currentCheck", pl, kc) in jmh]
        if cc:
            miss = [x for x in cc if x[2] >= 100]
            targets.append(("segment current-entry check < 100 ns (JMH)",
                            ", ".join("%.0f ns (%d B, %d keys)" % (x[2], x[0], x[1]) for x in cc), not miss,
                            "" if not miss else "see [Current-entry check](#current-entry-check)"))
        lo = {}
        for pl, kc in combos:
            if ("SegmentBenchmark.lookupOnly", pl, kc) in jmh:
                lo.setdefault(pl, {})[kc] = jmh[("SegmentBenchmark.lookupOnly", pl, kc)][0]
        growth = [(pl, d[max(d)] / d[min(d)]) for pl, d in lo.items() if len(d) > 1]
        if growth:
            ok = all(g <= 1.2 for _, g in growth)
            targets.append(("segment lookup: no growth from 1 000 to 100 000 keys (JMH)",
                            ", ".join("×%.1f (%d B)" % (g, pl) for pl, g in growth), ok,
                            "" if ok else "cache and TLB misses of a working set that no longer fits; see [Lookup cost](#lookup-cost-from-1-000-to-100-000-keys)"))
        bar_chart(chart_dir, work_dir, "q4-segment", "Copy-out of one entry (JMH, ns/op)", "nanoseconds",
                  q4_labels, [("opcached segment", q4_seg), ("Chronicle Map", q4_chr), ("heap map", q4_heap)])

    # ---------------- deploy
    manifest = None
    deploy_skipped = [r for r in rows if r.get("kind") == "deploy_skipped"]
    nofc_directive = "opcache.file_cache="
    for r in rows:
        if r.get("kind") == "deploy_setup":
            manifest = load_json(r["manifest"])
            nofc_directive = r.get("nofc_directive", nofc_directive)
    dep_rows = [r for r in rows if r.get("kind") == "deploy"]
    dep = [deploy_figures(r, manifest) for r in dep_rows]
    deploy_warm_s = dep_rows[0].get("warm_s", "?") if dep_rows else "?"
    deploy_before_s = dep_rows[0].get("before_s", "?") if dep_rows else "?"
    deploy_after_s = dep_rows[0].get("after_s", "?") if dep_rows else "?"
    dep_configs = [c for c in ("opcached", "php", "opcached-nofc") if any(f["config"] == c for f in dep)]
    dep_conns = sorted({f["conns"] for f in dep})
    config_names = {"opcached": "opcached", "php": "PHP-FPM + OPcache",
                    "opcached-nofc": "opcached, `-d %s`" % nofc_directive}
    dep_m = {}
    for c in dep_configs:
        for n in dep_conns:
            fs = [f for f in dep if f["config"] == c and f["conns"] == n]
            if not fs:
                continue
            m = {k: median([f[k] for f in fs]) for k in ("rate_before", "rate_after", "rate_ratio", "p99_before",
                                                         "p99_after", "p99_ratio", "p99_after_raw", "max_after",
                                                         "reset_ms")}
            for k in ("compiles", "misses", "file_cache_hits"):
                m[k + "_all"] = [f[k] for f in fs]
            for k in ("bad", "old_after", "old_sent_after", "pending"):
                m[k] = sum(f[k] for f in fs)
            m["runs"] = len(fs)
            m["timeline"] = fs[0]["timeline"]
            dep_m[(c, n)] = m
    n_changed = len(manifest["changed"]) if manifest else 5
    n_direct = n_changed + len(manifest["direct_dependents"]) if manifest else None
    n_trans = n_changed + len(manifest["transitive_dependents"]) if manifest else None
    n_files = manifest["files"] if manifest else 200

    def counts(xs):
        return ", ".join("–" if x is None else str(x) for x in xs)

    dep_table = ["| server | connections | req/s before | req/s in the 3 s after the reset | **after / before** | "
                 "p99 ms before | p99 ms after | **p99 after / before** | p99 ms after, uncorrected | slowest ms after | reset call ms | compilations (per run) | "
                 "misses (per run) | file-cache hits (per run) | non-200 | waiting > 1 s when wrk stopped | old code after the reset returned (sent after) |",
                 "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | ---: | ---: | ---: |"]
    for c in dep_configs:
        for n in dep_conns:
            m = dep_m.get((c, n))
            if not m:
                continue
            dep_table.append("| %s | %d | %s | %s | **%s** | %s | %s | **%s** | %s | %s | %s | %s | %s | %s | %d | %d | %d (%d) |" % (
                config_names[c], n, fmt(m["rate_before"]), fmt(m["rate_after"]), fmt(m["rate_ratio"], 2),
                fmt(m["p99_before"], 1), fmt(m["p99_after"], 1), fmt(m["p99_ratio"], 1), fmt(m["p99_after_raw"], 1),
                fmt(m["max_after"], 0),
                fmt(m["reset_ms"], 0),
                counts(m["compiles_all"]), counts(m["misses_all"]),
                counts(m["file_cache_hits_all"]) if c != "php" else "",
                m["bad"], m["pending"], m["old_after"], m["old_sent_after"]))
    for sk in deploy_skipped:
        dep_table.append("| %s | | skipped: %s | | | | | | | | | | | | | | |" % (config_names.get(sk["config"], sk["config"]), sk["reason"]))
    for n in dep_conns:
        series = []
        for c in dep_configs:
            m = dep_m.get((c, n))
            if not m:
                continue
            dat = os.path.join(work_dir, "deploy-timeline-%s-c%d.dat" % (c, n))
            with open(dat, "w") as f:
                for t, v in m["timeline"]:
                    f.write("%.2f %d\n" % (t, v))
            series.append("'%s' using 1:2 with lines lw 2 title '%s'" % (dat, config_names[c].replace("`", "")))
        if series:
            gnuplot(work_dir, "deploy-timeline-c%d" % n, """set terminal pngcairo size 900,380 font 'DejaVu Sans,10'
set output '%s'
set title 'Deploy under wrk -c %d: responses per 100 ms (run 1; the reset call at 0 s)'
set xlabel 'seconds from the reset call'
set ylabel 'responses per 100 ms'
set key below horizontal
set grid
set arrow from 0, graph 0 to 0, graph 1 nohead dashtype 2
set yrange [0:*]
plot %s
""" % (os.path.join(chart_dir, "deploy-timeline-c%d.png" % n), n, ", ".join(series)))
    o = [dep_m[("opcached", n)] for n in dep_conns if ("opcached", n) in dep_m]
    ph = [dep_m[("php", n)] for n in dep_conns if ("php", n) in dep_m]

    def per_conns(ms, key, digits=2, suffix="×"):
        return " / ".join("%s%s" % (fmt(m[key], digits), suffix) for m in ms)

    conns_label = "/".join("c=%d" % n for n in dep_conns if ("opcached", n) in dep_m)
    if o:
        ok = all(m["rate_ratio"] is not None and m["rate_ratio"] >= 0.8 for m in o)
        targets.append(("deploy: throughput in the 3 s after the reset ≥ 0.8× the rate before it",
                        "opcached %s at %s; PHP %s" % (per_conns(o, "rate_ratio"), conns_label, per_conns(ph, "rate_ratio")),
                        ok, "" if ok else "see [the deploy](#6-a-deploy-under-load)"))
        ok = all(m["p99_ratio"] is not None and m["p99_ratio"] <= 3 for m in o)
        targets.append(("deploy: p99 in the 3 s after the reset ≤ 3× the warm p99",
                        "opcached %s; PHP %s" % (per_conns(o, "p99_ratio", 1), per_conns(ph, "p99_ratio", 1)),
                        ok, "" if ok else "see [the deploy](#6-a-deploy-under-load)"))
        allc = [x for m in o for x in m["compiles_all"]]
        ok = bool(allc) and all(x is not None and x <= n_trans for x in allc)
        targets.append(("deploy: compilations = the %d changed files + the files compiled against them (%d–%d: direct "
                        "callers only – all callers up to the pages), not the whole application (%d)" % (
                            n_changed, n_direct, n_trans, n_files),
                        "opcached %s; PHP %s" % (counts(allc), counts([x for m in ph for x in m["compiles_all"]])),
                        ok, "" if ok else "a reset compiles more than what changed; see [the deploy](#6-a-deploy-under-load)"))
        dep_bad = sum(m["bad"] for m in o)
        targets.append(("deploy: zero non-200 answers", "opcached %d; PHP %d" % (dep_bad, sum(m["bad"] for m in ph)),
                        dep_bad == 0, "" if dep_bad == 0 else "see the raw wrk outputs `deploy-*-wrk.txt`"))
        old = sum(m["old_after"] for m in o)
        targets.append(("deploy: no response from the old code once the reset call has returned",
                        "opcached %d; PHP %d" % (old, sum(m["old_after"] for m in ph)), old == 0,
                        "" if old == 0 else "old versions answered after `POST /reset` returned"))

    # ---------------- compile
    csetup = [r for r in rows if r.get("kind") == "compile_setup"]
    crs = [r for r in rows if r.get("kind") == "compile"]
    compile_text = []
    if csetup and crs:
        cs = csetup[-1]
        try:
            excluded = [x.strip() for x in open(cs["excluded"]) if x.strip()]
        except OSError:
            excluded = []
        jv = median([r["javac_s"] for r in crs])
        ok_runs = [r for r in crs if r.get("http") == 200]
        cv = median([r["compile_s"] for r in ok_runs]) if ok_runs else None
        cr = ratio(cv, jv)
        answers = [compile_answer(r["answer"]) for r in crs]
        ctable = ["| | one plain `javac` batch | `POST /compile` | **/compile / javac** |", "| --- | ---: | ---: | ---: |"]
        ctable.append("| seconds, median of %d run(s) | %s | %s | **%s** |" % (len(crs), fmt(jv, 2), fmt(cv, 2), fmt(cr, 2)))
        ctable.append("| runs (s) | %s | %s | |" % (", ".join(fmt(r["javac_s"], 2) for r in crs),
                                                  ", ".join("%s (HTTP %s)" % (fmt(r["compile_s"], 2), r.get("http")) for r in crs)))
        nf = cs.get("files_ok")
        ctable.append("| ms per file | %s | %s | |" % (fmt(jv * 1000 / nf if jv and nf else None, 1),
                                                     fmt(cv * 1000 / nf if cv and nf else None, 1)))
        ctable.append("| the answer: %s | | %s | |" % (
            "compiled / cached / skipped / failed, lines read",
            "; ".join("%s / %s / %s / %s, %s" % tuple(a.get(k, "–") for k in ("compiled", "cached", "skipped", "failed", "lines"))
                      for a in answers)))
        compile_text = ["Source: %s; %d files, of which %d compile on this JDK and are on both sides; %d left out%s." % (
            cs.get("source"), cs.get("files_total", 0), cs.get("files_ok", 0), len(excluded),
            (" (" + ", ".join("`%s`" % x.lstrip("./") for x in excluded[:12]) + (", …" if len(excluded) > 12 else "") + ")")
            if excluded else ""), "", "\n".join(ctable)]
        ok = cr is not None and cr <= 1.5
        targets.append(("`POST /compile` of the tree ≤ 1.5× one plain javac batch of the same files (%s files)" % fmt(nf),
                        "%s s vs %s s: %s×" % (fmt(cv, 1), fmt(jv, 1), fmt(cr, 2)), ok,
                        "" if ok else "see [preloading](#7-preloading-post-compile-against-javac)"))

    # ---------------- replacement workers (scripts/bench --only replace; prose in replacement-workers.md)
    rep = [r for r in rows if r.get("kind") == "replacement" and r.get("warmup") == "on"]
    if rep:
        cells = []  # (label, first ms, warm ms)
        for mode, label in (("recycle", "recycle"), ("kill", "SIGKILL"), ("term", "SIGTERM")):
            for path, name in (("/hello.java", "hello"), ("/shop.java?p=3", "app")):
                rs = [r for r in rep if r["mode"] == mode and r["path"] == path]
                if rs:
                    cells.append(("%s %s" % (label, name), median([r["first_ms"] for r in rs]),
                                  median([r["warm_median_ms"] for r in rs])))
        over = [c for c in cells if c[1] > 10]
        targets.append(("replacement worker's first request ≤ 10 ms (recycle, SIGKILL, SIGTERM; hello and the application)",
                        ", ".join("%s %s ms" % (c[0], fmt(c[1], 1)) for c in cells), not over,
                        "" if not over else "see [replacement workers](#replacement-workers)"))
        far = [c for c in cells if c[1] > 2 * c[2]]
        targets.append(("replacement worker's first request within 2× the warm median",
                        ", ".join("%s %s×" % (c[0], fmt(c[1] / c[2], 1)) for c in cells), not far,
                        "" if not far else "the script's own first run is cold code the warm-up may not run; see "
                        "[replacement workers](#replacement-workers)"))

    # ---------------- the fleet (scripts/bench --only fleet)
    fleet_setup = next((r for r in rows if r.get("kind") == "fleet_setup"), {})
    fleet_manifest = (load_json(fleet_setup["manifest"]) if fleet_setup.get("manifest") else None) or manifest or {}
    fleet_lines, fleet_targets = fleet_section(
        rows, machine, fleet_manifest.get("files", 200), len(fleet_manifest.get("changed", [])) or 5,
        len(fleet_manifest.get("transitive_dependents", [])) or 23)
    targets.extend(fleet_targets)

    # ---------------- the stat question's answer
    stat_answer = ""
    if files and freqs:
        j = stat_ns.get(("java", "readAttributes", files[0]))
        pc = stat_ns.get(("php", "filemtime_cached", files[0]))
        pn = stat_ns.get(("php", "filemtime_clearstatcache", files[0]))
        r0 = median([w["rps"] for w in q5rev.get((0, "hello"), [])])
        r2 = median([w["rps"] for w in q5rev.get((2, "hello"), [])])
        r60 = median([w["rps"] for w in q5rev.get((60, "hello"), [])])
        h2 = q1m.get(("hello", 32, "opcached"), {}).get("rps")
        parts = []
        if j is not None:
            parts.append("One stat from Java costs about **%s ns** here (`readAttributes`, docroot file)" % fmt(j))
        if pn is not None and pc is not None:
            parts.append("PHP's real `stat` about **%s ns** and its stat-cache hit about **%s ns**" % (fmt(pn), fmt(pc)))
        if r0 and r2:
            per_req_us = 1e6 / r2 if r2 else None
            spans = {}
            for fq in (0, 2, 60):
                xs = [w["rps"] for w in q5rev.get((fq, "hello"), []) if w["rps"]]
                spans[fq] = (min(xs), max(xs)) if xs else (None, None)
            overlap = all(spans[a][0] is not None and spans[b][0] is not None and spans[a][0] <= spans[b][1] and spans[b][0] <= spans[a][1]
                          for a, b in ((0, 2), (0, 60)))
            parts.append("opcached serves hello world at %s req/s with a stat on every request (`revalidate_freq=0`), %s at 2 and %s at 60 "
                         "(%+.1f %% and %+.1f %% against 0; runs ranged %s)" % (
                             fmt(r0), fmt(r2), fmt(r60), (r2 / r0 - 1) * 100, ((r60 or r0) / r0 - 1) * 100,
                             ", ".join("%d: %s–%s" % (fq, fmt(spans[fq][0]), fmt(spans[fq][1])) for fq in (0, 2, 60))))
            parts.append("one request costs the pool about %s µs (1 / throughput at 2), of which a stat would be %.1f %%" % (
                fmt(per_req_us, 0), (j / 1000.0) / per_req_us * 100 if j and per_req_us else 0))
            if overlap:
                parts.append("the differences between the three settings are within the run-to-run spread. **So no**: on this "
                             "machine a stat costs about a microsecond on ext4 and on tmpfs alike, a few per cent of the cheapest "
                             "request; caching stat results (PHP's stat cache, `revalidate_freq`) buys nothing measurable for one "
                             "script per request. It matters only when a request stats many files (PHP's includes without OPcache, "
                             "or `revalidate_freq=0` with hundreds of includes), or on network file systems, which were not measured")
            else:
                parts.append("the settings differ by more than the run-to-run spread, so on this machine the per-request check "
                             "(a stat, and at 0 a write to the script's slot in the shared segment) is measurable; caching it is worth it")
        stat_answer = "; ".join(parts) + "."

    # ---------------- write
    W = md.append
    W("# Benchmarks: opcached beside PHP-FPM + OPcache")
    W("")
    W("Written by `scripts/bench` from the run it just made (%s, %s run(s) per figure, %s-second wrk runs%s). "
      "Every table gives medians over the runs; ratios are opcached / PHP. Do not edit by hand: rerun `scripts/bench`. "
      "The raw outputs (wrk, JMH JSON, logs) stay in `target/bench/run-<time>/`." % (
          machine.get("date"), machine.get("runs"), machine.get("duration"),
          ", **quick smoke run: not a result**" if machine.get("quick") == "true" else ""))
    W("")
    W("## Targets")
    W("")
    W("| target | measured | verdict | why |")
    W("| --- | --- | --- | --- |")
    for t, m, ok, why in targets:
        W("| %s | %s | %s | %s |" % (t, m, verdict(ok), why or ""))
    if bad:
        W("")
        W("**Warning:** %d non-2xx responses or socket errors during the throughput runs (see the raw wrk outputs)." % bad)
    W("")
    W("## Machine and commands")
    W("")
    loads = ", ".join("%s %s" % (r["phase"], str(r["load"]).split()[0]) for r in rows if r.get("kind") == "load")
    W("- %s cores (%s), %s RAM, Linux %s; 1-minute load average at the start %s, at the start of each part: %s; at the end %s "
      "(the benchmark itself keeps it near 2–4; much more means other work shared the cores)" % (
        machine.get("cores"), machine.get("cpu"), machine.get("mem"), machine.get("kernel"),
        (machine.get("load_start") or "?").split()[0], loads or "?", (machine.get("load_end") or "?").split()[0]))
    W("- %s; opcached: HEAD was `%s` at the start%s; the daemon jar measured was built at %s (with `--no-build` it may "
      "predate HEAD or include uncommitted work)" % (machine.get("java"), machine.get("commit"),
                                           ", with uncommitted changes in */src/main" if machine.get("dirty", "0") != "0" else "",
                                           machine.get("jar_time", "?")))
    W("- %s; nginx %s; %s; %s" % (machine.get("php"), machine.get("nginx"), machine.get("wrk"), machine.get("gnuplot")))
    W("- Everything on the same 2 cores: the load generator (`wrk -t 2`), the servers, and for PHP nginx as well. "
      "There is no separate client machine, so every figure includes the client's share of the CPU.")
    W("")
    W("```sh")
    W("scripts/bench                 # everything below, about 32 minutes; writes this file and docs/benchmarks/*.png")
    W("scripts/bench --quick         # 1 run of 2 s each and the quick JMH matrix: a smoke test, not a result")
    W("scripts/bench --only deploy   # only some parts (q1,q2,q3,q4,q5,scrape,deploy,compile,replace,fleet); written to target/bench/run-*/, not here")
    W("scripts/bench --compile-corpus ~/src/TheAlgorithms-Java/src/main/java   # section 7 on that tree instead of a generated one")
    W("scripts/bench --jmh [ARGS]    # only the segment's JMH benchmarks (scripts/bench-jmh ARGS, the former scripts/bench)")
    W("scripts/bench --no-build --offline --runs 5 --duration 10 --skip-jmh --no-doc   # other options")
    W("```")
    W("")
    W("What the script runs, with private directories under `/tmp` and `/dev/shm`, free loopback ports, and every server "
      "as the unprivileged user `nobody` (when run as root), all stopped on exit, Ctrl-C or SIGTERM:")
    W("")
    W("```sh")
    W("python3 scripts/bench-workloads/generate.py $TMP/www          # the workloads, both languages; mtimes set 1 hour back")
    W("java @scripts/jvm.options -cp daemon/target/opcached-daemon-*.jar:daemon/target/lib/* dev.opcached.daemon.Opcached \\")
    W("     --docroot $TMP/www/java --listen 127.0.0.1:$P --admin-listen 127.0.0.1:$A --segment-dir $SHM/seg \\")
    W("     --state-dir $TMP/state --workers 2 --pool bench -d opcache.validate_timestamps=1 -d process_control_timeout=3 \\")
    W("     -d opcache.file_cache=   # revalidate_freq: default 2; the file cache off: sections 2 and 3 measure compiling")
    W("php-fpm8.2 -F -y $TMP/fpm/php-fpm.conf -p $TMP/fpm -d opcache.enable=1 -d opcache.validate_timestamps=1 \\")
    W("     -d opcache.revalidate_freq=2 -d opcache.memory_consumption=128 -d opcache.max_accelerated_files=10000 \\")
    W("     -d opcache.file_update_protection=2 -d opcache.jit=off -d opcache.jit_buffer_size=0   # pm = static, pm.max_children = 2, unix socket")
    W("nginx -p $TMP/nginx -c $TMP/nginx/nginx.conf -g 'daemon off;'     # worker_processes auto (2), fastcgi_pass to that socket")
    if bare_setup:
        W("java @scripts/jvm.options %s -cp $TMP/bare:daemon/target/opcached-daemon-*.jar:daemon/target/lib/* BareHello $B   # twice; MALLOC_ARENA_MAX=%s; section 1's limit" % (
            bare_setup["flags"], bare_setup["malloc_arena_max"]))
    W("wrk -t 2 -c {2,32} -d %ss --latency [-s scripts/bench-workloads/app.lua] URL   # after a 1-s warm-up run; opcached, then PHP%s, per cell" % (
        machine.get("duration"), " (then the bare Netty server for hello)" if bare_setup else ""))
    W("wrk -t 2 -c {8,32} -d %ss --latency -s scripts/bench-workloads/deploy.lua URL   # section 6; meanwhile generate.py --deploy-version, then the reset" % (
        (dep_rows[0]["before_s"] + dep_rows[0]["after_s"]) if dep_rows else "N"))
    W("javac -encoding UTF-8 -nowarn -d OUT @files; curl -X POST -d '{\"paths\":[\"DOCROOT\"]}' http://127.0.0.1:$A/compile   # section 7, one after the other")
    W("```")
    W("")
    W("The workloads (`scripts/bench-workloads/generate.py`) are the same program in both languages, and the script "
      "checks that both give the same bytes before measuring:")
    W("")
    W("- **hello world**: `hello.java` / `hello.php`, one line of text.")
    W("- **medium**: `medium.java` / `medium.php`, about 330 / 300 lines, seven classes (an LCG, 8×8 modular matrix power, "
      "a sieve, an expression lexer and recursive-descent parser, running statistics, an HTML table).")
    W("- **200-file application**: `shop.java` / `shop.php` and `app/Mod000`…`app/Mod199` (Java: package `app`, one class a file, "
      "loaded through the cache; PHP: namespace `App`, `spl_autoload_register` + `require`). Request `?p=N` runs the chain of "
      "modules `N×20 … N×20+19`, so each request touches 20 module files plus the entry; wrk cycles through `p=0…9` "
      "(`app.lua`).")
    W("")
    W("## 1. Throughput and latency")
    W("")
    W("\n".join(q1_table))
    W("")
    W(bare_paragraph(bare_setup))
    W("")
    W("\n".join(bare_table) if bare_table else "The bare server was not run.")
    W("")
    W("![throughput](%s/q1-throughput.png)" % chart_rel)
    W("![p99](%s/q1-p99.png)" % chart_rel)
    W("")
    W("### What a Prometheus scrape costs")
    W("")
    W("The same hello-world load on opcached, once alone and once with `GET /metrics` on the admin endpoint every 100 ms "
      "(one curl process on one kept-alive connection, `--rate 10/s`, the admin token, as a Prometheus server scrapes), "
      "the two alternating in each run. A scrape reads the segment's "
      "header and the figures the supervisor last heard from each process; it reads no `/proc` file and sends nothing to a worker.")
    W("")
    if scrape_table:
        W("\n".join(scrape_table))
        W("")
        W("Scrapes answered: %s a second (median); one scrape is %s bytes of text." % (
            fmt(median(scrapes_seen), 1) if scrapes_seen else "-", fmt(scrape_size) if scrape_size else "-"))
    else:
        W("Not run.")
    W("")
    W("### Resident memory")
    W("")
    W("Read from `/proc/<pid>/status` (VmRSS) and `/proc/<pid>/smaps_rollup` (Pss: shared pages divided among their "
      "users, e.g. the mapped segment or OPcache's shared memory) after the throughput runs, when both pools had served every workload.")
    W("")
    W("\n".join(mem_table))
    W("")
    W("## 2. Cold cache: reset under load")
    W("")
    W("`wrk -t 2 -c 32 -d %ss -s mixed.lua` cycles through all 12 URLs (hello, medium, the ten pages of the application: "
      "%d scripts). *Warm*: that load alone. *After reset*: the same load, with the cache reset 0.3 s into it "
      "(opcached: `POST /reset` on the admin endpoint; PHP: a page calling `opcache_reset()`). CPU seconds are "
      "utime + stime from `/proc/<pid>/stat` of the pool's processes (opcached: supervisor and workers; PHP: the FPM "
      "master and children; nginx is listed apart). Compilations: opcached's `compiles` from `GET /status`; PHP's "
      "OPcache `misses` from `opcache_get_status()` (which a restart zeroes). After the window the load goes on until "
      "every script is cached again (at most 60 s), so that all compilations one reset caused are counted." % (
          q2_window or "10", SCRIPTS_IN_MIX))
    W("")
    W("\n".join(q2_table))
    W("")
    W("![cold cache](%s/q2-cold-cache.png)" % chart_rel)
    W("")
    W("## 3. Cold worker, warm cache")
    W("")
    W("The time of the first request (curl's `time_total`) after every worker of the pool was replaced: opcached's "
      "workers get SIGTERM (they exit 0 and the supervisor starts new JVMs at once; SIGKILL would add its crash "
      "backoff) and the request is sent once both replacements listen; PHP-FPM's children get SIGKILL and the master "
      "forks new ones at once. *Warm*: the cache still holds the script. *Compiling*: the cache was reset before the "
      "workers were replaced, so the new worker compiles. The application's page is `?p=3`: the entry and 20 modules.")
    W("")
    W("\n".join(q3_table))
    W("")
    W("![cold worker](%s/q3-cold-worker.png)" % chart_rel)
    W("")
    W("## 4. The segment (JMH)")
    W("")
    W("`scripts/bench-jmh %s` (a shorter matrix than `scripts/bench-jmh` alone runs: 1 KiB and 4 KiB payloads, 1 000 and "
      "100 000 keys, 3 measured iterations of 1 s after 2 of warm-up, to keep the whole run under 15 minutes; fewer than 6 warm-up iterations make results swing more on 2 cores, so read them as ±25 %%; run `scripts/bench --jmh` for the full matrix). Nanoseconds per "
      "operation: mean ± JMH's 99.9 %% error, median of the iterations in brackets. Run after the servers were stopped." % q4_args
      if combos else "Not run (`--skip-jmh`).")
    W("")
    if combos:
        W("\n".join(q4_table))
        W("")
        W("![segment](%s/q4-segment.png)" % chart_rel)
        W("")
    W("## 5. The stat-cost question")
    W("")
    W("Is caching stat results worth it on modern Linux with SSD or tmpfs? Median ns per call over 7 rounds of 100 000 (Java: "
      "`java scripts/bench-workloads/StatCost.java FILES`, after 3 warm-up rounds; PHP: "
      "`php8.2 -n scripts/bench-workloads/statcost.php FILES`):")
    W("")
    W("\n".join(q5_table))
    W("")
    W("opcached's hello-world throughput by `opcache.revalidate_freq` (3 pools started one after the other, everything else "
      "equal, each warmed with 3 s of load first; with 0 every request stats its script, with 2 one process per pool stats it "
      "every 2 s, with 60 once a minute). Hello world, because it is the cheapest request, where a stat weighs the most; a "
      "request to the application revalidates only its entry script too (its modules are bound in the entry's class loader):")
    W("")
    W("\n".join(q5r_table))
    W("")
    W("![stat cost](%s/q5-stat-cost.png)" % chart_rel)
    W("![revalidate_freq](%s/q5-revalidate.png)" % chart_rel)
    W("")
    W("**Answer.** " + stat_answer)
    W("")
    W("## 6. A deploy under load")
    W("")
    if dep_rows:
        W("The deploy application (`generate.py`: its own opcached docroot; under the PHP docroot in `deploy/`): 20 pages, "
          "each calling 2–3 of the 30 modules of the top layer; %d modules in 6 packages (layers) `lib/p0`…`lib/p5` of 30, "
          "module *j* of a layer calling module *j* of the layer below (PHP: `require_once` of the module files). Every module "
          "prints its version (`M041@v1`), every page echoes `?t=` (its request's send time and a slot number). "
          "Per server and connection count: %s s of warm-up load; then `wrk -t 2 -c N --timeout 30s` with `deploy.lua`, which "
          "writes per 100-ms window of completion time the responses, non-200 answers and old versions, and per window of "
          "sending a latency histogram (from `t=`: a request held up by a compilation counts in the window it was sent in, "
          "however late it completes); %s s into it %d module files (`%s`) get a new version in the measured server's tree only (written beside and "
          "renamed over, mtime back-dated 20 minutes: past `file_update_protection`), then the cache is reset (opcached: `POST /reset`; PHP: "
          "`reset.php`, `opcache_reset()`); the load goes on for %s s. *Before*: from 1 s after the start to the change. "
          "*After*: the 3 s from the reset call (throughput: responses completed in them; p99: of the requests sent in them). "
          "The p99s are corrected for coordinated omission, as wrk2 does: a connection sends its next request only once "
          "answered, so a stall hides the requests it would have sent meanwhile; an answer slower than a connection's "
          "interval between requests at the warm rate (connections / rate before) also counts for the requests of that "
          "time, with latencies one interval shorter each. The uncorrected p99 and the slowest answer are given beside; "
          "requests still unanswered when wrk stopped count with the time they had waited by then. "
          "Compilations: opcached's `compiles`, PHP's OPcache `misses` (a restart "
          "zeroes them), from just before the load until every page was requested once more after it (each must then show "
          "every new version). What was compiled against the changed files: %d files call one of them directly, %d "
          "directly or through other modules, up to the pages. *Old code after the reset returned*: responses completed "
          "after the reset call had answered that still showed an old version (in brackets: of those, sent after it). "
          "Non-200 counts wrk's non-2xx answers, socket errors and timeouts, and pages stale or failing once the load was over." % (
              (manifest or {}).get("files", 200) - (manifest or {}).get("pages", 20), deploy_warm_s, deploy_before_s,
              n_changed, "`, `".join((manifest or {}).get("changed", [])), deploy_after_s,
              len((manifest or {}).get("direct_dependents", [])), len((manifest or {}).get("transitive_dependents", []))))
        W("")
        W("\n".join(dep_table))
        W("")
        for n in dep_conns:
            W("![deploy c=%d](%s/deploy-timeline-c%d.png)" % (n, chart_rel, n))
        W("")
    else:
        W("Not run.")
        W("")
    W("## 7. Preloading: POST /compile against javac")
    W("")
    W("One plain `javac -encoding UTF-8 -nowarn -d OUT @files` (a fresh JVM, as on the command line) against `POST /compile "
      "{\"paths\":[DOCROOT]}` on the admin endpoint of a pool started for each run with an empty state directory "
      "(nothing from a file cache), timed from the call until its answer is complete (curl reads a streamed answer to its "
      "end). The files that do not compile on this JDK were found once with javac (it names them; left out, then again "
      "until the batch compiles) and are on neither side. The tree is `scripts/bench --compile-corpus DIR` when given "
      "(TheAlgorithms/Java: `git clone --depth 1 https://github.com/TheAlgorithms/Java` and pass its `src/main/java`; the "
      "benchmark never downloads it), else a generated one (`generate.py --compile-tree`: 40 packages × 20 classes of "
      "about 60 lines, each using 2–3 classes of other packages and a shared util; 10 packages with `--quick`).")
    W("")
    if compile_text:
        W("\n".join(compile_text))
    else:
        W("Not run.")
    W("")
    W("## 8. A fleet of three hosts through Redis")
    W("")
    if fleet_lines:
        W("\n".join(fleet_lines))
        fleet_notes = os.path.join(HERE, "fleet.md")
        if os.path.exists(fleet_notes):
            W(open(fleet_notes).read().rstrip("\n"))
            W("")
    else:
        W("Not run.")
        W("")
    notes = os.path.join(HERE, "notes.md")
    if os.path.exists(notes):
        W(open(notes).read().rstrip("\n"))
        W("")
    tail = os.path.join(HERE, "tail-latency.md")
    if os.path.exists(tail):
        W(open(tail).read().rstrip("\n"))
        W("")
    seg = os.path.join(HERE, "segment-jmh.md")
    if os.path.exists(seg):
        W(open(seg).read().rstrip("\n"))
        W("")
    engine = os.path.join(HERE, "compile-engine.md")
    if os.path.exists(engine):
        W(open(engine).read().rstrip("\n"))
        W("")
    memory = os.path.join(HERE, "worker-memory.md")
    if os.path.exists(memory):
        W(open(memory).read().rstrip("\n"))
    replacement = os.path.join(HERE, "replacement-workers.md")
    if os.path.exists(replacement):
        W(open(replacement).read().rstrip("\n"))
        W("")
    with open(out_md, "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
