/*
 * The opcached dashboard: samples GET /status?scripts=1 with the admin token and draws it.
 * Everything from the server reaches the page through textContent, never as HTML. The token lives
 * in sessionStorage (this tab only) and goes out only as an Authorization header, never as a
 * cookie, so another site cannot make this page's calls for it.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "opcached.admin-token";
  /** Samples older than this leave the charts. */
  var WINDOW_SECONDS = 600;
  /** The charts span at least this much, so that the first samples do not fill them edge to edge. */
  var MIN_SPAN_SECONDS = 15;
  /** At most this many script rows are drawn; a search narrows the list. */
  var MAX_ROWS = 500;
  var SAMPLE_MS = sampleInterval();

  var token = null;
  /** The pool's docroot, without a trailing slash: script paths under it are shown relative to it. */
  var docroot = "";
  var samples = [];
  var lastStatus = null;
  var timer = null;
  var sampling = false;
  /** An action asked for a sample while one was under way: take another as soon as it is in. */
  var sampleAgain = false;
  /** Samples drawn since the page was opened (data-samples of #dashboard: when a new one is in). */
  var drawn = 0;
  var charts = {};
  var intNumber = new Intl.NumberFormat("en-US");
  var oneDecimal = new Intl.NumberFormat("en-US", {minimumFractionDigits: 1, maximumFractionDigits: 1});

  function $(id) {
    return document.getElementById(id);
  }

  /** ?every=N (seconds, 1 to 60) changes the sampling interval; 3 s otherwise. */
  function sampleInterval() {
    var every = parseInt(new URLSearchParams(window.location.search).get("every"), 10);
    return (every >= 1 && every <= 60 ? every : 3) * 1000;
  }

  // ---- calls ---------------------------------------------------------------------------------

  /** A failed call: its HTTP status (0 when the endpoint could not be reached) and the server's message. */
  function CallError(status, message) {
    this.status = status;
    this.message = message;
  }

  function call(method, path, body, withToken) {
    var headers = {"Accept": "application/json", "Authorization": "Bearer " + withToken};
    var init = {method: method, headers: headers, cache: "no-store", credentials: "omit"};
    if (body !== null) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (response) {
      return response.text().then(function (text) {
        var parsed = null;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch (ignored) {
          parsed = null;
        }
        if (!response.ok) {
          var message = parsed && typeof parsed.error === "string" ? parsed.error : response.statusText;
          throw new CallError(response.status, message);
        }
        return parsed;
      });
    }, function (failure) {
      throw new CallError(0, "cannot reach the admin endpoint (" + failure.message + ")");
    });
  }

  function describe(failure, what) {
    if (failure instanceof CallError) {
      return what + " failed: " + (failure.status ? failure.status + " " : "") + failure.message;
    }
    return what + " failed: " + String(failure);
  }

  // ---- formatting ----------------------------------------------------------------------------

  function known(value) {
    return value !== null && value !== undefined;
  }

  function count(value) {
    return known(value) ? intNumber.format(value) : "–";
  }

  function bytes(value) {
    if (!known(value)) {
      return "–";
    }
    var units = ["B", "KiB", "MiB", "GiB", "TiB"];
    var unit = 0;
    var scaled = value;
    while (scaled >= 1024 && unit < units.length - 1) {
      scaled /= 1024;
      unit++;
    }
    return (unit === 0 ? String(scaled) : oneDecimal.format(scaled)) + " " + units[unit];
  }

  function percent(value) {
    return known(value) ? oneDecimal.format(value) + " %" : "–";
  }

  function duration(seconds) {
    if (!known(seconds)) {
      return "–";
    }
    var s = Math.max(0, Math.floor(seconds));
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return Math.floor(s / 60) + " min " + (s % 60) + " s";
    }
    if (s < 86400) {
      return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
    }
    return Math.floor(s / 86400) + " d " + Math.floor((s % 86400) / 3600) + " h";
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function dateTime(epochSeconds) {
    if (!known(epochSeconds) || epochSeconds <= 0) {
      return "–";
    }
    var d = new Date(epochSeconds * 1000);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " "
        + pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }

  function ago(epochSeconds) {
    if (!known(epochSeconds) || epochSeconds <= 0) {
      return "never";
    }
    return duration(Date.now() / 1000 - epochSeconds) + " ago";
  }

  // ---- DOM -----------------------------------------------------------------------------------

  /** A new element with text (never parsed as HTML) and optional class and title. */
  function el(tag, text, className, title) {
    var node = document.createElement(tag);
    if (known(text)) {
      node.textContent = String(text);
    }
    if (className) {
      node.className = className;
    }
    if (title) {
      node.title = title;
    }
    return node;
  }

  function row(cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (cell) {
      tr.appendChild(cell);
    });
    return tr;
  }

  function emptyRow(tbody, columns, text) {
    var td = el("td", text, "empty");
    td.colSpan = columns;
    tbody.replaceChildren(row([td]));
  }

  function show(id, text) {
    var node = $(id);
    node.textContent = text;
    node.hidden = !text;
  }

  /** The last refused action's message: it stays until another action succeeds. */
  var actionFailure = "";
  /** The last status read's failure: the next good sample clears it. */
  var samplingFailure = "";

  /**
   * The error banner: a failed status read and a refused action's message, each kept apart, so
   * that a sample coming in a second later (good or failed) never takes away the only word of why
   * Invalidate or Reset did nothing.
   */
  function banner(text, fromSampling) {
    if (fromSampling) {
      samplingFailure = text;
    } else {
      actionFailure = text;
    }
    show("banner", [samplingFailure, actionFailure].filter(Boolean).join(" \u00b7 "));
  }

  /** After an action succeeded: a refusal of an earlier one no longer holds. */
  function clearActionBanner() {
    banner("", false);
  }

  var noticeTimer = null;

  function notice(text) {
    show("notice", text);
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () {
      show("notice", "");
    }, 8000);
  }

  // ---- signing in and out --------------------------------------------------------------------

  /** Tries {@code candidate} on /configuration; only a token the endpoint accepts is kept. */
  function signIn(candidate, stored) {
    $("signin-button").disabled = true;
    return call("GET", "/configuration", null, candidate).then(function (configuration) {
      token = candidate;
      sessionStorage.setItem(TOKEN_KEY, candidate);
      $("token").value = "";
      show("signin-error", "");
      var directives = configuration && configuration.directives || {};
      var version = configuration && configuration.version || {};
      docroot = String(directives["opcached.docroot"] || "").replace(/\/+$/, "");
      $("script-root").textContent = docroot ? "under " + docroot : "";
      $("pool").textContent = "pool " + (directives["opcached.pool"] || "?")
          + (version.version ? " · " + version.version : "");
      $("signin").hidden = true;
      $("dashboard").hidden = false;
      $("forget").hidden = false;
      sample();
    }, function (failure) {
      if (failure instanceof CallError && failure.status === 401) {
        if (stored) {
          sessionStorage.removeItem(TOKEN_KEY);
        }
        show("signin-error", stored
            ? "The token kept in this tab is no longer accepted (401 Unauthorized): the pool's token has changed. Paste the current one."
            : "The admin endpoint refused this token (401 Unauthorized). Nothing was changed. Paste the whole token from this pool's admin.token.");
      } else {
        show("signin-error", describe(failure, "Signing in"));
      }
    }).then(function () {
      $("signin-button").disabled = false;
    });
  }

  /** Back to the sign-in form; the token is forgotten by this tab. */
  function signOut(message) {
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    clearTimeout(timer);
    timer = null;
    samples = [];
    lastStatus = null;
    $("dashboard").hidden = true;
    $("forget").hidden = true;
    $("signin").hidden = false;
    $("pool").textContent = "";
    $("updated").textContent = "";
    banner("", true);
    banner("", false);
    show("signin-error", message || "");
    $("token").focus();
  }

  // ---- sampling ------------------------------------------------------------------------------

  /** The next sample, unless the tab is hidden (then the page samples again once it is shown). */
  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (token && document.hidden) {
      $("updated").textContent = "paused while the tab is hidden";
    } else if (token) {
      timer = setTimeout(sample, sampleAgain ? 0 : SAMPLE_MS);
    }
    sampleAgain = false;
  }

  function sample() {
    if (!token) {
      return Promise.resolve();
    }
    if (sampling) {
      sampleAgain = true;
      return Promise.resolve();
    }
    sampling = true;
    return call("GET", "/status?scripts=1", null, token).then(function (status) {
      banner("", true);
      record(status);
      render(status);
    }, function (failure) {
      if (failure instanceof CallError && failure.status === 401) {
        signOut("The admin endpoint no longer accepts the token (401 Unauthorized). Paste the current one.");
      } else {
        banner(describe(failure, "Reading the status") + "; trying again", true);
      }
    }).then(function () {
      sampling = false;
      schedule();
    });
  }

  /**
   * Adds a sample. Requests/s come from the workers' answered requests (each process's count, by
   * pid: a process new since the last sample served all of its requests within the interval), the
   * hit rate of the interval from the cache's hits and misses.
   */
  function record(status) {
    var stats = status.opcache_statistics || {};
    var memory = status.memory_usage || {};
    var now = Date.now() / 1000;
    var served = {};
    (status.workers || []).forEach(function (worker) {
      if (worker.pid > 0 && known(worker.requests)) {
        served[worker.pid] = worker.requests;
      }
    });
    var point = {t: now, used: memory.used_memory, wasted: memory.wasted_memory, free: memory.free_memory,
      hits: stats.hits, misses: stats.misses, served: served, rate: null, rps: null};
    var previous = samples.length ? samples[samples.length - 1] : null;
    var seconds = previous ? point.t - previous.t : 0;
    if (previous && seconds > 0) {
      var answered = 0;
      Object.keys(served).forEach(function (pid) {
        var before = previous.served[pid];
        answered += before === undefined ? served[pid] : Math.max(0, served[pid] - before);
      });
      point.rps = answered / seconds;
    }
    if (previous && known(point.hits) && known(point.misses) && known(previous.hits) && known(previous.misses)) {
      var hits = point.hits - previous.hits;
      var misses = point.misses - previous.misses;
      // A negative delta is a counter that started again (a new segment): no figure for that interval.
      if (hits >= 0 && misses >= 0) {
        point.rate = hits + misses > 0 ? hits * 100 / (hits + misses) : null;
      }
    }
    samples.push(point);
    while (samples.length && samples[0].t < now - WINDOW_SECONDS) {
      samples.shift();
    }
  }

  // ---- rendering -----------------------------------------------------------------------------

  function render(status) {
    lastStatus = status;
    var stats = status.opcache_statistics || {};
    var memory = status.memory_usage || {};
    var segment = status.segment || {};
    var latest = samples[samples.length - 1];
    var size = (memory.used_memory || 0) + (memory.free_memory || 0) + (memory.wasted_memory || 0);

    $("updated").textContent = "updated " + dateTime(Date.now() / 1000).slice(11) + " · every " + SAMPLE_MS / 1000 + " s"
        + (status.cache_full ? " · cache full" : "") + (status.restart_pending ? " · restart pending" : "");

    $("tile-hit-rate").textContent = percent(stats.opcache_hit_rate);
    $("tile-hits").textContent = count(stats.hits) + " hits · " + count(stats.misses) + " misses";
    $("tile-rps").textContent = rate(latest && latest.rps);
    $("tile-scripts").textContent = count(stats.num_cached_scripts);
    $("tile-keys").textContent = count(stats.num_cached_keys) + " of " + count(stats.max_cached_keys) + " keys";
    $("tile-memory").textContent = bytes(memory.used_memory);
    $("tile-memory-sub").textContent = "of " + bytes(size) + " · " + percent(memory.current_wasted_percentage) + " wasted";
    $("tile-restarts").textContent = count(restartTotal(stats));
    $("tile-last-restart").textContent = stats.last_restart_time > 0
        ? "last: " + stats.last_restart_reason + ", " + ago(stats.last_restart_time) : "none since start";
    $("tile-generation").textContent = count(segment.generation);
    $("tile-uptime").textContent = known(stats.start_time) ? "up " + duration(Date.now() / 1000 - stats.start_time) : "";

    $("memory-used").textContent = bytes(memory.used_memory);
    $("memory-wasted").textContent = bytes(memory.wasted_memory) + " (" + percent(memory.current_wasted_percentage) + ")";
    $("memory-free").textContent = bytes(memory.free_memory);
    $("memory-size").textContent = bytes(segment.size);
    $("traffic-hits").textContent = count(stats.hits);
    $("traffic-misses").textContent = count(stats.misses);
    $("traffic-blacklist").textContent = count(stats.blacklist_misses);
    $("traffic-compiles").textContent = count(status.compiles);

    renderCharts();
    renderWorkers(status.workers || []);
    renderRestarts(stats, status.restart_history || []);
    renderScripts();
    drawn++;
    $("dashboard").dataset.samples = String(drawn);
  }

  function restartTotal(stats) {
    var total = 0;
    ["oom_restarts", "hash_restarts", "manual_restarts", "corruption_restarts", "segment_lost_restarts"]
        .forEach(function (key) {
          total += stats[key] || 0;
        });
    return total;
  }

  function color(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  /** uPlot's x range: the samples' span, at least MIN_SPAN_SECONDS and at most WINDOW_SECONDS. */
  function timeRange(u, min, max) {
    var span = Math.min(WINDOW_SECONDS, Math.max(MIN_SPAN_SECONDS, max - min));
    return [max - span, max];
  }

  function chartWidth(id) {
    return Math.max(280, $(id).clientWidth);
  }

  /**
   * A legend value: the figure under the cursor, or the latest one when the cursor is elsewhere,
   * so that the legend always reads as the current figures.
   */
  function legendValue(format) {
    return function (u, value, seriesIndex, index) {
      if (index === null || index === undefined) {
        var data = u.data[seriesIndex];
        value = data && data.length ? data[data.length - 1] : null;
      }
      return format(value);
    };
  }

  function clock(epochSeconds) {
    return known(epochSeconds) ? dateTime(epochSeconds).slice(11) : "–";
  }

  function rate(value) {
    return known(value) ? oneDecimal.format(value) : "–";
  }

  /** Axis steps for bytes: powers of two, so that the ticks read 16 KiB, 32 KiB, not 19.5 KiB. */
  var BINARY_STEPS = (function () {
    var steps = [];
    for (var power = 0; power < 50; power++) {
      steps.push(Math.pow(2, power));
    }
    return steps;
  })();

  function makeCharts() {
    var axis = {stroke: color("--muted"), grid: {stroke: "#edf0f4"}, ticks: {stroke: "#edf0f4"}};
    var time = {label: "Time", value: legendValue(clock)};
    var timeAxis = Object.assign({}, axis, {values: function (u, splits) { return splits.map(clock); }});
    charts.memory = new uPlot({
      width: chartWidth("memory-chart"), height: 220,
      scales: {x: {time: true, range: timeRange}, y: {range: function (u, min, max) { return [0, Math.max(1024, max * 1.15)]; }}},
      series: [
        time,
        {label: "Used", stroke: color("--used"), width: 2, fill: "rgba(31, 79, 209, 0.10)", value: legendValue(bytes)},
        {label: "Wasted", stroke: color("--wasted"), width: 2, value: legendValue(bytes)},
        // Hidden at first (a click on its legend shows it): next to a mostly free segment the others would be flat lines.
        {label: "Free", stroke: color("--free"), width: 2, dash: [5, 4], show: false, value: legendValue(bytes)}
      ],
      axes: [timeAxis, Object.assign({}, axis, {size: 76, incrs: BINARY_STEPS, values: function (u, values) {
        return values.map(function (v) { return bytes(v); });
      }})]
    }, [[], [], [], []], $("memory-chart"));
    charts.traffic = new uPlot({
      width: chartWidth("traffic-chart"), height: 220,
      scales: {x: {time: true, range: timeRange}, pct: {range: [0, 100]},
        rps: {range: function (u, min, max) { return [0, Math.max(1, (max || 0) * 1.15)]; }}},
      series: [
        time,
        {label: "Hit rate", scale: "pct", stroke: color("--ok"), width: 2, value: legendValue(percent)},
        {label: "Requests/s", scale: "rps", stroke: color("--accent"), width: 2, fill: "rgba(31, 79, 209, 0.08)",
          value: legendValue(rate)}
      ],
      axes: [timeAxis,
        Object.assign({}, axis, {scale: "pct", size: 52, values: function (u, values) {
          return values.map(function (v) { return v + " %"; });
        }}),
        Object.assign({}, axis, {scale: "rps", side: 1, size: 52, grid: {show: false}})]
    }, [[], [], []], $("traffic-chart"));
  }

  function renderCharts() {
    if (typeof uPlot === "undefined") {
      return; // the library failed to load: the figures beside the charts still tell
    }
    if (!charts.memory) {
      makeCharts();
    }
    var t = samples.map(function (s) { return s.t; });
    charts.memory.setData([t, samples.map(function (s) { return s.used; }),
      samples.map(function (s) { return s.wasted; }), samples.map(function (s) { return s.free; })]);
    charts.traffic.setData([t, samples.map(function (s) { return s.rate; }), samples.map(function (s) { return s.rps; })]);
  }

  function resizeCharts() {
    if (charts.memory) {
      charts.memory.setSize({width: chartWidth("memory-chart"), height: 220});
      charts.traffic.setSize({width: chartWidth("traffic-chart"), height: 220});
    }
  }

  function renderWorkers(workers) {
    var tbody = $("workers");
    $("workers-count").textContent = workers.length + (workers.length === 1 ? " process" : " processes");
    if (!workers.length) {
      emptyRow(tbody, 8, "No worker processes");
      return;
    }
    tbody.replaceChildren.apply(tbody, workers.map(function (w) {
      return row([
        el("td", w.name),
        el("td", w.pid, "num"),
        (function () {
          var td = el("td");
          td.appendChild(el("span", w.state, "pill " + w.state));
          return td;
        })(),
        el("td", duration(w.age), "num", w.started ? "started " + dateTime(w.started) : null),
        el("td", count(w.requests), "num"),
        el("td", bytes(w.rss), "num"),
        el("td", bytes(w.pss), "num"),
        el("td", count(w.restarts), "num")
      ]);
    }));
  }

  function renderRestarts(stats, history) {
    var tbody = $("restarts");
    $("restart-counts").textContent = "oom " + count(stats.oom_restarts) + " · hash " + count(stats.hash_restarts)
        + " · manual " + count(stats.manual_restarts) + " · corruption " + count(stats.corruption_restarts)
        + " · segment lost " + count(stats.segment_lost_restarts);
    if (!history.length) {
      emptyRow(tbody, 3, "No restart since the pool started");
      return;
    }
    tbody.replaceChildren.apply(tbody, history.slice().reverse().map(function (r) {
      var reason = el("td");
      reason.appendChild(el("span", r.reason, "pill " + r.reason));
      return row([el("td", dateTime(r.time), null, ago(r.time)), reason, el("td", count(r.generation), "num")]);
    }));
  }

  function sortedScripts() {
    var query = $("script-search").value.trim().toLowerCase();
    var order = $("script-sort").value;
    var scripts = lastStatus && lastStatus.scripts ? lastStatus.scripts : {};
    var list = Object.keys(scripts).map(function (key) {
      var s = scripts[key];
      return {path: s.full_path || key, hits: s.hits, memory: s.memory_consumption,
        lastUsed: s.last_used_timestamp, timestamp: s.timestamp};
    });
    var total = list.length;
    if (query) {
      list = list.filter(function (s) { return s.path.toLowerCase().indexOf(query) >= 0; });
    }
    var figure = {hits: "hits", memory: "memory", last_used: "lastUsed"}[order];
    list.sort(function (a, b) {
      if (figure) {
        var d = (known(b[figure]) ? b[figure] : -1) - (known(a[figure]) ? a[figure] : -1);
        if (d !== 0) {
          return d;
        }
      }
      return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
    });
    return {list: list, total: total, query: query};
  }

  /** A script's path as the table shows it: relative to the docroot when it is under it. */
  function shown(path) {
    return docroot && path.indexOf(docroot + "/") === 0 ? path.slice(docroot.length + 1) : path;
  }

  function renderScripts() {
    var tbody = $("scripts");
    var found = sortedScripts();
    $("script-count").textContent = found.query
        ? found.list.length + " of " + found.total + " scripts" : found.total + (found.total === 1 ? " script" : " scripts");
    var note = found.list.length > MAX_ROWS ? "The first " + MAX_ROWS + " of " + found.list.length + " are shown; search to narrow the list." : "";
    show("scripts-note", note);
    if (!found.list.length) {
      emptyRow(tbody, 6, found.total ? "No script matches the search" : "No script is cached");
      return;
    }
    tbody.replaceChildren.apply(tbody, found.list.slice(0, MAX_ROWS).map(function (s) {
      var action = el("td", null, "action");
      var button = el("button", "Invalidate", "small", "Drop this script from the cache (force): it is compiled or loaded again on its next request");
      button.type = "button";
      button.dataset.path = s.path;
      action.appendChild(button);
      return row([
        el("td", shown(s.path), "path", s.path),
        el("td", count(s.hits), "num"),
        el("td", bytes(s.memory), "num"),
        el("td", ago(s.lastUsed), "num", dateTime(s.lastUsed)),
        el("td", dateTime(s.timestamp), "num"),
        action
      ]);
    }));
  }

  // ---- actions -------------------------------------------------------------------------------

  function invalidate(button) {
    var path = button.dataset.path;
    button.disabled = true;
    button.textContent = "Invalidating…";
    call("POST", "/invalidate", {paths: [path], force: true}, token).then(function (answer) {
      var dependents = answer && answer.dependents ? answer.dependents.length : 0;
      clearActionBanner();
      notice("Invalidated " + path + (dependents ? " and " + dependents + " script(s) compiled against it" : ""));
      return sample();
    }, function (failure) {
      button.disabled = false;
      button.textContent = "Invalidate";
      banner(describe(failure, "Invalidating " + path), false);
    });
  }

  function askReset() {
    var scripts = lastStatus && lastStatus.opcache_statistics ? lastStatus.opcache_statistics.num_cached_scripts : null;
    $("reset-question").textContent = "Reset the cache of this pool now? "
        + (known(scripts) ? count(scripts) + " cached script(s) are dropped." : "Every cached script is dropped.");
    $("reset-start").hidden = true;
    $("reset-confirm").hidden = false;
    $("reset-no").focus();
  }

  function closeReset() {
    $("reset-confirm").hidden = true;
    $("reset-start").hidden = false;
    $("reset-yes").disabled = false;
    $("reset-yes").textContent = "Yes, reset now";
  }

  function reset() {
    $("reset-yes").disabled = true;
    $("reset-yes").textContent = "Resetting…";
    call("POST", "/reset", null, token).then(function (answer) {
      closeReset();
      clearActionBanner();
      notice("The cache was reset: generation " + count(answer && answer.generation)
          + ", manual restarts " + count(answer && answer.manual_restarts) + ".");
      return sample();
    }, function (failure) {
      closeReset();
      banner(describe(failure, "Resetting the cache"), false);
    });
  }

  // ---- wiring --------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", function () {
    $("signin-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var candidate = $("token").value.trim();
      if (!/^[\x21-\x7e]+$/.test(candidate)) {
        show("signin-error", "A token is one word of printable characters (64 hex digits); nothing was sent.");
        return;
      }
      signIn(candidate, false);
    });
    $("forget").addEventListener("click", function () {
      signOut("The token was forgotten by this tab.");
    });
    $("scripts").addEventListener("click", function (event) {
      var button = event.target.closest("button[data-path]");
      if (button && !button.disabled) {
        invalidate(button);
      }
    });
    $("script-search").addEventListener("input", renderScripts);
    $("script-sort").addEventListener("change", renderScripts);
    $("reset").addEventListener("click", askReset);
    $("reset-no").addEventListener("click", closeReset);
    $("reset-yes").addEventListener("click", reset);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) {
        sample();
      } else if (!sampling) {
        schedule(); // a sample under way schedules (that is, pauses) when it is in
      }
    });
    window.addEventListener("resize", resizeCharts);

    var stored = sessionStorage.getItem(TOKEN_KEY);
    if (stored) {
      signIn(stored, true);
    } else {
      $("token").focus();
    }
  });
})();
