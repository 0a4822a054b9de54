-- wrk: every workload in turn (hello, medium, the ten pages of the application): after a reset,
-- every one of the 203 scripts is needed again. BENCH_EXT is "java" (opcached) or "php".
local ext = os.getenv("BENCH_EXT") or "java"
local paths = { "/hello." .. ext, "/medium." .. ext }
for p = 0, 9 do
    paths[#paths + 1] = "/shop." .. ext .. "?p=" .. p
end
local i = 0
request = function()
    local path = paths[(i % #paths) + 1]
    i = i + 1
    return wrk.format("GET", path)
end
