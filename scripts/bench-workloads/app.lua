-- wrk: the 200-file application, pages ?p=0..9 in turn (each touches 20 module files).
-- BENCH_EXT is "java" (opcached) or "php" (PHP-FPM).
local ext = os.getenv("BENCH_EXT") or "java"
local i = 0
request = function()
    local p = i % 10
    i = i + 1
    return wrk.format("GET", "/shop." .. ext .. "?p=" .. p)
end
