-- wrk: the deploy scenario. Requests the application's 20 pages in turn, each with
-- ?t=<send time, epoch µs>-<slot> (the pages echo it), and writes a timeline of what came back, per
-- 100-ms window of completion time, to BENCH_TIMELINE.<thread>:
--   w WINDOW RESPONSES NON200 OLD      WINDOW = epoch ms / 100; OLD = bodies showing the old version
--   h SENT_WINDOW BIN COUNT            latency histogram by the window the request was sent in (a
--                                      request stuck behind a compilation counts where it began):
--                                      BIN = floor(100 * log10(latency µs))
--   o MS_DONE MS_SENT COUNT            old-version responses by completion and send time (epoch ms)
-- A thread writes a window once a response of a later window arrives, so the last window of each
-- thread is not written: the benchmark keeps wrk running well past the period it reads. Requests
-- still unanswered when wrk stops (held up by a compilation, say) go to BENCH_TIMELINE.pending:
--   p SENT_US                          one line each (its slot was still taken)
--   e END_US                           when wrk stopped
-- Slots: a request takes a free one and gives it back with its answer; the thread keeps the send
-- time of a taken slot in the number global pend<slot>, the only kind of value wrk copies safely
-- out of a thread.
-- Environment: BENCH_EXT (java|php), BENCH_PREFIX (URL path before "pageNN"), BENCH_TIMELINE,
-- BENCH_OLD (space-separated markers of the old code, e.g. "M003@v1 M041@v1").
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
    ffi.C.clock_gettime(0, ts) -- CLOCK_REALTIME: comparable with the benchmark's `date +%s%N`
    return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

local ext = os.getenv("BENCH_EXT") or "java"
local prefix = os.getenv("BENCH_PREFIX") or "/"
local old = {}
for marker in string.gmatch(os.getenv("BENCH_OLD") or "", "%S+") do
    old[#old + 1] = marker .. " " -- every module's mark is followed by a space: v1 never matches v10
end

local threads = {}
function setup(thread)
    threads[#threads + 1] = thread
    thread:set("thread_id", #threads)
end

local slot_names = {}
local free = {}
maxslot = 0

local function slot_name(slot)
    local name = slot_names[slot]
    if name == nil then
        name = "pend" .. slot
        slot_names[slot] = name
    end
    return name
end

local i = 0
function request()
    local p = i % 20
    i = i + 1
    local now = now_us()
    -- wrk calls the first thread's request() once before the load, to check it, and never sends
    -- that request: it takes no slot (0 is never one).
    local slot = 0
    if i > 1 or thread_id ~= 1 then
        slot = table.remove(free)
        if slot == nil then
            maxslot = maxslot + 1
            slot = maxslot
        end
        _G[slot_name(slot)] = now
    end
    return wrk.format("GET", string.format("%spage%02d.%s?t=%d-%d", prefix, p, ext, now, slot))
end

function done(summary, latency, requests)
    local f = assert(io.open(os.getenv("BENCH_TIMELINE") .. ".pending", "w"))
    for _, thread in ipairs(threads) do
        for slot = 1, thread:get("maxslot") or 0 do
            local sent = thread:get("pend" .. slot) or 0
            if sent > 0 then
                f:write(string.format("p %d\n", sent))
            end
        end
    end
    f:write(string.format("e %d\n", now_us()))
    f:close()
end

local out = nil
local window = nil
local responses, non200, olds = 0, 0, 0
local hist = {}
local old_at = {}

local function flush()
    if out == nil then
        out = assert(io.open(os.getenv("BENCH_TIMELINE") .. "." .. tostring(thread_id), "w"))
    end
    out:write(string.format("w %d %d %d %d\n", window, responses, non200, olds))
    for key, n in pairs(hist) do
        out:write(string.format("h %s %d\n", key, n))
    end
    for key, n in pairs(old_at) do
        out:write(string.format("o %s %d\n", key, n))
    end
    out:flush()
    responses, non200, olds = 0, 0, 0
    hist = {}
    old_at = {}
end

function response(status, headers, body)
    local done = now_us()
    local w = math.floor(done / 100000)
    if window ~= nil and w ~= window then
        flush()
    end
    window = w
    responses = responses + 1
    local t, slot = string.match(body or "", "^t=(%d+)%-(%d+)")
    local sent = tonumber(t)
    slot = tonumber(slot)
    if slot ~= nil and slot <= maxslot and _G[slot_name(slot)] == sent then
        _G[slot_name(slot)] = 0
        free[#free + 1] = slot
    end
    if status ~= 200 or sent == nil then
        non200 = non200 + 1
    end
    if sent ~= nil then
        local key = string.format("%d %d", math.floor(sent / 100000), math.floor(100 * math.log10(math.max(done - sent, 1))))
        hist[key] = (hist[key] or 0) + 1
        for _, marker in ipairs(old) do
            if string.find(body, marker, 1, true) then
                olds = olds + 1
                local key = string.format("%d %d", math.floor(done / 1000), math.floor(sent / 1000))
                old_at[key] = (old_at[key] or 0) + 1
                break
            end
        end
    end
end
