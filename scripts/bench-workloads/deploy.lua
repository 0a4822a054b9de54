-- wrk: the deploy scenario. Requests the application's 20 pages in turn, each with ?t=<send time,
-- epoch µs> (the pages echo it), and writes a timeline of what came back, per 100-ms window of
-- completion time, to BENCH_TIMELINE.<thread>:
--   w WINDOW RESPONSES NON200 OLD      WINDOW = epoch ms / 100; OLD = bodies showing the old version
--   h SENT_WINDOW BIN COUNT            latency histogram by the window the request was sent in (a
--                                      request stuck behind a compilation counts where it began):
--                                      BIN = floor(100 * log10(latency µs))
--   o MS_DONE MS_SENT COUNT            old-version responses by completion and send time (epoch ms)
-- A thread writes a window once a response of a later window arrives, so the last window of each
-- thread is not written: the benchmark keeps wrk running well past the period it reads.
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

local counter = 1
function setup(thread)
    thread:set("thread_id", counter)
    counter = counter + 1
end

local i = 0
function request()
    local p = i % 20
    i = i + 1
    return wrk.format("GET", string.format("%spage%02d.%s?t=%d", prefix, p, ext, now_us()))
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
    local sent = tonumber(string.match(body or "", "^t=(%d+)"))
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
