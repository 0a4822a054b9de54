#!/usr/bin/env python3
"""Writes the benchmark workloads of scripts/bench into DIR/java (opcached docroot) and DIR/php
(PHP-FPM docroot). The two trees behave identically: same URLs (minus the extension), same bytes
out.

Usage: generate.py DIR                      the workloads below
       generate.py --deploy-version DIR N [java|php]   the deploy scenario's 5 changed modules, as
                                            version vN (in one server's tree only, when named)
       generate.py --compile-tree DIR [P]   the compile scenario's generated tree: P packages
                                            (default 40) of 20 classes, and a shared util

  hello.{java,php}         hello world (?name=)
  medium.{java,php}        a few hundred lines, seven classes: LCG, modular matrix power, sieve,
                           expression lexer/parser/evaluator, statistics, HTML table
  shop.{java,php}          entry of a 200-file application: ?p=0..9 runs a chain of 20 modules,
                           app/Mod{p*20}..app/Mod{p*20+19}, each its own source file
                           (Java: package app, loaded through the cache; PHP: autoload)
  status.php, reset.php    PHP only: opcache_get_status() as JSON, opcache_reset()

  DIR/deploy-java/, DIR/php/deploy/   the deploy scenario's application (its own opcached docroot;
                           under the PHP docroot): 20 pages page00..page19, each calling 2-3 of the
                           30 top modules, and 180 modules lib/p0..p5/MNNN in 6 layers of 30; module
                           j of layer L calls module j of layer L-1. Every module prints its version
                           ("M033@v1"); pages echo ?t= (the send time and slot deploy.lua puts there).
  DIR/deploy.json          which modules a deploy changes, and the files compiled against them
"""
import json
import os
import sys
import time

MODULES = 200
CHAIN = 20

HELLO_JAVA = """import dev.opcached.script.Request;
import dev.opcached.script.Response;
import dev.opcached.script.Script;

public class hello implements Script {
    @Override
    public void handle(Request request, Response response) {
        String name = request.param("name");
        response.header("Content-Type", "text/plain; charset=utf-8");
        response.write("Hello, " + (name == null || name.isEmpty() ? "world" : name) + "!\\n");
    }
}
"""

HELLO_PHP = """<?php
header('Content-Type: text/plain; charset=utf-8');
$name = $_GET['name'] ?? '';
echo 'Hello, ' . ($name === '' ? 'world' : $name) . "!\\n";
"""

MEDIUM_JAVA = r"""import dev.opcached.script.Request;
import dev.opcached.script.Response;
import dev.opcached.script.Script;
import java.util.ArrayList;
import java.util.List;

/** The "medium" workload: several classes doing a small computation; same output as medium.php. */
public class medium implements Script {
    static final long MOD = 1000003L;

    @Override
    public void handle(Request request, Response response) {
        String ns = request.param("n");
        int n = 7;
        if (ns != null && !ns.isEmpty()) {
            n = Integer.parseInt(ns);
        }
        response.header("Content-Type", "text/plain; charset=utf-8");
        StringBuilder out = new StringBuilder();
        Rng rng = new Rng(n);

        Matrix m = Matrix.random(8, rng);
        Matrix p = m.power(n + 5);
        out.append("matrix trace ").append(p.trace()).append(" checksum ").append(p.checksum()).append('\n');

        Sieve sieve = new Sieve(3000 + n);
        out.append("primes ").append(sieve.count()).append(" last ").append(sieve.last()).append('\n');

        Stats stats = new Stats();
        String[] exprs = {
            "1+2*3", "(4+5)*(6-7)+n", "n*n*n-3*n+17", "((n+1)*(n+2))/(n-3)", "100/7+100%7*n",
            "2*(3+(4*(5+(6*(7+n)))))", "-(n-10)*-(n+10)", "12345%97+n*(n%5)"
        };
        List<String[]> rows = new ArrayList<>();
        for (String e : exprs) {
            Parser parser = new Parser(new Lexer(e).tokens(), n);
            long v = parser.parse();
            stats.add(v);
            rows.add(new String[] {e, Long.toString(v)});
        }
        for (int i = 0; i < 20; i++) {
            long v = rng.next() % 1000;
            stats.add(v);
            rows.add(new String[] {"rng#" + i, Long.toString(v)});
        }
        out.append(Html.table(new String[] {"expression", "value"}, rows));
        out.append("stats count ").append(stats.count()).append(" sum ").append(stats.sum())
                .append(" min ").append(stats.min()).append(" max ").append(stats.max())
                .append(" mean100 ").append(stats.mean100()).append('\n');
        response.write(out);
    }
}

/** A linear congruential generator, 31 bits, the same in both languages. */
final class Rng {
    private long state;

    Rng(long seed) {
        state = seed % 2147483648L;
    }

    long next() {
        state = (state * 1103515245L + 12345L) % 2147483648L;
        return state;
    }
}

/** Square matrices modulo 1000003. */
final class Matrix {
    final int n;
    final long[][] a;

    Matrix(int n) {
        this.n = n;
        this.a = new long[n][n];
    }

    static Matrix identity(int n) {
        Matrix m = new Matrix(n);
        for (int i = 0; i < n; i++) {
            m.a[i][i] = 1;
        }
        return m;
    }

    static Matrix random(int n, Rng rng) {
        Matrix m = new Matrix(n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                m.a[i][j] = rng.next() % 100;
            }
        }
        return m;
    }

    Matrix times(Matrix o) {
        Matrix r = new Matrix(n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                long s = 0;
                for (int k = 0; k < n; k++) {
                    s += a[i][k] * o.a[k][j];
                }
                r.a[i][j] = s % medium.MOD;
            }
        }
        return r;
    }

    Matrix power(int e) {
        Matrix result = identity(n);
        Matrix base = this;
        while (e > 0) {
            if ((e & 1) == 1) {
                result = result.times(base);
            }
            base = base.times(base);
            e >>= 1;
        }
        return result;
    }

    long trace() {
        long s = 0;
        for (int i = 0; i < n; i++) {
            s += a[i][i];
        }
        return s % medium.MOD;
    }

    long checksum() {
        long s = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s = (s * 31 + a[i][j]) % medium.MOD;
            }
        }
        return s;
    }
}

/** Sieve of Eratosthenes. */
final class Sieve {
    private final boolean[] composite;
    private final int limit;

    Sieve(int limit) {
        this.limit = limit;
        composite = new boolean[limit + 1];
        for (int i = 2; i * i <= limit; i++) {
            if (!composite[i]) {
                for (int j = i * i; j <= limit; j += i) {
                    composite[j] = true;
                }
            }
        }
    }

    int count() {
        int c = 0;
        for (int i = 2; i <= limit; i++) {
            if (!composite[i]) {
                c++;
            }
        }
        return c;
    }

    int last() {
        for (int i = limit; i >= 2; i--) {
            if (!composite[i]) {
                return i;
            }
        }
        return 0;
    }
}

/** Tokens of an integer expression: numbers, the variable n, + - * / % ( ). */
final class Lexer {
    private final String src;

    Lexer(String src) {
        this.src = src;
    }

    List<String> tokens() {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < src.length()) {
            char c = src.charAt(i);
            if (c == ' ') {
                i++;
            } else if (c >= '0' && c <= '9') {
                int j = i;
                while (j < src.length() && src.charAt(j) >= '0' && src.charAt(j) <= '9') {
                    j++;
                }
                out.add(src.substring(i, j));
                i = j;
            } else {
                out.add(String.valueOf(c));
                i++;
            }
        }
        return out;
    }
}

/** Recursive descent: expr = term (('+'|'-') term)*, term = unary (('*'|'/'|'%') unary)*. */
final class Parser {
    private final List<String> tokens;
    private final long n;
    private int pos;

    Parser(List<String> tokens, long n) {
        this.tokens = tokens;
        this.n = n;
    }

    long parse() {
        return expr();
    }

    private String peek() {
        return pos < tokens.size() ? tokens.get(pos) : "";
    }

    private long expr() {
        long v = term();
        while (peek().equals("+") || peek().equals("-")) {
            String op = tokens.get(pos++);
            long r = term();
            v = op.equals("+") ? v + r : v - r;
        }
        return v;
    }

    private long term() {
        long v = unary();
        while (peek().equals("*") || peek().equals("/") || peek().equals("%")) {
            String op = tokens.get(pos++);
            long r = unary();
            if (op.equals("*")) {
                v = v * r;
            } else if (r == 0) {
                v = 0;
            } else if (op.equals("/")) {
                v = v / r;
            } else {
                v = v % r;
            }
        }
        return v;
    }

    private long unary() {
        if (peek().equals("-")) {
            pos++;
            return -unary();
        }
        return primary();
    }

    private long primary() {
        String t = tokens.get(pos++);
        if (t.equals("(")) {
            long v = expr();
            pos++;
            return v;
        }
        if (t.equals("n")) {
            return n;
        }
        return Long.parseLong(t);
    }
}

/** Running statistics. */
final class Stats {
    private long count;
    private long sum;
    private long min = Long.MAX_VALUE;
    private long max = Long.MIN_VALUE;

    void add(long v) {
        count++;
        sum += v;
        min = Math.min(min, v);
        max = Math.max(max, v);
    }

    long count() {
        return count;
    }

    long sum() {
        return sum;
    }

    long min() {
        return min;
    }

    long max() {
        return max;
    }

    long mean100() {
        return count == 0 ? 0 : sum * 100 / count;
    }
}

/** An HTML table with escaped cells. */
final class Html {
    private Html() {
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<': b.append("&lt;"); break;
                case '>': b.append("&gt;"); break;
                case '&': b.append("&amp;"); break;
                case '"': b.append("&quot;"); break;
                default: b.append(c);
            }
        }
        return b.toString();
    }

    static String table(String[] head, List<String[]> rows) {
        StringBuilder b = new StringBuilder("<table>\n<tr>");
        for (String h : head) {
            b.append("<th>").append(escape(h)).append("</th>");
        }
        b.append("</tr>\n");
        for (String[] row : rows) {
            b.append("<tr>");
            for (String cell : row) {
                b.append("<td>").append(escape(cell)).append("</td>");
            }
            b.append("</tr>\n");
        }
        return b.append("</table>\n").toString();
    }
}
"""

MEDIUM_PHP = r"""<?php
// The "medium" workload: several classes doing a small computation; same output as medium.java.
declare(strict_types=1);

const MOD = 1000003;

/** A linear congruential generator, 31 bits, the same in both languages. */
final class Rng
{
    private int $state;

    public function __construct(int $seed)
    {
        $this->state = $seed % 2147483648;
    }

    public function next(): int
    {
        $this->state = ($this->state * 1103515245 + 12345) % 2147483648;
        return $this->state;
    }
}

/** Square matrices modulo 1000003. */
final class Matrix
{
    public int $n;
    public array $a;

    public function __construct(int $n)
    {
        $this->n = $n;
        $this->a = array_fill(0, $n, array_fill(0, $n, 0));
    }

    public static function identity(int $n): Matrix
    {
        $m = new Matrix($n);
        for ($i = 0; $i < $n; $i++) {
            $m->a[$i][$i] = 1;
        }
        return $m;
    }

    public static function random(int $n, Rng $rng): Matrix
    {
        $m = new Matrix($n);
        for ($i = 0; $i < $n; $i++) {
            for ($j = 0; $j < $n; $j++) {
                $m->a[$i][$j] = $rng->next() % 100;
            }
        }
        return $m;
    }

    public function times(Matrix $o): Matrix
    {
        $n = $this->n;
        $r = new Matrix($n);
        for ($i = 0; $i < $n; $i++) {
            for ($j = 0; $j < $n; $j++) {
                $s = 0;
                for ($k = 0; $k < $n; $k++) {
                    $s += $this->a[$i][$k] * $o->a[$k][$j];
                }
                $r->a[$i][$j] = $s % MOD;
            }
        }
        return $r;
    }

    public function power(int $e): Matrix
    {
        $result = Matrix::identity($this->n);
        $base = $this;
        while ($e > 0) {
            if (($e & 1) === 1) {
                $result = $result->times($base);
            }
            $base = $base->times($base);
            $e >>= 1;
        }
        return $result;
    }

    public function trace(): int
    {
        $s = 0;
        for ($i = 0; $i < $this->n; $i++) {
            $s += $this->a[$i][$i];
        }
        return $s % MOD;
    }

    public function checksum(): int
    {
        $s = 0;
        for ($i = 0; $i < $this->n; $i++) {
            for ($j = 0; $j < $this->n; $j++) {
                $s = ($s * 31 + $this->a[$i][$j]) % MOD;
            }
        }
        return $s;
    }
}

/** Sieve of Eratosthenes. */
final class Sieve
{
    private array $composite;
    private int $limit;

    public function __construct(int $limit)
    {
        $this->limit = $limit;
        $this->composite = array_fill(0, $limit + 1, false);
        for ($i = 2; $i * $i <= $limit; $i++) {
            if (!$this->composite[$i]) {
                for ($j = $i * $i; $j <= $limit; $j += $i) {
                    $this->composite[$j] = true;
                }
            }
        }
    }

    public function count(): int
    {
        $c = 0;
        for ($i = 2; $i <= $this->limit; $i++) {
            if (!$this->composite[$i]) {
                $c++;
            }
        }
        return $c;
    }

    public function last(): int
    {
        for ($i = $this->limit; $i >= 2; $i--) {
            if (!$this->composite[$i]) {
                return $i;
            }
        }
        return 0;
    }
}

/** Tokens of an integer expression: numbers, the variable n, + - * / % ( ). */
final class Lexer
{
    private string $src;

    public function __construct(string $src)
    {
        $this->src = $src;
    }

    public function tokens(): array
    {
        $out = [];
        $i = 0;
        $len = strlen($this->src);
        while ($i < $len) {
            $c = $this->src[$i];
            if ($c === ' ') {
                $i++;
            } elseif ($c >= '0' && $c <= '9') {
                $j = $i;
                while ($j < $len && $this->src[$j] >= '0' && $this->src[$j] <= '9') {
                    $j++;
                }
                $out[] = substr($this->src, $i, $j - $i);
                $i = $j;
            } else {
                $out[] = $c;
                $i++;
            }
        }
        return $out;
    }
}

/** Recursive descent: expr = term (('+'|'-') term)*, term = unary (('*'|'/'|'%') unary)*. */
final class Parser
{
    private array $tokens;
    private int $n;
    private int $pos = 0;

    public function __construct(array $tokens, int $n)
    {
        $this->tokens = $tokens;
        $this->n = $n;
    }

    public function parse(): int
    {
        return $this->expr();
    }

    private function peek(): string
    {
        return $this->pos < count($this->tokens) ? $this->tokens[$this->pos] : '';
    }

    private function expr(): int
    {
        $v = $this->term();
        while ($this->peek() === '+' || $this->peek() === '-') {
            $op = $this->tokens[$this->pos++];
            $r = $this->term();
            $v = $op === '+' ? $v + $r : $v - $r;
        }
        return $v;
    }

    private function term(): int
    {
        $v = $this->unary();
        while ($this->peek() === '*' || $this->peek() === '/' || $this->peek() === '%') {
            $op = $this->tokens[$this->pos++];
            $r = $this->unary();
            if ($op === '*') {
                $v = $v * $r;
            } elseif ($r === 0) {
                $v = 0;
            } elseif ($op === '/') {
                $v = intdiv($v, $r);
            } else {
                $v = $v % $r;
            }
        }
        return $v;
    }

    private function unary(): int
    {
        if ($this->peek() === '-') {
            $this->pos++;
            return -$this->unary();
        }
        return $this->primary();
    }

    private function primary(): int
    {
        $t = $this->tokens[$this->pos++];
        if ($t === '(') {
            $v = $this->expr();
            $this->pos++;
            return $v;
        }
        if ($t === 'n') {
            return $this->n;
        }
        return (int) $t;
    }
}

/** Running statistics. */
final class Stats
{
    private int $count = 0;
    private int $sum = 0;
    private int $min = PHP_INT_MAX;
    private int $max = PHP_INT_MIN;

    public function add(int $v): void
    {
        $this->count++;
        $this->sum += $v;
        $this->min = min($this->min, $v);
        $this->max = max($this->max, $v);
    }

    public function count(): int
    {
        return $this->count;
    }

    public function sum(): int
    {
        return $this->sum;
    }

    public function min(): int
    {
        return $this->min;
    }

    public function max(): int
    {
        return $this->max;
    }

    public function mean100(): int
    {
        return $this->count === 0 ? 0 : intdiv($this->sum * 100, $this->count);
    }
}

/** An HTML table with escaped cells. */
final class Html
{
    public static function escape(string $s): string
    {
        return htmlspecialchars($s, ENT_COMPAT | ENT_HTML5, 'UTF-8');
    }

    public static function table(array $head, array $rows): string
    {
        $b = "<table>\n<tr>";
        foreach ($head as $h) {
            $b .= '<th>' . self::escape($h) . '</th>';
        }
        $b .= "</tr>\n";
        foreach ($rows as $row) {
            $b .= '<tr>';
            foreach ($row as $cell) {
                $b .= '<td>' . self::escape((string) $cell) . '</td>';
            }
            $b .= "</tr>\n";
        }
        return $b . "</table>\n";
    }
}

header('Content-Type: text/plain; charset=utf-8');
$ns = $_GET['n'] ?? '';
$n = $ns !== '' ? (int) $ns : 7;
$out = '';
$rng = new Rng($n);

$m = Matrix::random(8, $rng);
$p = $m->power($n + 5);
$out .= 'matrix trace ' . $p->trace() . ' checksum ' . $p->checksum() . "\n";

$sieve = new Sieve(3000 + $n);
$out .= 'primes ' . $sieve->count() . ' last ' . $sieve->last() . "\n";

$stats = new Stats();
$exprs = [
    '1+2*3', '(4+5)*(6-7)+n', 'n*n*n-3*n+17', '((n+1)*(n+2))/(n-3)', '100/7+100%7*n',
    '2*(3+(4*(5+(6*(7+n)))))', '-(n-10)*-(n+10)', '12345%97+n*(n%5)',
];
$rows = [];
foreach ($exprs as $e) {
    $parser = new Parser((new Lexer($e))->tokens(), $n);
    $v = $parser->parse();
    $stats->add($v);
    $rows[] = [$e, (string) $v];
}
for ($i = 0; $i < 20; $i++) {
    $v = $rng->next() % 1000;
    $stats->add($v);
    $rows[] = ['rng#' . $i, (string) $v];
}
$out .= Html::table(['expression', 'value'], $rows);
$out .= 'stats count ' . $stats->count() . ' sum ' . $stats->sum()
    . ' min ' . $stats->min() . ' max ' . $stats->max()
    . ' mean100 ' . $stats->mean100() . "\n";
echo $out;
"""


def module_java(i):
    last = (i % CHAIN) == CHAIN - 1
    nxt = "x" if last else "Mod%03d.run(x, out)" % (i + 1)
    return """package app;

/** Module %(i)d of the 200-file application: a small computation, then the next module of its chain. */
public final class Mod%(i)03d {
    private static final long SALT = %(salt)dL;
    private static final String NAME = "Mod%(i)03d";

    private Mod%(i)03d() {
    }

    private static long mix(long x, long k) {
        long h = x;
        for (int r = 0; r < 8; r++) {
            h = (h * 31 + k + r) %% 1000003L;
        }
        return h;
    }

    private static String tag(long x) {
        return NAME + ":" + (x %% 1000);
    }

    public static long run(long x, StringBuilder out) {
        x = mix(x, SALT);
        out.append(tag(x)).append(' ');
        return %(nxt)s;
    }
}
""" % {"i": i, "salt": (i * 7919) % 10007, "nxt": nxt}


def module_php(i):
    last = (i % CHAIN) == CHAIN - 1
    nxt = "$x" if last else "Mod%03d::run($x, $out)" % (i + 1)
    return """<?php
// Module %(i)d of the 200-file application: a small computation, then the next module of its chain.
declare(strict_types=1);

namespace App;

final class Mod%(i)03d
{
    private const SALT = %(salt)d;
    private const NAME = 'Mod%(i)03d';

    private static function mix(int $x, int $k): int
    {
        $h = $x;
        for ($r = 0; $r < 8; $r++) {
            $h = ($h * 31 + $k + $r) %% 1000003;
        }
        return $h;
    }

    private static function tag(int $x): string
    {
        return self::NAME . ':' . ($x %% 1000);
    }

    public static function run(int $x, string &$out): int
    {
        $x = self::mix($x, self::SALT);
        $out .= self::tag($x) . ' ';
        return %(nxt)s;
    }
}
""" % {"i": i, "salt": (i * 7919) % 10007, "nxt": nxt}


def shop_java():
    cases = "\n".join("            case %d: x = Mod%03d.run(x, out); break;" % (p, p * CHAIN)
                      for p in range(MODULES // CHAIN))
    imports = "\n".join("import app.Mod%03d;" % (p * CHAIN) for p in range(MODULES // CHAIN))
    return """import dev.opcached.script.Request;
import dev.opcached.script.Response;
import dev.opcached.script.Script;
%s

/** Entry of the 200-file application: ?p=0..9 runs the 20 modules of chain p. */
public class shop implements Script {
    @Override
    public void handle(Request request, Response response) {
        String ps = request.param("p");
        int p = ps == null || ps.isEmpty() ? 0 : Integer.parseInt(ps) %% 10;
        response.header("Content-Type", "text/plain; charset=utf-8");
        StringBuilder out = new StringBuilder("page " + p + ": ");
        long x = p + 1;
        switch (p) {
%s
            default: break;
        }
        out.append("= ").append(x).append('\\n');
        response.write(out);
    }
}
""" % (imports, cases)


def shop_php():
    cases = "\n".join("    case %d: $x = \\App\\Mod%03d::run($x, $out); break;" % (p, p * CHAIN)
                      for p in range(MODULES // CHAIN))
    return """<?php
// Entry of the 200-file application: ?p=0..9 runs the 20 modules of chain p (autoloaded).
declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'App\\\\', 4) === 0) {
        require __DIR__ . '/app/' . substr($class, 4) . '.php';
    }
});

header('Content-Type: text/plain; charset=utf-8');
$ps = $_GET['p'] ?? '';
$p = $ps === '' ? 0 : ((int) $ps) %% 10;
$out = 'page ' . $p . ': ';
$x = $p + 1;
switch ($p) {
%s
    default: break;
}
$out .= '= ' . $x . "\\n";
echo $out;
""" % cases


STATUS_PHP = """<?php
header('Content-Type: application/json');
$s = opcache_get_status(false);
echo json_encode(['misses' => $s['opcache_statistics']['misses'] ?? -1,
    'hits' => $s['opcache_statistics']['hits'] ?? -1,
    'num_cached_scripts' => $s['opcache_statistics']['num_cached_scripts'] ?? -1,
    'manual_restarts' => $s['opcache_statistics']['manual_restarts'] ?? -1,
    'restart_pending' => $s['restart_pending'] ?? null,
    'used_memory' => $s['memory_usage']['used_memory'] ?? -1,
    'pid' => getmypid()]), "\\n";
"""

RESET_PHP = """<?php
header('Content-Type: application/json');
echo json_encode(['reset' => opcache_reset()]), "\\n";
"""


# ---------------------------------------------------------------------------------------------
# The deploy scenario: 20 pages over 180 modules in 6 layers (packages) of 30.
DEPLOY_LAYERS = 6
DEPLOY_WIDTH = 30
DEPLOY_PAGES = 20
# (layer, j) of the modules a deploy changes: one per layer but the fifth, so that what was
# compiled against them ranges from a whole chain of callers (layer 0) to the pages alone (layer 5).
DEPLOY_CHANGED = ((0, 3), (1, 11), (2, 17), (3, 24), (5, 8))


def deploy_index(layer, j):
    return layer * DEPLOY_WIDTH + j


def deploy_page_tops(page):
    """The top-layer modules (j) that a page calls: 2 or 3, every top module used by some page."""
    tops = [page % DEPLOY_WIDTH, (page + 10) % DEPLOY_WIDTH]
    if page % 2 == 0:
        tops.append((page + 20) % DEPLOY_WIDTH)
    return tops


def deploy_salt(i):
    return (i * 7919) % 10007


def deploy_module_java(layer, j, version):
    i = deploy_index(layer, j)
    below = "x" if layer == 0 else "M%03d.run(x, out)" % deploy_index(layer - 1, j)
    imports = "" if layer == 0 else "\nimport lib.p%d.M%03d;\n" % (layer - 1, deploy_index(layer - 1, j))
    return """package lib.p%(layer)d;
%(imports)s
/** Module %(i)d of the deploy application (layer %(layer)d): a small computation, its version, then the layer below. */
public final class M%(i)03d {
    private static final long SALT = %(salt)dL;

    private M%(i)03d() {
    }

    private static String version() {
        return "%(version)s";
    }

    public static long run(long x, StringBuilder out) {
        long h = x;
        for (int r = 0; r < 8; r++) {
            h = (h * 31 + SALT + r) %% 1000003L;
        }
        x = h;
        out.append(" M%(i)03d@").append(version());
        return %(below)s;
    }
}
""" % {"layer": layer, "imports": imports, "i": i, "salt": deploy_salt(i), "version": version, "below": below}


def deploy_module_php(layer, j, version):
    i = deploy_index(layer, j)
    below = "$x" if layer == 0 else "\\Lib\\P%d\\M%03d::run($x, $out)" % (layer - 1, deploy_index(layer - 1, j))
    req = "" if layer == 0 else "\nrequire_once __DIR__ . '/../p%d/M%03d.php';\n" % (layer - 1, deploy_index(layer - 1, j))
    return """<?php
// Module %(i)d of the deploy application (layer %(layer)d): a small computation, its version, then the layer below.
declare(strict_types=1);

namespace Lib\\P%(layer)d;
%(req)s
final class M%(i)03d
{
    private const SALT = %(salt)d;

    private static function version(): string
    {
        return '%(version)s';
    }

    public static function run(int $x, string &$out): int
    {
        $h = $x;
        for ($r = 0; $r < 8; $r++) {
            $h = ($h * 31 + self::SALT + $r) %% 1000003;
        }
        $x = $h;
        $out .= ' M%(i)03d@' . self::version();
        return %(below)s;
    }
}
""" % {"layer": layer, "req": req, "i": i, "salt": deploy_salt(i), "version": version, "below": below}


def deploy_page_java(page):
    top = DEPLOY_LAYERS - 1
    tops = deploy_page_tops(page)
    imports = "\n".join("import lib.p%d.M%03d;" % (top, deploy_index(top, j)) for j in tops)
    calls = "\n".join("        x = M%03d.run(x, out);" % deploy_index(top, j) for j in tops)
    return """import dev.opcached.script.Request;
import dev.opcached.script.Response;
import dev.opcached.script.Script;
%(imports)s

/** Page %(page)d of the deploy application: echoes ?t= (digits and '-' only), then runs its modules. */
public class page%(page)02d implements Script {
    @Override
    public void handle(Request request, Response response) {
        String t = request.param("t");
        if (t == null || t.isEmpty() || !t.chars().allMatch(c -> c >= '0' && c <= '9' || c == '-')) {
            t = "0";
        }
        response.header("Content-Type", "text/plain; charset=utf-8");
        StringBuilder out = new StringBuilder("t=").append(t).append(" page%(page)02d:");
        long x = %(seed)d;
%(calls)s
        out.append(" = ").append(x).append('\\n');
        response.write(out);
    }
}
""" % {"imports": imports, "page": page, "seed": page + 1, "calls": calls}


def deploy_page_php(page):
    top = DEPLOY_LAYERS - 1
    tops = deploy_page_tops(page)
    reqs = "\n".join("require_once __DIR__ . '/lib/p%d/M%03d.php';" % (top, deploy_index(top, j)) for j in tops)
    calls = "\n".join("$x = \\Lib\\P%d\\M%03d::run($x, $out);" % (top, deploy_index(top, j)) for j in tops)
    return """<?php
// Page %(page)d of the deploy application: echoes ?t= (digits and '-' only), then runs its modules.
declare(strict_types=1);

%(reqs)s

header('Content-Type: text/plain; charset=utf-8');
$t = $_GET['t'] ?? '';
if (!is_string($t) || preg_match('/^[0-9-]+$/', $t) !== 1) {
    $t = '0';
}
$out = 't=' . $t . ' page%(page)02d:';
$x = %(seed)d;
%(calls)s
echo $out . ' = ' . $x . "\\n";
""" % {"reqs": reqs, "page": page, "seed": page + 1, "calls": calls}


def deploy_manifest():
    """The changed modules and what was compiled against them, directly and transitively."""
    def module(layer, j):
        return "lib/p%d/M%03d" % (layer, deploy_index(layer, j))

    def pages_using(j):
        return ["page%02d" % p for p in range(DEPLOY_PAGES) if j in deploy_page_tops(p)]

    changed = [module(l, j) for l, j in DEPLOY_CHANGED]
    direct, transitive = set(), set()
    for layer, j in DEPLOY_CHANGED:
        direct.update([module(layer + 1, j)] if layer + 1 < DEPLOY_LAYERS else pages_using(j))
        transitive.update(module(l, j) for l in range(layer + 1, DEPLOY_LAYERS))
        transitive.update(pages_using(j))
    direct -= set(changed)
    transitive -= set(changed)
    return {
        "files": DEPLOY_PAGES + DEPLOY_LAYERS * DEPLOY_WIDTH,
        "pages": DEPLOY_PAGES,
        "changed": changed,
        "markers": ["M%03d" % deploy_index(l, j) for l, j in DEPLOY_CHANGED],
        "direct_dependents": sorted(direct),
        "transitive_dependents": sorted(transitive),
    }


def write_deploy(base, version="v1"):
    j, p = os.path.join(base, "deploy-java"), os.path.join(base, "php", "deploy")
    for page in range(DEPLOY_PAGES):
        write(os.path.join(j, "page%02d.java" % page), deploy_page_java(page))
        write(os.path.join(p, "page%02d.php" % page), deploy_page_php(page))
    for layer in range(DEPLOY_LAYERS):
        for k in range(DEPLOY_WIDTH):
            name = "M%03d" % deploy_index(layer, k)
            write(os.path.join(j, "lib", "p%d" % layer, name + ".java"), deploy_module_java(layer, k, version))
            write(os.path.join(p, "lib", "p%d" % layer, name + ".php"), deploy_module_php(layer, k, version))
    with open(os.path.join(base, "deploy.json"), "w") as f:
        json.dump(deploy_manifest(), f, indent=1)


def deploy_version(base, n, only=None):
    """A deploy: the changed modules get version vN, each written beside and renamed over the old
    file (no server reads half a file), with an mtime in the past (no file_update_protection
    refusal) that differs from every earlier version's; in the tree of one server (ext "java" or
    "php") when only is given."""
    mtime = time.time() - 1200 + n
    for layer, k in DEPLOY_CHANGED:
        name = "M%03d" % deploy_index(layer, k)
        for root, ext, text in ((os.path.join(base, "deploy-java"), "java", deploy_module_java(layer, k, "v%d" % n)),
                                (os.path.join(base, "php", "deploy"), "php", deploy_module_php(layer, k, "v%d" % n))):
            if only is not None and ext != only:
                continue
            path = os.path.join(root, "lib", "p%d" % layer, "%s.%s" % (name, ext))
            tmp = os.path.join(os.path.dirname(path), ".%s.%s.new" % (name, ext))
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, 0o644)
            os.utime(tmp, (mtime, mtime))
            os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# The compile scenario's generated tree: P packages x 20 classes, each using 2-3 classes of other
# packages and a shared util, about 60 lines each (the size of a typical TheAlgorithms file).
COMPILE_CLASSES = 20


def compile_class(pk, c, packages):
    n = pk * COMPILE_CLASSES + c
    deps = []
    for k in (1, 7, 13)[: 2 + n % 2]:
        m = (n + k * COMPILE_CLASSES + k) % (packages * COMPILE_CLASSES)
        deps.append((m // COMPILE_CLASSES, m % COMPILE_CLASSES))
    imports = "\n".join("import gen.p%02d.C%02d;" % d for d in sorted(set(deps)) if d[0] != pk)
    uses = "\n".join("        total += C%02d.weight(values.size() + %d);" % (d[1], i) for i, d in enumerate(deps)
                     if d[0] == pk) + "\n" + "\n".join(
        "        total += gen.p%02d.C%02d.weight(values.size() + %d);" % (d[0], d[1], i) for i, d in enumerate(deps)
        if d[0] != pk)
    return """package gen.p%(pk)02d;

import gen.util.Util;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
%(imports)s

/** Class %(n)d of the generated compile tree: a record, a switch expression, a lambda, collections. */
public final class C%(c)02d {
    /** One measurement. */
    public record Sample(String name, long value) {
    }

    private static final int SEED = %(seed)d;

    private C%(c)02d() {
    }

    public static long weight(int k) {
        return Util.mix(SEED, k) %% 1000;
    }

    public static List<Sample> samples(int count) {
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(new Sample("s" + (i %% 7), Util.mix(SEED + i, count)));
        }
        out.sort(Comparator.comparingLong(Sample::value));
        return out;
    }

    public static Map<String, Long> grouped(List<Sample> values) {
        Map<String, Long> sums = new TreeMap<>();
        for (Sample s : values) {
            sums.merge(s.name(), s.value(), Long::sum);
        }
        return sums;
    }

    public static String describe(int count) {
        List<Sample> values = samples(count);
        long total = 0;
%(uses)s
        String kind = switch ((int) (total %% 3)) {
            case 0 -> "low";
            case 1 -> "mid";
            default -> "high";
        };
        StringBuilder b = new StringBuilder("C%(c)02d ").append(kind);
        for (Map.Entry<String, Long> e : grouped(values).entrySet()) {
            b.append(' ').append(e.getKey()).append('=').append(e.getValue());
        }
        return Util.clip(b.toString(), 200);
    }
}
""" % {"pk": pk, "c": c, "n": n, "seed": (n * 7919) % 10007, "imports": imports, "uses": uses.strip("\n")}


COMPILE_UTIL = """package gen.util;

/** The generated compile tree's shared util: every class uses it. */
public final class Util {
    private Util() {
    }

    public static long mix(long a, long b) {
        long h = a * 0x9E3779B97F4A7C15L + b;
        h ^= h >>> 31;
        return Math.abs(h * 0xBF58476D1CE4E5B9L);
    }

    public static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
"""


def write_compile_tree(base, packages):
    write(os.path.join(base, "gen", "util", "Util.java"), COMPILE_UTIL)
    for pk in range(packages):
        for c in range(COMPILE_CLASSES):
            write(os.path.join(base, "gen", "p%02d" % pk, "C%02d.java" % c), compile_class(pk, c, packages))


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    if len(sys.argv) in (4, 5) and sys.argv[1] == "--deploy-version":
        if len(sys.argv) == 5 and sys.argv[4] not in ("java", "php"):
            sys.exit("generate.py --deploy-version: the tree is java or php, not %r" % sys.argv[4])
        deploy_version(sys.argv[2], int(sys.argv[3]), sys.argv[4] if len(sys.argv) == 5 else None)
        return
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--compile-tree":
        write_compile_tree(sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else 40)
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    base = sys.argv[1]
    j, p = os.path.join(base, "java"), os.path.join(base, "php")
    write(os.path.join(j, "hello.java"), HELLO_JAVA)
    write(os.path.join(p, "hello.php"), HELLO_PHP)
    write(os.path.join(j, "medium.java"), MEDIUM_JAVA)
    write(os.path.join(p, "medium.php"), MEDIUM_PHP)
    write(os.path.join(j, "shop.java"), shop_java())
    write(os.path.join(p, "shop.php"), shop_php())
    for i in range(MODULES):
        write(os.path.join(j, "app", "Mod%03d.java" % i), module_java(i))
        write(os.path.join(p, "app", "Mod%03d.php" % i), module_php(i))
    write(os.path.join(p, "status.php"), STATUS_PHP)
    write(os.path.join(p, "reset.php"), RESET_PHP)
    write_deploy(base)


if __name__ == "__main__":
    main()
