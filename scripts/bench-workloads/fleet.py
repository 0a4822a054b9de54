#!/usr/bin/env python3
"""A fleet of simulated hosts for scripts/bench: one release cold on every host at once, then the
next release on every host at once, counting what the fleet compiled.

Usage: fleet.py HOSTS_JSON MODE RUN OUT_JSONL

HOSTS_JSON is a list of hosts, each {"name", "port", "admin", "token_file", "base"}: a pool on
127.0.0.1:port (admin endpoint on admin) serving base/deploy-java, its own copy of the deploy
application of generate.py, at version 1 and never requested. MODE ("local", or a name starting
with "redis") is only written into the record; with "redis…" the pools must have
opcached.redis_url, and the script first waits until every pool's Redis level is up.

  cold    every page of every host requested at once (one connection per page and host); timed
          until every host has answered every page right
  deploy  generate.py --deploy-version 2 on every host's copy (the same 5 modules), then POST /reset
          on every host at once; each host's pages requested at once as soon as its reset has
          answered; timed from the resets being sent until every host answers every page with
          the new versions
  rolling the same with version 3, but host after host: the next host's reset is sent once the
          one before serves every page right (a rolling deploy, for comparison)

After each, the figures of every pool: `compiles` from GET /status and the opcached_redis_*
counters from GET /metrics, read once they have stopped changing (the compiler reports its figures
to the supervisor about once a second). One JSON line goes to OUT_JSONL.
"""
import concurrent.futures
import http.client
import json
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402  (the deploy application's versions)

DEADLINE_S = 300          # for one phase on every host
SETTLE_S = 15             # for the figures to stop changing
REDIS_COUNTERS = ("opcached_redis_hits_total", "opcached_redis_misses_total", "opcached_redis_stores_total",
                  "opcached_redis_claim_waits_total", "opcached_redis_compiles_saved_total",
                  "opcached_redis_rejections_total", "opcached_redis_timeouts_total", "opcached_redis_errors_total",
                  "opcached_redis_state_changes_total", "opcached_compilations_total")
PAGES = ["page%02d" % p for p in range(generate.DEPLOY_PAGES)]
CHANGED = {"M%03d" % generate.deploy_index(l, j) for l, j in generate.DEPLOY_CHANGED}
MARK = re.compile(r" (M\d{3})@v(\d+)")


def call(port, method, path, token=None, timeout=DEADLINE_S):
    """(status, body) of one request on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Authorization": "Bearer " + token} if token else {}
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def token_of(host):
    with open(host["token_file"]) as f:
        return f.read().strip()


def right(page, body, version, dependents):
    """Whether a page's answer is whole and shows version `version` of every changed module it
    runs (and version 1 of every other), the changed ones included where it depends on them."""
    if not body.startswith("t=1 %s:" % page) or " = " not in body:
        return False
    marks = MARK.findall(body)
    if not marks:
        return False
    for module, v in marks:
        if int(v) != (version if module in CHANGED else 1):
            return False
    return page not in dependents or any(module in CHANGED for module, _ in marks)


def serve_all(host, version, dependents, started, deadline):
    """Every page of one host at once, each asked again until it answers right; (seconds from
    `started` until the last was right, answers that were wrong or failed on the way)."""
    wrong = []
    lock = threading.Lock()

    def one(page):
        while True:
            try:
                status, body = call(host["port"], "GET", "/%s.java?t=1" % page)
            except (OSError, http.client.HTTPException) as e:
                status, body = 0, repr(e)
            if status == 200 and right(page, body, version, dependents):
                return time.monotonic()
            with lock:
                wrong.append("%s %s %d %s" % (host["name"], page, status, body.strip()[:200]))
            if time.monotonic() > deadline:
                raise SystemExit("fleet.py: %s %s not right within %d s: %d %s" % (
                    host["name"], page, DEADLINE_S, status, body.strip()[:300]))
            time.sleep(0.05)

    with concurrent.futures.ThreadPoolExecutor(len(PAGES)) as pool:
        done = list(pool.map(one, PAGES))
    return max(done) - started, wrong


def figures(host):
    token = token_of(host)
    status, body = call(host["admin"], "GET", "/status", token, 30)
    if status != 200:
        raise SystemExit("fleet.py: %s: GET /status answered %d" % (host["name"], status))
    out = {"compiles": json.loads(body)["compiles"]}
    status, body = call(host["admin"], "GET", "/metrics", token, 30)
    if status != 200:
        raise SystemExit("fleet.py: %s: GET /metrics answered %d" % (host["name"], status))
    for name in REDIS_COUNTERS + ("opcached_redis_up",):
        m = re.search(r"(?m)^%s(?:\{[^}]*\})? (\S+)$" % name, body)
        out[name] = int(float(m.group(1))) if m else None
    return out


def settled(hosts):
    """Every pool's figures, once two reads a second and a half apart agree (bounded)."""
    deadline = time.monotonic() + SETTLE_S
    last = [figures(h) for h in hosts]
    while True:
        time.sleep(1.5)
        now = [figures(h) for h in hosts]
        if now == last or time.monotonic() > deadline:
            return now
        last = now


def delta(before, after):
    return [{k: (a[k] - b[k]) if isinstance(a[k], int) and isinstance(b.get(k), int) else a[k]
             for k in a} for b, a in zip(before, after)]


def await_redis_up(hosts):
    deadline = time.monotonic() + 60
    while any(figures(h)["opcached_redis_up"] != 1 for h in hosts):
        if time.monotonic() > deadline:
            raise SystemExit("fleet.py: the Redis level is not up on every pool within 60 s")
        time.sleep(0.1)


def phase_cold(hosts):
    started = time.monotonic()
    deadline = started + DEADLINE_S
    with concurrent.futures.ThreadPoolExecutor(len(hosts)) as pool:
        results = list(pool.map(lambda h: serve_all(h, 1, set(), started, deadline), hosts))
    return {"wall_s": round(max(s for s, _ in results), 3), "host_s": [round(s, 3) for s, _ in results],
            "wrong": [w for _, ws in results for w in ws]}


def reset_and_serve(h, token, version, dependents, started, deadline):
    """POST /reset, then every page of the host at once until right: (reset answered, all right
    (both seconds from `started`), wrong answers, compiled_first)."""
    status, body = call(h["admin"], "POST", "/reset", token)
    reset_s = time.monotonic() - started
    if status != 200:
        raise SystemExit("fleet.py: %s: POST /reset answered %d: %s" % (h["name"], status, body))
    served_s, wrong = serve_all(h, version, dependents, started, deadline)
    return reset_s, served_s, wrong, json.loads(body).get("compiled_first")


def phase_deploy(hosts, dependents, version, rolling):
    # The release synced to every host first (written beside and renamed over, as rsync does).
    for h in hosts:
        generate.deploy_version(h["base"], version, "java")
    tokens = [token_of(h) for h in hosts]
    started = time.monotonic()
    deadline = started + DEADLINE_S

    def host(i):
        return reset_and_serve(hosts[i], tokens[i], version, dependents, started, deadline)

    if rolling:
        results = [host(i) for i in range(len(hosts))]
    else:
        with concurrent.futures.ThreadPoolExecutor(len(hosts)) as pool:
            results = list(pool.map(host, range(len(hosts))))
    return {"wall_s": round(max(r[1] for r in results), 3), "reset_s": [round(r[0], 3) for r in results],
            "host_s": [round(r[1], 3) for r in results], "compiled_first": [r[3] for r in results],
            "wrong": [w for r in results for w in r[2]]}


def main():
    hosts_file, mode, run, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    with open(hosts_file) as f:
        hosts = json.load(f)
    dependents = set(p for p in generate.deploy_manifest()["transitive_dependents"] if p.startswith("page"))
    if mode != "local":
        await_redis_up(hosts)
    record = {"kind": "fleet", "mode": mode, "run": run, "hosts": len(hosts),
              "files": generate.deploy_manifest()["files"]}
    f0 = settled(hosts)
    record["cold"] = phase_cold(hosts)
    f1 = settled(hosts)
    record["cold"]["figures"] = delta(f0, f1)
    record["deploy"] = phase_deploy(hosts, dependents, 2, False)
    f2 = settled(hosts)
    record["deploy"]["figures"] = delta(f1, f2)
    record["rolling"] = phase_deploy(hosts, dependents, 3, True)
    f3 = settled(hosts)
    record["rolling"]["figures"] = delta(f2, f3)
    with open(out, "a") as sink:
        sink.write(json.dumps(record) + "\n")
    for name in ("cold", "deploy", "rolling"):
        p = record[name]
        print("fleet.py: %s run %d %s: %.1f s, compiles %s, redis hits %s, claim waits %s, saved %s, wrong answers %d" % (
            mode, run, name, p["wall_s"], [x["compiles"] for x in p["figures"]],
            [x["opcached_redis_hits_total"] for x in p["figures"]],
            [x["opcached_redis_claim_waits_total"] for x in p["figures"]],
            [x["opcached_redis_compiles_saved_total"] for x in p["figures"]], len(p["wrong"])), file=sys.stderr)


if __name__ == "__main__":
    main()
