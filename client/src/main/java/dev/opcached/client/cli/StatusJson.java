package dev.opcached.client.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * {@code status --watch --json}: one JSON object per line and refresh (ndjson). For one pool,
 * {@code {"time", "name", "url", "ok", "exit_code", "result"|"error", "rates"}}; with --all,
 * {@code {"time", "pools": [that object without its time, for each pool]}}, the shape of
 * {@code --all status --json}. {@code time} is in epoch seconds (with milliseconds),
 * {@code result} the server's JSON unchanged, and {@code rates}
 * {@code {"interval_seconds", "requests_per_second", "hit_rate"}}, each null when it cannot be
 * told ({@link StatusRates}).
 */
final class StatusJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private StatusJson() {
    }

    /** One refresh's line, without its line separator. */
    static String line(List<PoolStatus> pools, boolean several, long epochMillis) {
        ObjectNode line = NODES.objectNode();
        line.put("time", epochMillis / 1000.0);
        if (several) {
            ArrayNode array = line.putArray("pools");
            pools.forEach(pool -> array.add(pool(pool)));
        } else {
            line.setAll(pool(pools.get(0)));
        }
        return line.toString();
    }

    private static ObjectNode pool(PoolStatus pool) {
        ObjectNode node = Opcachectl.poolNode(pool.target(), pool.exitCode(), pool.error(),
                pool.json() == null ? null : Opcachectl.parse(pool.json()));
        ObjectNode rates = node.putObject("rates");
        rates.put("interval_seconds", pool.rates().intervalSeconds());
        rates.put("requests_per_second", pool.rates().requestsPerSecond());
        rates.put("hit_rate", pool.rates().hitRate());
        return node;
    }
}
