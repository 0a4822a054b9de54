<?php
// The cost of one stat from PHP: php statcost.php FILE... Prints "php <op> <path> <median ns/op>":
// filemtime() served by PHP's one-entry stat cache (same file each time), filemtime() after
// clearstatcache() (a real stat(2) each time), and clearstatcache() alone. Median of 7 rounds.
function measure(callable $op, int $n = 200000): float
{
    $rounds = [];
    for ($r = -2; $r < 7; $r++) {
        $t0 = hrtime(true);
        $op($n);
        $t1 = hrtime(true);
        if ($r >= 0) {
            $rounds[] = ($t1 - $t0) / $n;
        }
    }
    sort($rounds);
    return $rounds[intdiv(count($rounds), 2)];
}

$sink = 0;
foreach (array_slice($argv, 1) as $f) {
    clearstatcache();
    printf("php filemtime_cached %s %.1f\n", $f, measure(function (int $n) use ($f, &$sink) {
        for ($i = 0; $i < $n; $i++) {
            $sink += filemtime($f);
        }
    }));
    printf("php filemtime_clearstatcache %s %.1f\n", $f, measure(function (int $n) use ($f, &$sink) {
        for ($i = 0; $i < $n; $i++) {
            clearstatcache();
            $sink += filemtime($f);
        }
    }));
    printf("php clearstatcache_only %s %.1f\n", $f, measure(function (int $n) {
        for ($i = 0; $i < $n; $i++) {
            clearstatcache();
        }
    }));
    printf("php empty_loop %s %.1f\n", $f, measure(function (int $n) use (&$sink) {
        for ($i = 0; $i < $n; $i++) {
            $sink += 1;
        }
    }));
}
