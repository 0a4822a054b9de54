#!/usr/bin/env python3
"""Writes docs/benchmarks.md and its gnuplot charts from one run of scripts/bench.

Usage: report.py RUN_DIR OUT_MD CHART_DIR

RUN_DIR is target/bench/run-<time>/ (results.jsonl, machine.txt, raw/). Medians over the runs;
ratios are opcached / PHP (throughput: higher is better for opcached; latency: lower is better).
The prose that does not depend on the figures lives next to this file: segment-jmh.md (the
segment benchmarks' explanations) and notes.md (observations on the daemon).
"""
import json
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD_NAMES = {"hello": "hello world", "medium": "medium (7 classes)", "shop": "200-file application"}
SCRIPTS_IN_MIX = 203  # hello, medium, shop + 200 modules


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
    labels, s_o, s_p, l_o, l_p = [], [], [], [], []
    for w in workloads:
        for c in conns:
            o, p = q1m.get((w, c, "opcached"), {}), q1m.get((w, c, "php"), {})
            rr = ratio(o.get("rps"), p.get("rps"))
            lr = ratio(o.get("p99"), p.get("p99"))
            q1_table.append("| %s | %d | %s | %s | **%s** | %s | %s | %s | %s | %s |" % (
                WORKLOAD_NAMES[w], c, fmt(o.get("rps")), fmt(p.get("rps")), fmt(rr, 2),
                fmt(o.get("p50"), 2), fmt(p.get("p50"), 2), fmt(o.get("p99"), 2), fmt(p.get("p99"), 2), fmt(lr, 2)))
            labels.append("%s c=%d" % (w, c))
            s_o.append(o.get("rps")); s_p.append(p.get("rps"))
            l_o.append(o.get("p99")); l_p.append(p.get("p99"))
    bar_chart(chart_dir, work_dir, "q1-throughput", "Throughput (median req/s)", "requests per second",
              labels, [("opcached", s_o), ("PHP-FPM + OPcache", s_p)])
    bar_chart(chart_dir, work_dir, "q1-p99", "p99 latency (median of runs)", "milliseconds (log)",
              labels, [("opcached", l_o), ("PHP-FPM + OPcache", l_p)], logscale=True)
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

    # ---------------- memory
    mem = [r for r in rows if r.get("kind") == "mem"]

    def mem_row(server, role):
        xs = [r for r in mem if r["server"] == server and r["role"] == role]
        if not xs:
            return None
        return (len(xs), median([x["rss_kb"] / 1024 for x in xs]), median([x["pss_kb"] / 1024 for x in xs]))

    mem_table = ["| process | count | RSS MiB (median) | PSS MiB (median) |", "| --- | ---: | ---: | ---: |"]
    for server, role, name in (("opcached", "worker", "opcached worker JVM"), ("opcached", "supervisor", "opcached supervisor JVM"),
                               ("php", "child", "php-fpm child"), ("php", "nginx-worker", "nginx worker")):
        m = mem_row(server, role)
        if m:
            mem_table.append("| %s | %d | %s | %s |" % (name, m[0], fmt(m[1], 1), fmt(m[2], 1)))
    mw, mc = mem_row("opcached", "worker"), mem_row("php", "child")
    if mw and mc:
        targets.append(("resident memory per worker reported beside PHP-FPM's per child",
                        "%.0f MiB RSS per worker vs %.0f MiB per child (%.1f×)" % (mw[1], mc[1], mw[1] / mc[1]), True,
                        "reported; no target value"))

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
    W("scripts/bench                 # everything below, about 13 minutes; writes this file and docs/benchmarks/*.png")
    W("scripts/bench --quick         # 1 run of 2 s each and the quick JMH matrix: a smoke test, not a result")
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
    W("     --state-dir $TMP/state --workers 2 --pool bench -d opcache.validate_timestamps=1 -d process_control_timeout=3   # revalidate_freq: default 2")
    W("php-fpm8.2 -F -y $TMP/fpm/php-fpm.conf -p $TMP/fpm -d opcache.enable=1 -d opcache.validate_timestamps=1 \\")
    W("     -d opcache.revalidate_freq=2 -d opcache.memory_consumption=128 -d opcache.max_accelerated_files=10000 \\")
    W("     -d opcache.file_update_protection=2 -d opcache.jit=off -d opcache.jit_buffer_size=0   # pm = static, pm.max_children = 2, unix socket")
    W("nginx -p $TMP/nginx -c $TMP/nginx/nginx.conf -g 'daemon off;'     # worker_processes auto (2), fastcgi_pass to that socket")
    W("wrk -t 2 -c {2,32} -d %ss --latency [-s scripts/bench-workloads/app.lua] URL   # after a 1-s warm-up run; opcached, then PHP, per cell" % machine.get("duration"))
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
    W("![throughput](%s/q1-throughput.png)" % chart_rel)
    W("![p99](%s/q1-p99.png)" % chart_rel)
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
    notes = os.path.join(HERE, "notes.md")
    if os.path.exists(notes):
        W(open(notes).read().rstrip("\n"))
        W("")
    seg = os.path.join(HERE, "segment-jmh.md")
    if os.path.exists(seg):
        W(open(seg).read().rstrip("\n"))
        W("")
    engine = os.path.join(HERE, "compile-engine.md")
    if os.path.exists(engine):
        W(open(engine).read().rstrip("\n"))
        W("")
    with open(out_md, "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
