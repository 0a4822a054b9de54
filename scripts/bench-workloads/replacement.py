#!/usr/bin/env python3
"""The first request a replacement worker serves, against the warm median, for scripts/bench.

Usage: replacement.py PORT PATH MODE COUNT OUT_JSONL [key=value ...]

A pool of one worker on 127.0.0.1:PORT (the worker's pid comes back in X-Opcached-Worker). One
client sends GET PATH sequentially, each on a new connection, as a visitor's browser would, and
times each answer. MODE says how the worker is replaced, COUNT times:
  recycle  the pool runs with pm.max_requests: the client just keeps sending; the old worker
           serves until its replacement is ready
  kill     SIGKILL of the worker after its warm requests; the client retries refused connections
  term     SIGTERM of the worker after its warm requests (it drains and exits; replaced at once)
For each replacement one JSON line goes to OUT_JSONL: the warm median (ms) of the requests the
replaced worker served after its first WARM_SKIP, and the latency (ms) of the first request its
replacement served, with the extra key=value pairs given.
"""
import http.client
import json
import os
import signal
import statistics
import sys
import time

WARM_REQUESTS = 300   # what a worker serves before it is killed (kill, term)
WARM_SKIP = 100       # its own first requests, not part of its warm median
DEADLINE_S = 120      # for one replacement


def get(port, path):
    """(pid, ms) of one GET on a new connection; None when the connection is refused or reset."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit("replacement.py: %s answered %d" % (path, response.status))
        pid = int(response.getheader("X-Opcached-Worker"))
    except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected):
        return None
    finally:
        conn.close()
    return pid, (time.perf_counter() - started) * 1000.0


def first_of_replacement(port, path, old_pid, seen):
    """The latency of the first request served by a pid not in seen, and that pid."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        answer = get(port, path)
        if answer is None:
            time.sleep(0.002)
            continue
        if answer[0] not in seen:
            return answer
    raise SystemExit("replacement.py: no replacement of worker %d within %d s" % (old_pid, DEADLINE_S))


def main():
    port, path, mode, count, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    extra = dict(a.split("=", 1) for a in sys.argv[6:])
    answer = None
    while answer is None:
        answer = get(port, path)
    pid = answer[0]
    seen = {pid}  # a worker being replaced may still answer once its replacement has
    served = []  # latencies of the current worker, in order
    with open(out, "a") as sink:
        for n in range(count):
            if mode == "recycle":
                deadline = time.monotonic() + DEADLINE_S
                while True:
                    answer = get(port, path)
                    if answer is None:
                        continue
                    if answer[0] not in seen:
                        break
                    if answer[0] == pid:
                        served.append(answer[1])
                    if time.monotonic() > deadline:
                        raise SystemExit("replacement.py: worker %d was not recycled within %d s" % (pid, DEADLINE_S))
            else:
                while len(served) < WARM_REQUESTS:
                    answer = get(port, path)
                    if answer is not None and answer[0] == pid:
                        served.append(answer[1])
                os.kill(pid, signal.SIGKILL if mode == "kill" else signal.SIGTERM)
                answer = first_of_replacement(port, path, pid, seen)
            warm = served[WARM_SKIP:] or served
            record = dict(extra, kind="replacement", mode=mode, path=path, sample=n + 1, old_pid=pid,
                          new_pid=answer[0], warm_median_ms=round(statistics.median(warm), 3),
                          warm_requests=len(warm), first_ms=round(answer[1], 3))
            sink.write(json.dumps(record) + "\n")
            sink.flush()
            print("replacement.py: %s %s #%d: first %.1f ms, warm median %.2f ms" % (
                mode, path, n + 1, answer[1], record["warm_median_ms"]), file=sys.stderr)
            pid, served = answer[0], []
            seen.add(pid)


if __name__ == "__main__":
    main()
